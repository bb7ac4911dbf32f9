// The Dockerfiles, read without a Docker engine: multi-stage, a non-root final user, ffmpeg where
// ffmpeg runs, the model fetched rather than copied from the repository, and every file they copy
// from the build context present and not excluded by .dockerignore.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '@xl/testing';
import { APPS, defaultMetricsPort, parseDockerfile, readDockerFile, type DockerStage } from './deploy-files';

const dockerfile = (app: string) => parseDockerfile(readDockerFile(`${app}.Dockerfile`));
const finalStage = (app: string): DockerStage => dockerfile(app).stages.at(-1)!;
const runs = (stage: DockerStage) => stage.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);

/** .dockerignore patterns as regular expressions (enough for the patterns used there). */
function ignored(rel: string): boolean {
  const patterns = readFileSync(path.join(repoRoot, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  return patterns.some((p) => {
    const re = new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*\//g, '(?:.*/)?').replace(/\*/g, '[^/]*')}(?:/.*)?$`);
    return re.test(rel);
  });
}

describe.each(APPS)('docker/%s.Dockerfile', (app) => {
  it('is multi-stage: builds with dev dependencies, ships a pruned runtime', () => {
    const { stages } = dockerfile(app);
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const build = stages.find((s) => s.name === 'build')!;
    expect(runs(build).some((r) => /ONNXRUNTIME_NODE_INSTALL=skip npm ci\b/.test(r))).toBe(true);
    expect(runs(build).some((r) => /npm run build && npm prune --omit=dev/.test(r))).toBe(true);
    const copies = finalStage(app).instructions.filter((i) => i.keyword === 'COPY').map((i) => i.args);
    expect(copies).toEqual(expect.arrayContaining(['--from=build /src/node_modules ./node_modules', '--from=build /src/dist ./dist']));
    // No source or dev tooling in the final image: only what the build stage produced (and data files).
    expect(copies.filter((c) => !c.startsWith('--from=')).every((c) => c.startsWith('docker/healthcheck.mjs') || c === 'models/*.json ./models/')).toBe(true);
  });

  it('runs as a numeric non-root user in the final stage', () => {
    const stage = finalStage(app);
    const users = stage.instructions.filter((i) => i.keyword === 'USER');
    expect(users.length).toBeGreaterThan(0);
    const last = users.at(-1)!.args;
    expect(last).toMatch(/^\d+(:\d+)?$/);
    expect(Number(last.split(':')[0])).toBeGreaterThan(0);
    // Nothing after USER may need root.
    const afterUser = stage.instructions.slice(stage.instructions.indexOf(users.at(-1)!) + 1);
    expect(afterUser.filter((i) => i.keyword === 'RUN')).toEqual([]);
  });

  it('starts the compiled app and checks the probe its settings expose', () => {
    const stage = finalStage(app);
    const entry = stage.instructions.find((i) => i.keyword === 'ENTRYPOINT')!;
    const argv = JSON.parse(entry.args) as string[];
    const main = argv.find((a) => a.startsWith('dist/'))!;
    expect(main).toBe(`dist/apps/${app}/src/main.js`);
    expect(existsSync(path.join(repoRoot, main.replace(/^dist\//, '').replace(/\.js$/, '.ts')))).toBe(true);
    const port = app === 'alerts-api' ? 3000 : defaultMetricsPort(app);
    expect(stage.instructions.find((i) => i.keyword === 'EXPOSE')!.args).toBe(String(port));
    expect(stage.instructions.find((i) => i.keyword === 'HEALTHCHECK')!.args).toContain(`http://127.0.0.1:${port}/healthz`);
  });

  it('copies only files that exist in the build context and are not ignored', () => {
    for (const stage of dockerfile(app).stages) {
      for (const copy of stage.instructions.filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from='))) {
        const sources = copy.args.split(/\s+/).slice(0, -1);
        for (const source of sources) {
          if (source.includes('*')) continue;
          expect({ source, exists: existsSync(path.join(repoRoot, source)), ignored: ignored(source) }).toEqual({ source, exists: true, ignored: false });
        }
      }
    }
  });
});

describe('per-app image contents', () => {
  it('ingest and alerts-api install ffmpeg in their runtime image (cameras, frame grabs, live view)', () => {
    for (const app of ['ingest', 'alerts-api']) expect(runs(finalStage(app)).some((r) => /apt-get install [^&]*\bffmpeg\b/.test(r))).toBe(true);
    expect(runs(finalStage('analyzer')).some((r) => /\bffmpeg\b/.test(r))).toBe(false);
  });

  it('the analyzer fetches the verified model at build time and never takes weights from the repository', () => {
    const { stages } = dockerfile('analyzer');
    const models = stages.find((s) => s.name === 'models')!;
    expect(runs(models)).toEqual(['XL_MODELS_DIR=/weights node fetch.mjs']);
    expect(models.instructions.find((i) => i.keyword === 'COPY' && !i.args.startsWith('--from'))!.args).toBe('models/fetch.mjs models/*.json ./');
    expect(stages.find((s) => s.name === 'model-weights')!.base).toBe('scratch');
    expect(finalStage('analyzer').instructions.some((i) => i.keyword === 'COPY' && i.args === '--from=models /models ./models')).toBe(true);
    expect(ignored('models/yolox_nano.onnx')).toBe(true);
    expect(ignored('models/yolox_nano.json')).toBe(false);
    const env = finalStage('analyzer').instructions.find((i) => i.keyword === 'ENV')!.args;
    expect(env).toContain('MODELS_DIR=/app/models');
  });

  it("the alerts-api image carries the model manifests (not the weights) its camera check reads, where MODELS_DIR says", () => {
    const api = finalStage('alerts-api');
    expect(api.instructions.some((i) => i.keyword === 'COPY' && i.args === 'models/*.json ./models/')).toBe(true);
    expect(api.instructions.find((i) => i.keyword === 'ENV')!.args).toContain('MODELS_DIR=/app/models');
    expect(api.instructions.find((i) => i.keyword === 'WORKDIR')!.args).toBe('/app');
  });

  it('the alerts-api image carries the whole dist/ the build produced, console included', () => {
    const build = dockerfile('alerts-api').stages.find((s) => s.name === 'build')!;
    expect(build.instructions.filter((i) => i.keyword === 'COPY').map((i) => i.args)).toContain('apps ./apps');
    expect(finalStage('alerts-api').instructions.some((i) => i.args === '--from=build /src/dist ./dist')).toBe(true);
  });

  it('every directory an app writes to (its *_DIR settings) exists in the image, owned by the app user', () => {
    for (const app of APPS) {
      const stage = finalStage(app);
      const env = stage.instructions.find((i) => i.keyword === 'ENV')!.args;
      const dirs = [...env.matchAll(/\b(\w+_DIR)=(\S+)/g)].filter(([, name]) => name !== 'MODELS_DIR').map(([, , dir]) => dir);
      expect({ app, dirs: dirs.length > 0 }).toEqual({ app, dirs: true });
      const made = runs(stage).find((r) => r.includes('mkdir -p'))!;
      for (const dir of dirs) expect({ app, dir, made: made.includes(dir) }).toEqual({ app, dir, made: true });
      expect(made).toMatch(/chown -R 10001:10001 \/var\/lib\/xueliang\b/);
      expect(stage.instructions.filter((i) => i.keyword === 'USER').at(-1)!.args).toBe('10001:10001');
    }
    // ingest cuts clips where alerts-api serves them; its recording ring (turned on by the compose file
    // and the manifests) is made ready for a volume too.
    const ingest = finalStage('ingest');
    expect(ingest.instructions.find((i) => i.keyword === 'ENV')!.args).toContain('EVIDENCE_DIR=/var/lib/xueliang/evidence');
    expect(runs(ingest).find((r) => r.includes('mkdir -p'))).toContain('/var/lib/xueliang/recordings');
    expect(finalStage('alerts-api').instructions.find((i) => i.keyword === 'ENV')!.args).toContain('EVIDENCE_DIR=/var/lib/xueliang/evidence');
  });

  it('workers bind their probe server on all interfaces inside the container', () => {
    for (const app of ['ingest', 'analyzer']) {
      expect(finalStage(app).instructions.find((i) => i.keyword === 'ENV')!.args).toContain('METRICS_HOST=0.0.0.0');
    }
  });
});
