#!/usr/bin/env node
// The `codeq` command: runs the compiled CLI (npm run build, which `npm ci` does through `prepare`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('codeq is not built: run `npm run build` (or `npm ci`) in the repository first.\n');
  process.exit(1);
}
await import(entry.href);
