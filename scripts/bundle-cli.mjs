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
import { readFileSync } from 'node:fs';
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

// esbuild writes ASCII (charset: 'ascii' is its default) except where escaping would change meaning:
// regular expression literals and tagged template strings keep their characters. One such character
// makes the whole bundle a two-byte string for V8 (1.8 MB, not 0.9 MB): ~3 ms more CPU on every start
// to decode, hash and deserialize. Write them as \u escapes in the source.
const text = readFileSync(new URL('dist/cli/berth.cjs', `file://${root}`), 'latin1');
const nonAscii = /[^\x00-\x7f]+/g;
for (let m = nonAscii.exec(text); m !== null; m = nonAscii.exec(text)) {
  const around = Buffer.from(text.slice(Math.max(0, m.index - 40), m.index + 40), 'latin1').toString('utf8');
  console.warn(
    `bundle-cli: non-ASCII bytes in dist/cli/berth.cjs at ${m.index} (slower start-up): …${around}…`,
  );
}
