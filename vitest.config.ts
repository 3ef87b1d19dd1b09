import { defineConfig } from 'vitest/config';

export default defineConfig({
  // graphql 17 publishes a separate "development" build; Vite would pick it for our sources while
  // Node loads the production build for dependencies (yoga, Pothos), giving two graphql realms.
  // Resolve the way Node does at run time.
  resolve: { conditions: ['module-sync', 'node', 'import', 'default'] },
  ssr: { resolve: { conditions: ['module-sync', 'node', 'import', 'default'], externalConditions: ['module-sync', 'node'] } },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
