#!/usr/bin/env node
// Bundles the CLI (tsc's dist/cli/main.js and everything it imports) into ONE CommonJS file,
// dist/cli/berth.cjs, that bin/berth.js runs through V8's code cache.
//
// Why: a CLI that is run in loops (`berth ps`, a no-op `berth up`) spends most of its time starting.
// Measured on a 100-service project: ESM resolution and linking of ~60 modules, then parsing and
// compiling them, cost more than the Engine API calls. One file removes the resolution and linking;
// CommonJS (not ESM) lets bin/berth.js compile it with vm.Script and reuse V8's cached code on later
// runs, which Node 20 offers for nothing else (module.enableCompileCache() is Node ≥ 22).
//
// The library (`import … from 'berth'`) is not bundled: it stays tsc's ESM output in dist/.
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;

await build({
  absWorkingDir: root,
  entryPoints: ['dist/cli/main.js'],
  outfile: 'dist/cli/berth.cjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // import() of a built-in becomes require(): a vm.Script has no module loader for import().
  supported: { 'dynamic-import': false },
  // `import.meta.url` has no meaning in CommonJS: the injected shim gives the bundle's own URL, so
  // createRequire(import.meta.url) and new URL('../../package.json', import.meta.url) still resolve
  // from dist/cli/, where the unbundled module lived.
  inject: ['scripts/import-meta-url.js'],
  define: { 'import.meta.url': 'import_meta_url' },
  legalComments: 'none',
  // Half the bytes to read, hash and deserialize on every start (~40 ms of CPU per run, measured on
  // `berth version`). Readable stack traces come from `--debug`, which bin/berth.js runs unbundled.
  minify: true,
  logLevel: 'warning',
});
