/**
 * What the library integration tests share on top of StackFixture (./stack.ts): the fixture hooked
 * into a test file, compose files written as JSON (valid YAML: no quoting to think about), and a
 * process that runs until it is stopped.
 */
import { afterAll, afterEach, beforeAll } from 'vitest';
import { StackFixture } from './stack.js';

/** A long-running process that exits at once on SIGTERM (PID 1 ignores it otherwise). */
export const SLEEPER = ['sh', '-c', "trap 'exit 0' TERM; sleep 100000 & wait"];

/** A compose file of these services (plus top-level sections such as `volumes`), as JSON. */
export function composeJson(services: Record<string, object>, extra: Record<string, object> = {}): string {
  return `${JSON.stringify({ services, ...extra }, null, 2)}\n`;
}

/**
 * The test file's StackFixture: set up before its first test; the projects each test made are removed
 * after it, however it ended, and the runtime closed at the end.
 */
export function useStackFixture(): StackFixture {
  const fx = new StackFixture();
  beforeAll(() => fx.setup());
  afterEach(() => fx.cleanup());
  afterAll(() => fx.close());
  return fx;
}
