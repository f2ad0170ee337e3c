/** The built-in engine's containers: runc + conmon behind `Containers` (see containers.ts). */
export { connectAttach, writeResize } from './attach.js';
export { Containers, type ContainersOptions, type WaitCondition } from './containers.js';
export { defaultHosts, hostResolvConf } from './etc-files.js';
export { containersInUse } from './in-use.js';
export { readLog } from './logs.js';
export { Runc, type RuncState, type RuncStatus } from './runc.js';
export { killEffect, signalNumber } from './signals.js';
export { buildOciSpec, execProcess, type OciSpec, resolveProcess } from './spec.js';
export { readStats, toContainerStats } from './stats.js';
export { parsePs } from './top.js';
export type {
  ContainerHooks,
  ContainerRecord,
  ProcessConfig,
  RecordNetwork,
  RecordState,
  RecordVolume,
} from './types.js';
