// ESLint: the recommended JavaScript and TypeScript rules (no type-aware rules: `tsc --noEmit`
// already type-checks, and these run in a second). `npm run lint` runs it with Prettier's check.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", ".gen/", "cdktf.out/", ".mirror/", ".scratch/", "build/"] },
  // Worker threads in plain JavaScript (Node 20 workers do not inherit tsx): Node globals.
  {
    files: ["**/*.mjs"],
    languageOptions: {
      globals: {
        performance: "readonly",
        Buffer: "readonly",
        setInterval: "readonly",
        clearInterval: "readonly",
        setTimeout: "readonly",
        process: "readonly",
        console: "readonly",
      },
    },
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // A leading underscore names what is left out on purpose (`const { pin: _pin, ...rest } = o`).
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_", ignoreRestSiblings: true },
      ],
      // Prettier's printWidth, also for what Prettier leaves long: string, template and regex literals and
      // comments (split a message into "a " + "b", a regex into new RegExp(/a/.source + /b/.source)).
      // Core's max-len is deprecated since ESLint 8.53 (kept until 11); @stylistic/eslint-plugin's max-len
      // takes the same options.
      "max-len": ["error", { code: 160 }],
    },
  },
);
