import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // One file at a time unless told otherwise: `npm test` runs the integration files that may
    // share the lab side by side itself (test/integration/groups.ts, scripts/test.ts).
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    projects: [
      { extends: true, test: { name: "unit", include: ["test/unit/**/*.test.ts"] } },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          // Built once per run instead of once per file (provider, lab guest).
          globalSetup: ["test/integration/global-setup.ts"],
        },
      },
    ],
  },
});
