import { defineConfig } from 'vitest/config';

// Tests import workspace packages through their "source" export condition, so they run against
// src/ without a build. End-to-end tests that spawn the CLI use the built dist/ (see test/helpers).
const conditions = ['source', 'import', 'module', 'node', 'default'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['source'] } },
  test: {
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['packages/*/src/**/*.test.ts'], typecheck: { enabled: true, include: ['packages/*/src/**/*.test-d.ts'] } },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: ['**/node_modules/**'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          // Integration tests share one broker and two cores; run their files one at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
