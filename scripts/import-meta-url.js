// Injected into dist/cli/berth.cjs by scripts/bundle-cli.mjs: what `import.meta.url` is in the bundle
// (the bundle is CommonJS, where `require` and `__filename` exist).
export const import_meta_url = require('node:url').pathToFileURL(__filename).href;
