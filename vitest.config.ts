import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests open real databases and spawn servers; two workers match the two cores.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: { name: 'main', include: ['src/**/*.test.ts', 'test/**/*.test.ts'], exclude: ['test/lab/**'] },
      },
      {
        // There is one lab per machine (fixed namespaces and addresses): its files run one after
        // another, after everything else, so none waits on another's lab or competes for the cores.
        extends: true,
        test: {
          name: 'lab',
          include: ['test/lab/**/*.test.ts'],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
