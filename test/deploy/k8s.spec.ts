// docker/k8s, without a cluster: every built-in object validated against the Kubernetes API schemas
// (kubernetes-models), the KEDA ScaledObject (a CRD) against its shape in zod, and the objects
// checked against each other and against what the apps read.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_CLOSE_TIMEOUT_MS } from '@xl/observability';
import { CLIP_TRANSCODE_TIMEOUT_MS, INGEST_CLOSE_TIMEOUT_MS } from '../../apps/ingest/src/ingest.app';
import { loadIngestSettings } from '../../apps/ingest/src/settings';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { ConfigMap, Namespace, PersistentVolumeClaim, Secret, Service } from 'kubernetes-models/v1';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { APPS, checkAppEnvironment, dockerDir, k8sFiles, readYamlDocuments, type AppName } from './deploy-files';

type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; [k: string]: unknown };

const models: Record<string, new (data: never) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1/Ingress': Ingress,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};

const kedaTrigger = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('prometheus'),
    name: z.string().min(1),
    metricType: z.enum(['AverageValue', 'Value']),
    metadata: z.strictObject({
      serverAddress: z.string().url(),
      query: z.string().min(1),
      threshold: z.string().regex(/^\d+(\.\d+)?$/),
      activationThreshold: z.string().regex(/^\d+(\.\d+)?$/).optional(),
    }),
  }),
  z.strictObject({
    type: z.literal('redis'),
    name: z.string().min(1),
    metricType: z.enum(['AverageValue', 'Value']),
    metadata: z.strictObject({
      address: z.string().regex(/^[\w.-]+:\d+$/),
      listName: z.string().min(1),
      listLength: z.string().regex(/^\d+$/),
      activationListLength: z.string().regex(/^\d+$/).optional(),
    }),
  }),
]);

/** keda.sh/v1alpha1 ScaledObject, the fields used here (KEDA 2.x). */
const scaledObjectSchema = z.strictObject({
  apiVersion: z.literal('keda.sh/v1alpha1'),
  kind: z.literal('ScaledObject'),
  metadata: z.object({ name: z.string().min(1), namespace: z.string().min(1), labels: z.record(z.string(), z.string()).optional() }),
  spec: z.strictObject({
    scaleTargetRef: z.strictObject({ name: z.string().min(1), kind: z.string().optional(), apiVersion: z.string().optional() }),
    minReplicaCount: z.number().int().min(0),
    maxReplicaCount: z.number().int().min(1),
    pollingInterval: z.number().int().min(1),
    cooldownPeriod: z.number().int().min(1),
    advanced: z
      .strictObject({
        horizontalPodAutoscalerConfig: z.strictObject({
          behavior: z.strictObject({
            scaleDown: z.strictObject({
              stabilizationWindowSeconds: z.number().int().min(0).max(3600),
              policies: z.array(z.strictObject({ type: z.enum(['Pods', 'Percent']), value: z.number().int().min(1), periodSeconds: z.number().int().min(1) })).optional(),
            }),
          }),
        }),
      })
      .optional(),
    triggers: z.array(kedaTrigger).min(1),
  }),
});

// kustomization.yaml is kubectl's build file, not an API object: checked on its own below.
const objects = k8sFiles()
  .filter((file) => !file.endsWith('kustomization.yaml'))
  .flatMap((file) => (readYamlDocuments(file) as K8sObject[]).map((object) => ({ file, object })));
const [kustomization] = readYamlDocuments('k8s/kustomization.yaml') as Array<{ images?: Array<{ name: string; newName?: string; newTag?: string }> }>;
const rootPackage = JSON.parse(readFileSync(path.join(dockerDir, '..', 'package.json'), 'utf8')) as { version: string };
/** What an operator puts in the secrets the example leaves empty. */
const createdSecrets = { PGPASSWORD: 'pg-secret-of-their-own', JWT_SECRET: 'j'.repeat(64), ADMIN_PASSWORD: 'admin-secret-of-their-own' };
const byKind = (kind: string) => objects.filter((o) => o.object.kind === kind).map((o) => o.object);
const deployment = (name: string) => byKind('Deployment').find((d) => d.metadata.name === name) as unknown as Deployment;

describe('docker/k8s manifests', () => {
  it('has the objects of the pipeline', () => {
    expect(byKind('Deployment').map((d) => d.metadata.name).sort()).toEqual(['alerts-api', 'analyzer', 'ingest', 'mosquitto', 'redis-frames']);
    expect(byKind('Service').map((d) => d.metadata.name)).toEqual(expect.arrayContaining(['redis', 'redis-frames']));
    expect(byKind('StatefulSet').map((d) => d.metadata.name)).toEqual(['redis']);
    expect(byKind('ScaledObject').map((d) => d.metadata.name)).toEqual(['analyzer']);
  });

  it.each(objects.map((o) => [`${o.file}: ${o.object.kind}/${o.object.metadata.name}`, o.object] as const))('%s is valid', (_label, object) => {
    if (object.kind === 'ScaledObject') {
      scaledObjectSchema.parse(object);
      return;
    }
    const Model = models[`${object.apiVersion}/${object.kind}`];
    expect(Model).toBeDefined();
    expect(() => new Model(object as never).validate()).not.toThrow();
    if (object.kind !== 'Namespace') expect(object.metadata.namespace).toBe('xueliang');
  });

  it('applies every manifest through kustomization.yaml, the ScaledObject only through the keda component, except the secret example and the optional HPA', () => {
    const [kustomization] = readYamlDocuments('k8s/kustomization.yaml') as Array<{ resources: string[]; namespace: string; components?: string[] }>;
    for (const resource of kustomization.resources) expect(existsSync(path.join(dockerDir, 'k8s', resource))).toBe(true);
    // `kubectl apply -k docker/k8s` on a cluster without KEDA: no ScaledObject in the base.
    expect(kustomization.components).toBeUndefined();
    const [keda] = readYamlDocuments('k8s/keda/kustomization.yaml') as Array<{ kind: string; apiVersion: string; resources: string[] }>;
    expect(keda).toMatchObject({ kind: 'Component', apiVersion: 'kustomize.config.k8s.io/v1alpha1' });
    const listed = new Set([...kustomization.resources.map((r) => path.join('k8s', r)), ...keda.resources.map((r) => path.join('k8s', 'keda', r))]);
    const base = objects.filter((o) => kustomization.resources.some((r) => o.file === path.join('k8s', r)));
    expect(base.filter((o) => o.object.kind === 'ScaledObject')).toEqual([]);
    expect(keda.resources.map((r) => path.join('k8s', 'keda', r))).toEqual(objects.filter((o) => o.object.kind === 'ScaledObject').map((o) => o.file));
    const unlisted = k8sFiles().filter((f) => !listed.has(f) && !f.endsWith('kustomization.yaml'));
    expect(unlisted).toEqual([path.join('k8s', 'optional', 'analyzer-hpa.yaml'), path.join('k8s', 'secret.example.yaml')]);
  });

  it('trusts one proxy hop only with the ingress that is that hop, in front of the API\'s Service', () => {
    const env = deployment('alerts-api').spec!.template.spec!.containers[0].env ?? [];
    const trust = env.find((e) => e.name === 'TRUST_PROXY')?.value;
    const ingresses = byKind('Ingress') as unknown as Array<{ spec: { rules: Array<{ http: { paths: Array<{ backend: { service: { name: string; port: { name?: string } } } }> } }> } }>;
    if (trust !== undefined && trust !== 'false') {
      expect(trust).toBe('1');
      const backends = ingresses.flatMap((i) => i.spec.rules.flatMap((r) => r.http.paths.map((p) => p.backend.service)));
      expect(backends).toContainEqual({ name: 'alerts-api', port: { name: 'http' } });
    }
    // …and the Service itself is not exposed past it.
    for (const service of byKind('Service') as unknown as Array<{ spec: { type?: string } }>) expect(service.spec.type ?? 'ClusterIP').toBe('ClusterIP');
  });

  it("leaves the example secret's secrets empty, so that applying it as it is fails at start naming each", () => {
    const secret = byKind('Secret')[0] as unknown as { stringData: Record<string, string> };
    expect(Object.keys(createdSecrets).sort()).toEqual(Object.keys(secret.stringData).filter((k) => secret.stringData[k] === '').sort());
    const env = { ...secret.stringData, NODE_ENV: 'production' };
    const result = checkAppEnvironment('alerts-api', env);
    expect(result.error).toMatch(/JWT_SECRET: must be at least 32 characters/);
    expect(result.error).toMatch(/ADMIN_PASSWORD: must be at least 8 characters/);
    // A placeholder of the kind the example once held is refused too.
    const placeholders = { ...env, ...createdSecrets, JWT_SECRET: 'CHANGE-ME-at-least-32-characters-long-random' };
    expect(checkAppEnvironment('alerts-api', placeholders).error).toMatch(/JWT_SECRET is a placeholder/);
    expect(checkAppEnvironment('alerts-api', { ...env, ...createdSecrets, ADMIN_PASSWORD: 'change-me-now' }).error).toMatch(/ADMIN_PASSWORD is a placeholder/);
  });

  it('gives each app only variables it reads, valid for its settings, with the same prefixes everywhere', () => {
    const configMap = byKind('ConfigMap').find((c) => c.metadata.name === 'xueliang-config') as unknown as { data: Record<string, string> };
    const secret = byKind('Secret')[0] as unknown as { stringData: Record<string, string>; metadata: { name: string } };
    const prefixes = new Set<string>();
    for (const app of APPS) {
      const container = deployment(app).spec!.template.spec!.containers[0];
      const env: Record<string, string> = {};
      for (const from of container.envFrom ?? []) {
        if (from.configMapRef) Object.assign(env, from.configMapRef.name === 'xueliang-config' ? configMap.data : {});
        if (from.secretRef) {
          expect(from.secretRef.name).toBe(secret.metadata.name);
          // As the operator creates it: the example's keys, with secrets of their own.
          Object.assign(env, secret.stringData, createdSecrets);
        }
      }
      // Values from the downward API are pod names: valid ids.
      for (const v of container.env ?? []) env[v.name] = v.value ?? `${app}-7d9c5b-x2x4q`;
      const result = checkAppEnvironment(app as AppName, env);
      expect({ app, unknown: result.unknown, error: result.error }).toEqual({ app, unknown: [], error: undefined });
      prefixes.add(`${result.queuePrefix}|${result.keyPrefix}`);
    }
    expect(prefixes.size).toBe(1);
  });

  it('runs every pod as non-root without privilege escalation, probing /healthz and /readyz on the app port', () => {
    for (const d of byKind('Deployment').concat(byKind('StatefulSet')) as unknown as Deployment[]) {
      const pod = d.spec!.template.spec!;
      expect({ name: d.metadata!.name, runAsNonRoot: pod.securityContext?.runAsNonRoot }).toEqual({ name: d.metadata!.name, runAsNonRoot: true });
      for (const c of pod.containers) expect(c.securityContext?.allowPrivilegeEscalation).toBe(false);
    }
    for (const app of APPS) {
      const pod = deployment(app).spec!.template;
      const container = pod.spec!.containers[0];
      const envPort = container.env?.find((e) => e.name === (app === 'alerts-api' ? 'PORT' : 'METRICS_PORT'))!.value;
      expect(container.ports![0].containerPort).toBe(Number(envPort));
      expect(pod.metadata!.annotations!['prometheus.io/port']).toBe(envPort);
      expect(container.readinessProbe!.httpGet!.path).toBe('/readyz');
      expect(container.livenessProbe!.httpGet!.path).toBe('/healthz');
      // Every app answers /healthz while it waits for Redis at start: the startup probe holds liveness off meanwhile.
      expect({ app, startup: container.startupProbe?.httpGet?.path }).toEqual({ app, startup: '/healthz' });
      // Pinned by kustomization.yaml's images: (the same release for all three), pulled only when absent.
      expect(container.image).toBe(`xueliang/${app}`);
      expect(container.imagePullPolicy).toBe('IfNotPresent');
      const pinned = kustomization.images?.find((i) => i.name === container.image);
      expect({ app, tag: pinned?.newTag }).toEqual({ app, tag: rootPackage.version });
    }
  });

  it('spreads the replicated apps over nodes and lets a drain take one replica at a time', () => {
    const budgets = byKind('PodDisruptionBudget') as unknown as Array<{ spec: { maxUnavailable?: number; selector: { matchLabels: Record<string, string> } } }>;
    for (const app of ['alerts-api', 'ingest']) {
      const spec = deployment(app).spec!;
      expect(spec.replicas).toBeGreaterThanOrEqual(2);
      expect(spec.template.spec!.topologySpreadConstraints).toContainEqual(
        expect.objectContaining({ topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { 'app.kubernetes.io/name': app } } }),
      );
      expect(budgets.filter((b) => b.spec.selector.matchLabels['app.kubernetes.io/name'] === app).map((b) => b.spec.maxUnavailable)).toEqual([1]);
    }
  });

  it('gives each app a grace above its own shutdown deadline; ingest one that covers a hand-over clip re-encode and its camera stops', () => {
    const grace = (app: AppName) => deployment(app).spec!.template.spec!.terminationGracePeriodSeconds ?? 30;
    const stopGraceMs = Number(deployment('ingest').spec!.template.spec!.containers[0].env!.find((e) => e.name === 'STOP_GRACE_MS')?.value ?? loadIngestSettings({}).STOP_GRACE_MS);
    expect(INGEST_CLOSE_TIMEOUT_MS).toBeGreaterThanOrEqual(CLIP_TRANSCODE_TIMEOUT_MS + 2 * stopGraceMs);
    expect(grace('ingest')).toBeGreaterThanOrEqual(INGEST_CLOSE_TIMEOUT_MS / 1000 + 5);
    expect(grace('analyzer')).toBeGreaterThanOrEqual(DEFAULT_CLOSE_TIMEOUT_MS / 1000 + 5);
    const apiPreStop = deployment('alerts-api').spec!.template.spec!.containers[0].lifecycle?.preStop?.exec?.command;
    expect(apiPreStop).toEqual(['sleep', '5']);
    expect(grace('alerts-api')).toBeGreaterThanOrEqual(25 + 5); // main.ts: 25 s, after the preStop sleep
  });

  const bytes = (size: string, units: Record<string, number>) => {
    const m = /^(\d+)([a-zA-Z]*)$/.exec(size)!;
    return Number(m[1]) * units[m[2].toLowerCase()];
  };
  /** maxmemory of a redis-server container and its memory limit, in bytes. */
  const redisMemory = (container: { args?: string[]; resources?: { limits?: Record<string, unknown> } }) => {
    const args = container.args!;
    expect(args).toContain('--maxmemory');
    return {
      maxmemory: bytes(args[args.indexOf('--maxmemory') + 1], { '': 1, kb: 1024, mb: 2 ** 20, gb: 2 ** 30 }),
      limit: bytes(String(container.resources!.limits!.memory), { '': 1, ki: 1024, mi: 2 ** 20, gi: 2 ** 30 }),
    };
  };

  it('caps Redis memory below its container limit, so that noeviction refuses writes instead of the kernel killing it', () => {
    const redis = (byKind('StatefulSet').find((d) => d.metadata.name === 'redis') as unknown as StatefulSet).spec!.template.spec!.containers[0];
    expect(redis.args!.join(' ')).toContain('--maxmemory-policy noeviction');
    const { maxmemory, limit } = redisMemory(redis);
    // Room for the copy-on-write of the AOF rewrite's fork and Redis' own overhead.
    expect(maxmemory).toBeLessThanOrEqual(0.8 * limit);
    expect(maxmemory).toBeGreaterThanOrEqual(0.5 * limit);
  });

  it('keeps the frame bytes in a Redis of their own without persistence, memory capped below its limit, that ingest and the analyzer (only they) point FRAME_REDIS_URL at', () => {
    const frames = deployment('redis-frames').spec!.template.spec!;
    const redis = frames.containers[0];
    const args = redis.args!.join(' ');
    // Neither AOF nor RDB snapshots, and nothing mounted to write them to.
    expect(args).toContain('--appendonly no');
    expect(redis.args!.slice(redis.args!.indexOf('--save'), redis.args!.indexOf('--save') + 2)).toEqual(['--save', '']);
    expect(redis.volumeMounts ?? []).toEqual([]);
    expect(frames.volumes ?? []).toEqual([]);
    // Every frame has a TTL: at maxmemory the ones nearest expiry are evicted instead of refusing new frames.
    expect(args).toMatch(/--maxmemory-policy (volatile-ttl|allkeys-lru)/);
    const { maxmemory, limit } = redisMemory(redis);
    expect(maxmemory).toBeLessThanOrEqual(0.8 * limit);
    // Two frames per camera (the one in flight, one whose gate expired) of 32 cameras at the default 416×416 input.
    const frameBytes = 416 * 416 * 3;
    expect(maxmemory).toBeGreaterThanOrEqual(2 * 32 * frameBytes);
    // One pod at a time: two behind the Service would split the frames between them.
    expect(deployment('redis-frames').spec!.replicas).toBe(1);
    expect(deployment('redis-frames').spec!.strategy?.type).toBe('Recreate');

    const service = byKind('Service').find((s) => s.metadata.name === 'redis-frames') as unknown as Service;
    expect(deployment('redis-frames').spec!.template.metadata!.labels).toMatchObject(service.spec!.selector!);
    const url = `redis://redis-frames:${service.spec!.ports![0].port}`;
    const frameRedisUrl = (app: AppName) => deployment(app).spec!.template.spec!.containers[0].env?.find((e) => e.name === 'FRAME_REDIS_URL')?.value;
    expect(APPS.map((app) => [app, frameRedisUrl(app)])).toEqual([
      ['ingest', url],
      ['analyzer', url],
      ['alerts-api', undefined],
    ]);
    const configMap = byKind('ConfigMap').find((c) => c.metadata.name === 'xueliang-config') as unknown as { data: Record<string, string> };
    expect(configMap.data.REDIS_URL).not.toBe(url);
  });

  it('mounts a volume at every directory an app writes to, the shared ones from claims that exist', () => {
    const claims = new Set(byKind('PersistentVolumeClaim').map((c) => c.metadata.name));
    const envOf = (app: AppName) => Object.fromEntries(deployment(app).spec!.template.spec!.containers[0].env!.map((e) => [e.name, e.value]));
    const mounted = (app: AppName, dir: string) => {
      const pod = deployment(app).spec!.template.spec!;
      const mount = pod.containers[0].volumeMounts!.find((m) => m.mountPath === dir);
      return mount ? pod.volumes!.find((v) => v.name === mount.name) : undefined;
    };
    for (const app of APPS) {
      for (const [name, dir] of Object.entries(envOf(app)).filter(([name]) => name.endsWith('_DIR'))) {
        const volume = mounted(app, dir!);
        expect({ app, name, mounted: Boolean(volume) }).toEqual({ app, name, mounted: true });
        if (volume!.persistentVolumeClaim) expect(claims.has(volume!.persistentVolumeClaim.claimName)).toBe(true);
      }
    }
    // Evidence: ingest cuts clips into the claim alerts-api serves from (RWX), and keeps its ring on its own disk.
    expect(envOf('ingest').EVIDENCE_DIR).toBe(envOf('alerts-api').EVIDENCE_DIR);
    expect(mounted('ingest', envOf('ingest').EVIDENCE_DIR!)!.persistentVolumeClaim!.claimName).toBe('evidence');
    expect(mounted('alerts-api', envOf('alerts-api').EVIDENCE_DIR!)!.persistentVolumeClaim!.claimName).toBe('evidence');
    // Every *_DIR is one whose disk the app reports (registerDiskSpace: statfs) and XlDiskAlmostFull
    // watches: a filesystem of its own, never an emptyDir, whose statfs is the node's disk and whose
    // sizeLimit the kubelet enforces by evicting the pod. The ring is a per-pod ephemeral claim.
    for (const app of APPS) {
      for (const [name, dir] of Object.entries(envOf(app)).filter(([name]) => name.endsWith('_DIR'))) {
        const volume = mounted(app, dir!)!;
        expect({ app, name, ownFilesystem: Boolean(volume.persistentVolumeClaim ?? volume.ephemeral), emptyDir: volume.emptyDir }).toEqual({ app, name, ownFilesystem: true, emptyDir: undefined });
      }
    }
    const ring = mounted('ingest', envOf('ingest').RECORDING_DIR!)!.ephemeral!.volumeClaimTemplate!.spec;
    expect(ring.accessModes).toEqual(['ReadWriteOnce']);
    expect(ring.resources!.requests!.storage).toBeDefined();
    // A claim's volume belongs to root until kubelet gives it the pod's fsGroup: without it a non-root app cannot write there.
    for (const d of byKind('Deployment').concat(byKind('StatefulSet')) as unknown as Deployment[]) {
      const pod = d.spec!.template.spec!;
      if (!(pod.volumes ?? []).some((v) => v.persistentVolumeClaim) && !(d as unknown as StatefulSet).spec?.volumeClaimTemplates) continue;
      expect({ name: d.metadata!.name, fsGroup: pod.securityContext?.fsGroup }).toEqual({ name: d.metadata!.name, fsGroup: pod.securityContext?.runAsGroup });
    }
    const evidence = byKind('PersistentVolumeClaim').find((c) => c.metadata.name === 'evidence') as unknown as PersistentVolumeClaim;
    expect(evidence.spec!.accessModes).toEqual(['ReadWriteMany']);
  });

  it('scales the analyzer Deployment on the frames list of the configured queue prefix, and ingest is never autoscaled', () => {
    const scaled = scaledObjectSchema.parse(byKind('ScaledObject')[0]);
    expect(deployment(scaled.spec.scaleTargetRef.name)).toBeDefined();
    expect(scaled.spec.scaleTargetRef.name).toBe('analyzer');
    const configMap = byKind('ConfigMap').find((c) => c.metadata.name === 'xueliang-config') as unknown as { data: Record<string, string> };
    const redis = scaled.spec.triggers.find((t) => t.type === 'redis')!;
    expect(redis.metadata).toMatchObject({ listName: `${configMap.data.QUEUE_PREFIX}:frames:wait` });
    const redisService = byKind('Service').find((s) => s.metadata.name === 'redis') as unknown as Service;
    expect(redis.type === 'redis' && redis.metadata.address).toBe(`redis.xueliang.svc:${redisService.spec!.ports![0].port}`);
    // The load target is 70 % of the detector threads each replica runs.
    const threads = Number(deployment('analyzer').spec!.template.spec!.containers[0].env!.find((e) => e.name === 'DETECTOR_THREADS')!.value);
    const load = scaled.spec.triggers.find((t) => t.name === 'detector-load')!;
    expect(load.type === 'prometheus' && Number(load.metadata.threshold)).toBeCloseTo(threads * 0.7, 5);
    const hpas = byKind('HorizontalPodAutoscaler') as unknown as HorizontalPodAutoscaler[];
    expect(hpas.map((h) => h.spec!.scaleTargetRef.name)).toEqual(['analyzer']);
  });
});
