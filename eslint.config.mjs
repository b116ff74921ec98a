import { builtinModules } from 'node:module'

import js from '@eslint/js'
import prettier from 'eslint-config-prettier'
import tseslint from 'typescript-eslint'

/**
 * What CRE's WebAssembly runtime (Javy/QuickJS) lacks, and the Functions sandbox does not promise:
 * Node built-ins, fetch, timers, process and friends. `cre-compile` (which checks this itself)
 * cannot run here, so the rule is enforced statically over the workflow and the core it imports
 * (test/cre-workflow/quickjs-lint.test.ts proves it flags each case). docs/cre.md.
 */
const NODE_BUILTINS = builtinModules.filter((name) => !name.startsWith('_'))
const QUICKJS_MISSING_GLOBALS = [
  'fetch',
  'setTimeout',
  'setInterval',
  'setImmediate',
  'clearTimeout',
  'clearInterval',
  'clearImmediate',
  'queueMicrotask',
  'process',
  'Buffer',
  'require',
  'module',
  'exports',
  '__dirname',
  '__filename',
  'global',
  'window',
  'document',
  'navigator',
  'XMLHttpRequest',
  'WebSocket',
  'localStorage',
  'sessionStorage',
  'performance',
  'crypto',
  'Bun',
  'Deno',
].map((name) => ({
  name,
  message: `${name} does not exist in CRE's QuickJS runtime: use the SDK's capabilities (HTTPClient, runtime.now()) or pass it in`,
}))
const QUICKJS_RESTRICTED_IMPORTS = {
  paths: NODE_BUILTINS.map((name) => ({
    name,
    message: "Node built-in modules do not exist in CRE's QuickJS runtime",
  })),
  patterns: [
    { group: ['node:*'], message: "Node built-in modules do not exist in CRE's QuickJS runtime" },
    { group: ['bun', 'bun:*'], message: "bun's APIs do not exist in CRE's QuickJS runtime" },
  ],
}

export default tseslint.config(
  { ignores: ['node_modules/', 'out/', 'cache/', 'broadcast/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // Node scripts (bin/solc, the test runner) and Functions sources run as plain JavaScript.
    files: ['**/*.js', '**/*.cjs', '**/*.mjs', 'bin/*'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    // QuickJS/WASM only: the CRE workflow and the DON-side core it imports.
    files: ['cre-workflow/**/*.ts', 'don-core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', QUICKJS_RESTRICTED_IMPORTS],
      'no-restricted-globals': ['error', ...QUICKJS_MISSING_GLOBALS],
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ImportExpression',
          message: 'no dynamic import(): the workflow is bundled into one WebAssembly module',
        },
      ],
      '@typescript-eslint/no-require-imports': 'error',
    },
  },
  {
    // The core has no imports at all: crypto is passed in, I/O stays at the edges.
    files: ['don-core/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ImportDeclaration',
          message: 'don-core imports nothing (DESIGN.md section 2)',
        },
        { selector: 'ImportExpression', message: 'don-core imports nothing (DESIGN.md section 2)' },
      ],
    },
  },
  {
    // Node-mode modules the local CRE DON (Node.js) imports: no SDK (its types declare Node's
    // modules as `never`), so they type-check and run outside the workflow too.
    files: [
      'cre-workflow/onnx-inference/node-round.ts',
      'cre-workflow/onnx-inference/request-event.ts',
      'cre-workflow/onnx-inference/config.ts',
      'cre-workflow/onnx-inference/crypto.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          ...QUICKJS_RESTRICTED_IMPORTS,
          patterns: [
            ...QUICKJS_RESTRICTED_IMPORTS.patterns,
            {
              group: ['@chainlink/cre-sdk', '@chainlink/cre-sdk/*'],
              message:
                'node-mode modules stay SDK-free (the local CRE DON imports them in Node.js)',
            },
          ],
        },
      ],
    },
  },
  prettier,
)
