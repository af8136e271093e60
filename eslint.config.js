import js from "@eslint/js";
import tseslint from "typescript-eslint";
import reactHooks from "eslint-plugin-react-hooks";

export default tseslint.config(
  { ignores: ["node_modules/", ".next/", "server/generated/", "server/protocol/generated/", "test-results/", "playwright-report/", "next-env.d.ts"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["app/**/*.{ts,tsx}"],
    plugins: { "react-hooks": reactHooks },
    rules: { "react-hooks/rules-of-hooks": "error", "react-hooks/exhaustive-deps": "warn" },
  },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      "@typescript-eslint/no-explicit-any": "off",
      "no-empty": ["error", { allowEmptyCatch: true }],
      // TypeScript checks names; for the few plain JS launchers no-undef would only flag Node globals.
      "no-undef": "off",
      // binary sniffing of function replies matches control characters on purpose
      "no-control-regex": "off",
    },
  },
  {
    // process.env is read in one file (server/env.ts); launchers and test tooling are outside the app.
    files: ["server/**/*.ts", "app/**/*.{ts,tsx}", "worker/**/*.ts", "prisma/**/*.ts", "examples/**/*.ts"],
    ignores: ["server/env.ts"],
    rules: {
      "no-restricted-properties": ["error", { object: "process", property: "env", message: "read configuration through server/env.ts" }],
    },
  },
  {
    // app/ stays thin: storage and queues are reached through server/.
    files: ["app/**/*.{ts,tsx}"],
    rules: {
      "no-restricted-imports": ["error", { paths: ["ioredis", "bullmq", "pg", "@prisma/client"], patterns: ["**/generated/prisma/**"] }],
    },
  },
);
