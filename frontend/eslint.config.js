// ESLint for the dashboard: TypeScript, the rules of hooks, accessibility, and
// the layers of src/ (see ARCHITECTURE.md): app → features → shared code.
import { readdirSync } from "node:fs";
import js from "@eslint/js";
import { defineConfig, globalIgnores } from "eslint/config";
import importX, { createNodeResolver } from "eslint-plugin-import-x";
import jsxA11y from "eslint-plugin-jsx-a11y";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

// Every folder of src/features, read at lint time so that a new feature is
// fenced in without touching this file.
const features = readdirSync(new URL("./src/features", import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

// Code that every feature may use; it knows nothing of the features or the app.
const SHARED = ["./src/api", "./src/components", "./src/lib"];

const layerZones = [
  // A feature never reaches into another: what two features need lives in shared code.
  ...features.map((feature) => ({
    target: `./src/features/${feature}`,
    from: "./src/features",
    except: [`./${feature}`],
    message: "A feature does not import another feature; move what both need to src/components, src/lib or src/api.",
  })),
  {
    target: "./src/features",
    from: "./src/app",
    message: "Features do not import the app shell; the app composes the features.",
  },
  {
    target: SHARED,
    from: ["./src/features", "./src/app"],
    message: "Shared code does not import features or the app shell.",
  },
];

// File names are kebab-case (`sessions-table.tsx`, `session-list-url-state.test.ts`).
const KEBAB_CASE = /^[a-z0-9]+(-[a-z0-9]+)*(\.[a-z0-9]+)*$/;
const layout = {
  rules: {
    "kebab-case-files": {
      meta: { type: "suggestion", schema: [], messages: { name: "File names are kebab-case: {{name}}." } },
      create(context) {
        const name = context.filename.split(/[\\/]/).pop() ?? "";
        return {
          Program(node) {
            if (!KEBAB_CASE.test(name)) context.report({ node, messageId: "name", data: { name } });
          },
        };
      },
    },
  },
};

export default defineConfig([
  globalIgnores(["dist", "node_modules", "src/api/schema.gen.ts"]),
  {
    files: ["**/*.{js,mjs,ts,tsx}"],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    languageOptions: { ecmaVersion: 2023, globals: { ...globals.browser } },
    rules: {
      // `_name` marks a value taken apart on purpose (e.g. the cursor left out of a CSV link).
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" },
      ],
    },
  },
  {
    files: ["src/**/*.{ts,tsx}"],
    extends: [reactHooks.configs.flat.recommended, jsxA11y.flatConfigs.recommended],
    plugins: { "import-x": importX, layout },
    settings: {
      "import-x/resolver-next": [createNodeResolver({ extensions: [".ts", ".tsx", ".js", ".json"] })],
    },
    rules: {
      "import-x/no-restricted-paths": ["error", { zones: layerZones }],
      "import-x/no-cycle": "error",
      "layout/kebab-case-files": "error",
      // No barrel files: an import names the module that defines what it needs.
      "no-restricted-syntax": [
        "error",
        {
          selector: "ExportAllDeclaration, ExportNamedDeclaration[source]",
          message: "No re-exports (barrel files): import from the module that defines it.",
        },
      ],
    },
  },
  {
    files: ["scripts/**/*.mjs", "vite.config.ts", "eslint.config.js"],
    languageOptions: { globals: { ...globals.node } },
  },
]);
