#!/usr/bin/env node
// Puts the weights named by the model manifests (models/*.json) next to them, verified by sha256.
// Weights are never committed. For each manifest (or only those named on the command line):
//   1. a file already in place whose sha256 verifies is kept;
//   2. else, when XL_MODELS_DIR is set, the file is copied from that directory (offline machines, CI);
//   3. else (or when that fails) it is downloaded from the manifest's source URL, following redirects.
// Every copy/download goes to a temporary file in the target directory and is renamed into place only
// after its size and sha256 verify, so readers never see a partial file and parallel runs are safe.
//
// usage: node models/fetch.mjs [--manifests DIR] [--out DIR] [name ...]
//   --manifests  directory of the manifests (default: this script's directory)
//   --out        where the weights go (default: the manifests directory)
//   env XL_MODELS_DIR        directory holding the weights to copy from
//   env XL_FETCH_TIMEOUT_MS  download idle timeout (default 60000)
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';

const MAX_REDIRECTS = 5;

function parseArgs(argv) {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const opts = { manifests: here, out: null, names: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--manifests' || a === '--out') {
      const v = argv[++i];
      if (!v) throw new Error(`${a} needs a directory`);
      opts[a.slice(2)] = path.resolve(v);
    } else if (a === '-h' || a === '--help') {
      opts.help = true;
    } else {
      opts.names.push(a.replace(/\.json$/, ''));
    }
  }
  opts.out ??= opts.manifests;
  return opts;
}

async function loadManifests(dir, names) {
  const files = names.length ? names.map((n) => `${n}.json`) : (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  if (files.length === 0) throw new Error(`no model manifests (*.json) in ${dir}`);
  const manifests = [];
  for (const f of files) {
    const full = path.join(dir, f);
    let m;
    try {
      m = JSON.parse(await readFile(full, 'utf8'));
    } catch (err) {
      throw new Error(`manifest ${full}: ${err.code === 'ENOENT' ? 'not found' : err.message}`);
    }
    // Only what fetching needs; @xl/detection validates the whole manifest with its zod schema.
    if (typeof m.file !== 'string' || !/^[\w.-]+$/.test(m.file)) throw new Error(`manifest ${full}: "file" must be a plain file name`);
    if (typeof m.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(m.sha256)) throw new Error(`manifest ${full}: "sha256" must be 64 lowercase hex digits`);
    if (!Number.isInteger(m.size) || m.size <= 0) throw new Error(`manifest ${full}: "size" must be a positive integer`);
    if (typeof m.source !== 'string' || !/^https?:\/\//.test(m.source)) throw new Error(`manifest ${full}: "source" must be an http(s) URL`);
    manifests.push({ ...m, manifestPath: full });
  }
  return manifests;
}

async function sha256File(file) {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/** Null when `file` has the manifest's size and sha256, else why not. */
async function verify(file, m) {
  let st;
  try {
    st = await stat(file);
  } catch {
    return 'missing';
  }
  if (st.size !== m.size) return `size ${st.size} bytes, expected ${m.size}`;
  const sum = await sha256File(file);
  return sum === m.sha256 ? null : `sha256 ${sum}, expected ${m.sha256}`;
}

function tempPath(target) {
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Moves `tmp` onto `target` if it verifies; removes it either way. */
async function commit(tmp, target, m) {
  const bad = await verify(tmp, m);
  if (bad) {
    await rm(tmp, { force: true });
    throw new Error(bad);
  }
  await rename(tmp, target);
}

async function copyFrom(dir, target, m) {
  const src = path.join(dir, m.file);
  try {
    await stat(src);
  } catch {
    throw new Error(`not found in ${dir}`);
  }
  const tmp = tempPath(target);
  try {
    await pipeline(createReadStream(src), createWriteStream(tmp));
    await commit(tmp, target, m);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new Error(`copy from ${src}: ${err.message}`);
  }
}

function get(url, timeoutMs, redirects = 0) {
  return new Promise((resolve, reject) => {
    const lib = url.startsWith('https:') ? https : http;
    const req = lib.get(url, { headers: { 'user-agent': 'xl-models-fetch' } }, (res) => {
      const { statusCode = 0, headers } = res;
      if (statusCode >= 300 && statusCode < 400 && headers.location) {
        res.resume();
        if (redirects >= MAX_REDIRECTS) return reject(new Error(`more than ${MAX_REDIRECTS} redirects`));
        return resolve(get(new URL(headers.location, url).toString(), timeoutMs, redirects + 1));
      }
      if (statusCode !== 200) {
        res.resume();
        return reject(new Error(`HTTP ${statusCode} from ${url}`));
      }
      resolve(res);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no data for ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

async function download(url, target, m) {
  const timeoutMs = Number(process.env.XL_FETCH_TIMEOUT_MS ?? 60000);
  const tmp = tempPath(target);
  try {
    const res = await get(url, timeoutMs);
    await pipeline(res, createWriteStream(tmp));
    await commit(tmp, target, m);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new Error(`download ${url}: ${err.message}`);
  }
}

async function fetchOne(m, outDir) {
  const target = path.join(outDir, m.file);
  if ((await verify(target, m)) === null) return `${m.file}: ok (already present)`;
  const tried = [];
  const dir = process.env.XL_MODELS_DIR;
  if (dir) {
    try {
      await copyFrom(path.resolve(dir), target, m);
      return `${m.file}: copied from ${path.resolve(dir)}`;
    } catch (err) {
      tried.push(`XL_MODELS_DIR: ${err.message}`);
    }
  } else {
    tried.push('XL_MODELS_DIR: not set');
  }
  try {
    await download(m.source, target, m);
    return `${m.file}: downloaded from ${m.source}`;
  } catch (err) {
    tried.push(err.message);
  }
  throw new Error(
    `cannot fetch model ${m.file} (manifest ${m.manifestPath}) into ${outDir}:\n  - ${tried.join('\n  - ')}\n` +
      `Put ${m.file} (sha256 ${m.sha256}) into a directory and run with XL_MODELS_DIR=<that directory>.`,
  );
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.help) {
    console.error('usage: node models/fetch.mjs [--manifests DIR] [--out DIR] [name ...]  (env XL_MODELS_DIR)');
    return 0;
  }
  const manifests = await loadManifests(opts.manifests, opts.names);
  await mkdir(opts.out, { recursive: true });
  let failed = 0;
  for (const m of manifests) {
    try {
      console.error(`models: ${await fetchOne(m, opts.out)}`);
    } catch (err) {
      failed++;
      console.error(`models: ${err.message}`);
    }
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`models: ${err.message}`);
    process.exit(2);
  },
);
