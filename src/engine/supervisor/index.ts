/**
 * The per-project supervisor: restart policies and healthchecks without a daemon. main.ts is the
 * process entry (not re-exported here: it runs when executed).
 */
export {
  defaultSupervisorEntry,
  ensureSupervisor,
  isSupervisorProcess,
  type SupervisorClientOptions,
  stopSupervisor,
  supervisorPid,
} from './client.js';
export { type Clock, ManualClock, systemClock, type TimerHandle } from './clock.js';
export { type SupervisorFiles, supervisorFiles } from './files.js';
export {
  applyProbeResult,
  capOutput,
  DEFAULT_SHELL,
  formatGoDuration,
  HEALTH_DEFAULTS,
  type HealthConfig,
  type HealthLogEntry,
  type HealthState,
  type HealthStatus,
  healthConfig,
  initialHealth,
  MAX_HEALTH_LOG,
  MAX_HEALTH_OUTPUT,
  nextProbeDelay,
  type ProbeResult,
  probeArgv,
  timeoutResult,
} from './health.js';
export type { SupervisorHostContext, SupervisorHostFactory } from './main.js';
export {
  type ExitFacts,
  newRestartTracker,
  parseRestartPolicy,
  RESTART_BACKOFF_MAX_MS,
  RESTART_BACKOFF_START_MS,
  RESTART_RESET_AFTER_MS,
  type RestartDecision,
  type RestartTracker,
  restartsAtAll,
  shouldRestart,
} from './restart.js';
export {
  type ProbeOutcome,
  type SupervisedContainer,
  type SupervisedStatus,
  Supervisor,
  type SupervisorHost,
  type SupervisorOptions,
} from './supervisor.js';
