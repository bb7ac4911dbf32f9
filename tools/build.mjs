#!/usr/bin/env node
// Compiles apps/*/src, libs/*/src and bench/ to dist/ with swc, keeping the layout so that the @xl/* aliases
// (rewritten to relative paths by swc) resolve. Incremental by mtime; a full build takes ~1 s.
import { transformFile } from '@swc/core';
import { createRequire } from 'node:module';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
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
  }
}

async function isStale(src, out) {
  try {
    return (await stat(src)).mtimeMs > (await stat(out)).mtimeMs;
  } catch {
    return true;
  }
}

export async function build() {
  const options = swcOptions();
  let compiled = 0;
  const dirs = [path.join(root, 'bench'), path.join(root, 'tools')];
  for (const top of ['apps', 'libs']) {
    for (const project of await readdir(path.join(root, top))) dirs.push(path.join(root, top, project, 'src'));
  }
  {
    for (const dir of dirs) {
      for await (const src of sources(dir)) {
        const rel = path.relative(root, src);
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
