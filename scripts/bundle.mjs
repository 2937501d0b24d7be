// Bundles the template's server and the handler into dist/server.mjs, one file that node runs.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

await build({
  absWorkingDir: root,
  entryPoints: ['template/node20-typescript/index.ts'],
  outfile: 'dist/server.mjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  logLevel: 'warning',
  // The template imports the function as "function-handler"; in an OpenFaaS build context
  // it lives in ./function instead of ./handler.
  alias: { 'function-handler': process.env.FUNCTION_DIR ?? './handler' },
  // ssh2 (through dockerode) loads optional native add-ons only when present.
  external: ['cpu-features', '*.node'],
  // Bundled CommonJS modules still call require() and read __dirname.
  banner: {
    js: [
      "import { createRequire as __createRequire } from 'node:module';",
      "import { dirname as __pathDirname } from 'node:path';",
      "import { fileURLToPath as __fileURLToPath } from 'node:url';",
      'const require = __createRequire(import.meta.url);',
      'const __filename = __fileURLToPath(import.meta.url);',
      'const __dirname = __pathDirname(__filename);',
    ].join(' '),
  },
});
