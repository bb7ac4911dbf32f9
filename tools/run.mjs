#!/usr/bin/env node
// Runs a TypeScript entry point of this repo: builds what changed, then runs its compiled file with
// the remaining arguments, e.g. `node tools/run.mjs apps/analyzer/src/replay/main.ts --clip x.mp4`.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { build } from './build.mjs';

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node tools/run.mjs <path/to/entry.ts> [args...]');
  process.exit(2);
}
await build();
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const compiled = path.join(root, 'dist', entry.replace(/\.ts$/, '.js'));
const child = spawn(process.execPath, ['--enable-source-maps', compiled, ...args], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
