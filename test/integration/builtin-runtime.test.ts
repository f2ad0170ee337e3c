/**
 * The built-in engine (runc + conmon + netavark + aardvark-dns, no daemon) through its Runtime
 * adapter: the same contract suite the docker adapter passes, in temporary state directories. Its
 * differences are named, with their reasons, in the options below; each is checked to be refused
 * cleanly.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { type BuiltinRuntime, createBuiltinRuntime } from '../../src/runtime/builtin/builtin-runtime.js';
import { removeEngineDirs } from '../support/engine-dirs.js';
import { ensureBusyboxInStore } from '../support/images/busybox-store.js';
import { runtimeContract } from './runtime-contract.js';

const root = mkdtempSync(join(tmpdir(), 'berth-builtin-root-'));
const runRoot = mkdtempSync(join(tmpdir(), 'berth-builtin-run-'));
afterAll(() => removeEngineDirs(root, runRoot));

runtimeContract('builtin', () => createBuiltinRuntime({ root, runRoot }), {
  image: (rt) => ensureBusyboxInStore((rt as BuiltinRuntime).store),
  differences: {
    build: 'the built-in engine has no image builder yet: build with docker, then `berth image load`',
  },
});
