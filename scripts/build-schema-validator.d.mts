/** Types of build-schema-validator.mjs, for the tests that import it. */
export declare const REPO_ROOT: string;
export declare const SCHEMA_FILE: string;
export declare const OUTPUT_FILE: string;
export declare const GO_DURATION_PATTERN: string;
export declare const AJV_OPTIONS: Readonly<Record<string, unknown>>;
export declare function stripAnnotations<T>(value: T): T;
export declare function generateValidatorSource(schemaText: string): string;
