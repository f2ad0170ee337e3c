#!/usr/bin/env node
// The `berth` executable. It runs the bundled CLI (dist/cli/berth.cjs, made by scripts/bundle-cli.mjs
// after tsc) through V8's code cache: the first run of each subcommand compiles the functions it
// needs and saves V8's compiled code; later runs skip that parsing and compiling. On a no-op `up` of
// 100 services this takes about a third off the process's CPU time (numbers in bench/README.md).
//
// The cache lives in $BERTH_CACHE_DIR, else $XDG_CACHE_HOME/berth, else ~/.cache/berth, one file per
// subcommand, keyed by the Node version and the bundle's size and mtime. V8 checks the data itself
// and rejects what does not match (another V8, other flags, another source): the run then compiles
// as usual and rewrites the file. Any failure to read or write the cache only costs that speed-up.
// BERTH_NO_COMPILE_CACHE=1 turns it off. With --debug the unbundled modules run instead (readable
// stack traces).
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

const bundle = fileURLToPath(new URL('../dist/cli/berth.cjs', import.meta.url));
const env = process.env;

function cacheFile() {
  if (env.BERTH_NO_COMPILE_CACHE) return undefined;
  try {
    const { size, mtimeMs } = statSync(bundle);
    const dir =
      env.BERTH_CACHE_DIR || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'berth', 'compile-cache');
    return join(dir, `${process.version}-${size}-${Math.trunc(mtimeMs)}-${subcommand()}.bin`);
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

/** The subcommand, to group runs that compile the same functions (a wrong guess costs only speed). */
function subcommand() {
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    if (VALUE_FLAGS.has(args[i])) i++;
    else if (/^[a-z][a-z-]*$/.test(args[i])) return args[i];
    else if (!args[i].startsWith('-')) break;
  }
  return 'none';
}

function load() {
  const file = cacheFile();
  let cachedData;
  if (file) {
    try {
      cachedData = readFileSync(file);
    } catch {}
  }
  const script = new Script(Module.wrap(readFileSync(bundle, 'utf8')), { filename: bundle, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, dirname(bundle));
  const save = () => {
    if (!file || (cachedData && !script.cachedDataRejected)) return;
    try {
      mkdirSync(dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, script.createCachedData());
      renameSync(tmp, file);
    } catch {}
  };
  return { main: module.exports.main, save };
}

// --debug (or BERTH_DEBUG) runs tsc's unbundled, unminified modules: stack traces name real files.
const debug = process.argv.includes('--debug') || /^(1|true)$/i.test(env.BERTH_DEBUG ?? '');
const { main, save } = debug ? { main: (await import('../dist/cli/main.js')).main, save: () => {} } : load();
main(process.argv).then(
  (code) => {
    process.exitCode = code;
    save();
  },
  (err) => {
    // main() never rejects for user errors; this is a bug in berth itself.
    console.error(err);
    process.exitCode = 70;
  },
);
