// Lint: typescript-eslint strict + type-checked rules, plus the house rules that keep the layers apart
// (see docs/architecture.md): core is pure, nothing logs with console.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "bench/.work/", "rayvault-data/", "eslint.config.js", "bin/", ".tmp/", "web/"] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      curly: ["error", "multi-line"],
      eqeqeq: ["error", "always"],
      "no-console": "error",
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/switch-exhaustiveness-check": "error",
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true }],
      "@typescript-eslint/no-non-null-assertion": "off",
      // Async interfaces (ports) often have synchronous implementations; an await-less async is fine.
      "@typescript-eslint/require-await": "off",
      "@typescript-eslint/no-unnecessary-condition": "off",
      "@typescript-eslint/no-confusing-void-expression": "off",
      "@typescript-eslint/prefer-nullish-coalescing": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" }],
    },
  },
  {
    // The pure core: no I/O, no adapters, no interfaces (DESIGN.md "Layers").
    files: ["src/core/**/*.ts"],
    ignores: ["src/core/**/*.test.ts"],
    rules: {
      "no-restricted-imports": ["error", {
        patterns: [
          { group: ["**/adapters/**", "**/app/**", "**/interfaces/**", "**/config/**"], message: "core imports only core and port types" },
          { group: ["node:fs", "node:fs/*", "node:net", "node:http", "node:https", "node:child_process", "node:os", "node:path", "pg", "nodemailer", "sharp", "exifr", "yauzl", "heic-decode", "pino"], message: "core is pure: do I/O in an adapter" },
        ],
      }],
    },
  },
  {
    // Use-cases join core and ports; adapters are chosen in config/compose.ts and passed in.
    files: ["src/app/**/*.ts"],
    ignores: ["src/app/**/*.test.ts"],
    rules: {
      "no-restricted-imports": ["error", {
        patterns: [
          { group: ["**/adapters/**", "**/interfaces/**", "**/config/**"], message: "use-cases receive adapters through ports" },
          { group: ["node:fs", "node:fs/*", "node:net", "node:http", "node:child_process", "sharp", "exifr", "yauzl", "pg"], message: "do I/O in an adapter" },
        ],
      }],
    },
  },
  {
    files: ["src/ports/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [{ group: ["**/adapters/**", "**/app/**", "**/interfaces/**"], message: "ports are interfaces only" }] }] },
  },
  {
    files: ["**/*.test.ts", "test/**/*.ts", "bench/**/*.ts", "scripts/**/*.ts"],
    rules: {
      "@typescript-eslint/no-floating-promises": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "no-console": "off",
    },
  },
);
