#!/usr/bin/env node
// The `berth` executable. It runs the bundled CLI (dist/cli/berth.cjs, made by scripts/bundle-cli.mjs
// after tsc) through V8's code cache: the first run of each subcommand compiles the functions it
// needs and saves V8's compiled code; later runs skip that parsing and compiling. On a no-op `up` of
// 100 services this takes about a third off the process's CPU time (numbers in DEVELOPERS.md).
//
// The cache lives in <cache>/compile-cache, where <cache> is $BERTH_CACHE_DIR, else
// $XDG_CACHE_HOME/berth, else ~/.cache/berth (its projects/ holds the CLI's project cache,
// src/cli/project-cache.ts), one file per subcommand, keyed by the Node version and the bundle's size and mtime. V8 checks the data itself
// and rejects what does not match (another V8, other flags, another source): the run then compiles
// as usual and rewrites the file. Any failure to read or write the cache only costs that speed-up.
// BERTH_NO_COMPILE_CACHE=1 turns it off. With --debug the unbundled modules run instead (readable
// stack traces).
//
// A cache holds what its run compiled, so what a later run may reuse depends on which run wrote it:
// - `-p NAME` without `-f` (ps, down, logs… then skip the loader) keys a file of its own: a cache
//   written by `ps -p NAME` would leave `ps -f FILE` compiling the whole loader on every run;
// - a run that fails writes `<key>.fail.bin`, used until a successful run writes `<key>.bin`: a first
//   `up` that stops at a typo must not fix what every later `up` recompiles;
// - a successful run that loaded its project (not from the project cache) writes `<key>.load.bin`,
//   used until a run that took its project from the project cache (or needed none) writes `<key>.bin`:
//   the loader's compiled code would otherwise be read back, for nothing, by every later cache hit;
// - writing a file also deletes the cache files of other bundles (other versions, older builds) that
//   have not been written for a day, so rebuilds do not pile up hundreds of megabytes.
//
// This file is CommonJS (bin/package.json says so): an ES module entry costs Node ~10 ms of CPU more
// to start (its module loader), on every command.
'use strict';
const {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} = require('node:fs');
const Module = require('node:module');
const { homedir } = require('node:os');
const { dirname, join } = require('node:path');
const { Script } = require('node:vm');

const bundle = join(__dirname, '..', 'dist', 'cli', 'berth.cjs');
const env = process.env;

/** Where this run's cache goes: { dir, bundleKey: this bundle's prefix, name: without `.bin` }. */
function cacheFile() {
  if (env.BERTH_NO_COMPILE_CACHE) return undefined;
  try {
    const { size, mtimeMs } = statSync(bundle);
    const dir = join(
      env.BERTH_CACHE_DIR || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'berth'),
      'compile-cache',
    );
    const bundleKey = `${process.version}-${size}-${Math.trunc(mtimeMs)}-`;
    return { dir, bundleKey, name: join(dir, bundleKey + subcommand()) };
  } catch {
    return undefined;
  }
}

/** Global flags that take a value: their value is not the subcommand (as subcommandOf in src/cli/program.ts,
 * which this file cannot import before the bundle loads). */
const VALUE_FLAGS = new Set([
  ...['-f', '--file', '-p', '--project-name', '--project-directory', '--profile'],
  ...['--env-file', '--progress', '--parallel', '--ansi'],
]);

/**
 * The subcommand, to group runs that compile the same functions (a wrong guess costs only speed), with
 * `-by-name` when `-p` comes without `-f`: the commands that can then work from labels alone
 * (projectOrName in src/cli/project-options.ts) do not load the project.
 */
function subcommand() {
  const args = process.argv.slice(2);
  let name = false;
  let file = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (VALUE_FLAGS.has(a)) {
      if (a === '-p' || a === '--project-name') name = true;
      else if (a === '-f' || a === '--file') file = true;
      i++;
    } else if (/^[a-z][a-z-]*$/.test(a)) return name && !file ? `${a}-by-name` : a;
    else if (a.startsWith('--project-name=')) name = true;
    else if (a.startsWith('--file=')) file = true;
    else if (!a.startsWith('-')) break;
  }
  return 'none';
}

/** Deletes other bundles' cache files not written for a day (best effort). */
function prune(dir, bundleKey) {
  const dayAgo = Date.now() - 86_400_000;
  for (const f of readdirSync(dir)) {
    if (f.startsWith(bundleKey) || !/^v[\d.]+-\d+-\d+-.*\.bin$/.test(f)) continue;
    try {
      if (statSync(join(dir, f)).mtimeMs < dayAgo) unlinkSync(join(dir, f));
    } catch {}
  }
}

/** Cache files from the least to the most useful: what a failed run, a run that loaded its project, and
 * any other successful run compiled. */
const SUFFIXES = ['.fail.bin', '.load.bin', '.bin'];

function load() {
  const cache = cacheFile();
  let cachedData;
  /** The rank (index in SUFFIXES) of the file cachedData came from: the best one there is. */
  let from = -1;
  if (cache) {
    for (let rank = SUFFIXES.length - 1; rank >= 0; rank--) {
      try {
        cachedData = readFileSync(cache.name + SUFFIXES[rank]);
        from = rank;
        break;
      } catch {}
    }
  }
  const script = new Script(Module.wrap(readFileSync(bundle, 'utf8')), { filename: bundle, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, Module.createRequire(bundle), module, bundle, dirname(bundle));
  /** After main (`ok`: exit status 0): writes this run's cache when there was none, it was rejected (then
   * in its place, whatever the outcome), or this run ranks higher; then drops the lower-ranked files. */
  const save = (ok) => {
    if (!cache) return;
    const accepted = cachedData !== undefined && !script.cachedDataRejected;
    let rank = !ok ? 0 : module.exports.projectWasLoaded?.() ? 1 : 2;
    if (accepted && rank <= from) return;
    if (accepted && from === 1) {
      // The loader's code came in with the cache and would be written out again: drop the file, so that
      // the next run (which compiles what it needs) writes a cache without it.
      try {
        unlinkSync(cache.name + SUFFIXES[from]);
      } catch {}
      return;
    }
    if (!accepted) rank = Math.max(rank, from);
    try {
      mkdirSync(cache.dir, { recursive: true });
      const file = cache.name + SUFFIXES[rank];
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, script.createCachedData());
      renameSync(tmp, file);
      for (let lower = 0; lower < rank; lower++) {
        try {
          unlinkSync(cache.name + SUFFIXES[lower]);
        } catch {}
      }
      prune(cache.dir, cache.bundleKey);
    } catch {}
  };
  return { main: module.exports.main, save };
}

function run({ main, save }) {
  main(process.argv).then(
    (code) => {
      process.exitCode = code;
      save(code === 0);
    },
    (err) => {
      // main() never rejects for user errors; this is a bug in berth itself.
      console.error(err);
      process.exitCode = 70;
    },
  );
}

// --debug (or BERTH_DEBUG) runs tsc's unbundled, unminified modules: stack traces name real files.
if (process.argv.includes('--debug') || /^(1|true)$/i.test(env.BERTH_DEBUG ?? '')) {
  import('../dist/cli/main.js').then((m) => run({ main: m.main, save: () => {} }));
} else {
  run(load());
}
