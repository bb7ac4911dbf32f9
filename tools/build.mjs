#!/usr/bin/env node
// Compiles apps/*/src, libs/*/src and bench/ to dist/ with swc (shell scripts there are copied), keeping the layout so that the @xl/* aliases
// (rewritten to relative paths by swc) resolve. Incremental by mtime; a full build takes ~1 s. The web
// console (apps/console) is bundled by vite into dist/apps/console when its sources changed.
import { transformFile } from '@swc/core';
import { createRequire } from 'node:module';
import { copyFile, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

const require = createRequire(import.meta.url);
const { swcOptions, root } = require('./swc-options.cjs');
const outRoot = path.join(root, 'dist');

async function* sources(dir) {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(full);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') && !entry.name.endsWith('.d.ts')) yield full;
    else if (entry.name.endsWith('.sh')) yield full; // programs the code spawns, found next to it
  }
}

async function isStale(src, out) {
  try {
    return (await stat(src)).mtimeMs > (await stat(out)).mtimeMs;
  } catch {
    return true;
  }
}

/** Newest modification time of the files under `dir` (0 when there are none). */
async function newestMtime(dir) {
  let newest = 0;
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? await newestMtime(full) : (await stat(full)).mtimeMs);
  }
  return newest;
}

/**
 * The web console (apps/console, Preact) is bundled by vite into dist/apps/console, only when a file
 * of it is newer than the last bundle: vite is loaded only then, so the swc build stays fast.
 */
export async function buildConsole() {
  const consoleDir = path.join(root, 'apps', 'console');
  const sourcesMtime = Math.max(await newestMtime(path.join(consoleDir, 'src')), ...(await Promise.all(['index.html', 'vite.config.mts'].map((f) => stat(path.join(consoleDir, f)).then((s) => s.mtimeMs, () => 0)))));
  if (sourcesMtime === 0) return false;
  const builtMtime = await stat(path.join(outRoot, 'apps', 'console', 'index.html')).then((s) => s.mtimeMs, () => 0);
  if (builtMtime >= sourcesMtime) return false;
  const started = Date.now();
  const { build: viteBuild } = await import('vite');
  await viteBuild({ configFile: path.join(consoleDir, 'vite.config.mts'), logLevel: 'warn' });
  console.error(`build: console bundled by vite in ${Date.now() - started} ms`);
  return true;
}

export async function build() {
  const options = swcOptions();
  let compiled = 0;
  const dirs = [path.join(root, 'bench'), path.join(root, 'tools')];
  for (const top of ['apps', 'libs']) {
    for (const project of await readdir(path.join(root, top))) {
      if (top === 'apps' && project === 'console') continue; // a browser app: bundled by vite below
      dirs.push(path.join(root, top, project, 'src'));
    }
  }
  {
    for (const dir of dirs) {
      for await (const src of sources(dir)) {
        const rel = path.relative(root, src);
        if (src.endsWith('.sh')) {
          const copy = path.join(outRoot, rel);
          if (!(await isStale(src, copy))) continue;
          await mkdir(path.dirname(copy), { recursive: true });
          await copyFile(src, copy); // keeps the source's mode: it stays executable
          compiled++;
          continue;
        }
        const out = path.join(outRoot, rel.replace(/\.ts$/, '.js'));
        if (!(await isStale(src, out))) continue;
        const result = await transformFile(src, { ...options, swcrc: false, filename: src, outputPath: out, sourceFileName: path.relative(path.dirname(out), src) });
        await mkdir(path.dirname(out), { recursive: true });
        await writeFile(out, `${result.code}\n//# sourceMappingURL=${path.basename(out)}.map\n`);
        if (result.map) await writeFile(`${out}.map`, result.map);
        compiled++;
      }
    }
  }
  await buildConsole();
  return compiled;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const started = Date.now();
  build()
    .then((n) => console.error(`build: ${n} file(s) compiled in ${Date.now() - started} ms`))
    .catch((err) => {
      console.error(`build failed: ${err.message}`);
      process.exit(1);
    });
}
