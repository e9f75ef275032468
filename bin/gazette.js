#!/usr/bin/env node
// Installed entry point: runs the compiled CLI in dist/ (`npm run build`, which `npm ci` and
// `npm pack` run in a checkout). Plain JavaScript, so a production install needs neither tsx
// nor esbuild.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  console.error('gazette: dist/cli.js is missing; run `npm run build` in this checkout (npm ci runs it)');
  process.exit(1);
}
await import(cli.href);
