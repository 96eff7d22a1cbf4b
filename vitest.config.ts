import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'packages/*/test/**/*.test.ts',
      'bench/test/**/*.test.ts',
      'apps/*/test/**/*.test.ts',
      'apps/*/src/**/*.test.{ts,tsx}',
    ],
    exclude: ['**/node_modules/**', 'tests/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
