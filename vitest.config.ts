import { basename } from "node:path";
import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";
import { CONCURRENT, EXCLUSIVE } from "./scripts/test-groups.js";

/**
 * Integration files start in the order scripts/test-groups.ts lists them (longest first, so
 * that side-by-side workers finish together); everything else in vitest's own order.
 */
class ListedOrder extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const listed = [...CONCURRENT, ...Object.keys(EXCLUSIVE)];
    const rank = (f: TestSpecification) => {
      const i = listed.indexOf(basename(f.moduleId));
      return i < 0 ? listed.length : i;
    };
    return (await super.sort(files)).sort((x, y) => rank(x) - rank(y));
  }
}

export default defineConfig({
  test: {
    // One file at a time unless told otherwise: `npm test` runs the integration files that may
    // share the lab side by side itself (scripts/test-groups.ts, scripts/test.ts).
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    sequence: { sequencer: ListedOrder },
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
