import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts', 'tests/integration/**/*.test.ts', 'tests/e2e/**/*.test.ts'],
    // Fixture models and real PDFs make some tests slow on a 2-core machine.
    testTimeout: 120_000,
    hookTimeout: 300_000,
    globalSetup: ['tests/fixtures/global-setup.ts'],
    pool: 'forks',
    reporters: ['default'],
  },
});
