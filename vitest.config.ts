import { defineConfig } from 'vitest/config';

/**
 * Suites that run on both engines: the `docker` project runs everything against dockerd, as always;
 * the `builtin` project runs these again with BERTH_TEST_RUNTIME=builtin on berth's built-in engine
 * (runc + conmon + netavark), in one temporary BERTH_ROOT its globalSetup makes and removes
 * (test/support/builtin-images.ts, test/support/runtime.ts).
 */
export const BOTH_RUNTIMES = [
  'test/integration/stack.test.ts',
  'test/integration/lifecycle.test.ts',
  'test/integration/inspect.test.ts',
  'test/integration/interactive.test.ts',
  'test/e2e/up-down-ps.test.ts',
  'test/e2e/lifecycle.test.ts',
  'test/e2e/exec-run-cp.test.ts',
  'test/e2e/inspect.test.ts',
  'test/e2e/examples.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'docker',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          env: { BERTH_TEST_RUNTIME: 'docker' },
          globalSetup: ['test/support/docker-teardown.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'builtin',
          include: BOTH_RUNTIMES,
          env: { BERTH_TEST_RUNTIME: 'builtin' },
          globalSetup: ['test/support/builtin-images.ts'],
        },
      },
    ],
  },
});
