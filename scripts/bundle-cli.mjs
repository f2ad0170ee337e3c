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

/**
 * commander requires node:child_process when it loads, only to spawn executable subcommands (which
 * berth has none of). Loading child_process (and what it pulls: dgram, net's helpers…) costs ~5–9 ms
 * of CPU on every start, measured on `berth ps`; this plugin makes that require lazy: the first
 * `childProcess.spawn` loads the module.
 */
const lazyChildProcessInCommander = {
  name: 'lazy-child-process-in-commander',
  setup(b) {
    b.onLoad({ filter: /[\\/]commander[\\/]lib[\\/]command\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const eager = "const childProcess = require('node:child_process');";
      if (!source.includes(eager)) {
        throw new Error(`bundle-cli: ${args.path} no longer has \`${eager}\`; update the plugin`);
      }
      const lazy = "const childProcess = { spawn: (...a) => require('node:child_process').spawn(...a) };";
      return { contents: source.replace(eager, lazy), loader: 'js' };
    });
  },
};

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
  // The build id keys the CLI's project cache (src/cli/project-cache.ts): each build reads only the
  // projects it loaded itself, since another build's loader may load the same files differently.
  define: { 'import.meta.url': 'import_meta_url', __BERTH_BUILD__: JSON.stringify(Date.now().toString(36)) },
  legalComments: 'none',
  // Half the bytes to read, hash and deserialize on every start (~40 ms of CPU per run, measured on
  // `berth version`). Readable stack traces come from `--debug`, which bin/berth.js runs unbundled.
  // BERTH_BUNDLE_READABLE=1 keeps names and layout, for CPU profiles (node --cpu-prof bin/berth.js …).
  minify: !process.env.BERTH_BUNDLE_READABLE,
  plugins: [lazyChildProcessInCommander],
  logLevel: 'warning',
});

// esbuild writes ASCII (charset: 'ascii' is its default) except where escaping would change meaning:
// regular expression literals and tagged template strings keep their characters. One such character
// makes the whole bundle a two-byte string for V8 (1.8 MB, not 0.9 MB): ~3 ms more CPU on every start
// to decode, hash and deserialize. Write them as \u escapes in the source.
// (A readable bundle keeps its comments, and their characters.)
const text = process.env.BERTH_BUNDLE_READABLE
  ? ''
  : readFileSync(new URL('dist/cli/berth.cjs', `file://${root}`), 'latin1');
const nonAscii = /[^\x00-\x7f]+/g;
for (let m = nonAscii.exec(text); m !== null; m = nonAscii.exec(text)) {
  const around = Buffer.from(text.slice(Math.max(0, m.index - 40), m.index + 40), 'latin1').toString('utf8');
  console.warn(
    `bundle-cli: non-ASCII bytes in dist/cli/berth.cjs at ${m.index} (slower start-up): …${around}…`,
  );
}
