/**
 * kubernetes/: the user's guide shape (namespace voice-ai, Secret voice-assistant-secrets
 * with exactly the guide's keys in kubernetes/secrets/secrets.yaml, app=voice-assistant),
 * checked offline: structure, probes and drain timing against the daemon's defaults, the
 * environment the pod gets validated by the daemon's own configuration loader, and, when
 * the `kubernetes-models` package is installed, every object against the Kubernetes schemas.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../packages/daemon/src/config/load.js';
import type { DaemonConfig } from '../../packages/daemon/src/config/schema.js';
import { ROOT, yamlDocs } from './helpers.js';

type Obj = Record<string, unknown>;
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [k: string]: unknown;
}

const DIR = join(ROOT, 'kubernetes');
/** Every manifest, recursively (as `kubectl apply -R -f kubernetes/` reads them). */
function manifestFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((f) => {
      const p = join(dir, f);
      return statSync(p).isDirectory() ? manifestFiles(p) : /\.ya?ml$/.test(f) ? [p] : [];
    });
}
const files = manifestFiles(DIR).map((p) => relative(ROOT, p));
const objects = files.flatMap((f) => yamlDocs(f).map((o) => ({ file: f, obj: o as unknown as K8sObject })));
const find = (kind: string): K8sObject => {
  const hits = objects.filter((o) => o.obj.kind === kind);
  if (hits.length !== 1) throw new Error(`expected one ${kind}, found ${hits.length}`);
  return (hits[0] as { obj: K8sObject }).obj;
};

const GUIDE_SECRET_KEYS = [
  'TELEPHONY_PROVIDER',
  'SIP_SERVER',
  'SIP_PORT',
  'SIP_USERNAME',
  'SIP_PASSWORD',
  'SIP_DOMAIN',
  'SIP_EXTENSION',
  'SIP_TRANSPORT',
  'SIP_STUN_SERVER',
  'OPENAI_API_KEY',
  'DEEPGRAM_API_KEY',
  'ELEVENLABS_API_KEY',
];

const deployment = find('Deployment');
const podSpec = ((deployment.spec as Obj).template as Obj).spec as Obj;
const container = (podSpec.containers as Obj[])[0] as Obj;
const secret = find('Secret');
const configMap = find('ConfigMap');
const DEFAULTS = resolveConfig(undefined, {}).config as DaemonConfig;

describe('kubernetes manifests', () => {
  it('has the guide layout: the namespace first, the Secret in kubernetes/secrets/secrets.yaml', () => {
    expect(files).toEqual([
      'kubernetes/00-namespace.yaml',
      'kubernetes/configmap.yaml',
      'kubernetes/deployment.yaml',
      'kubernetes/pdb.yaml',
      'kubernetes/secrets/secrets.yaml',
      'kubernetes/service.yaml',
    ]);
    // `kubectl apply -f` reads files in name order: the Namespace must come first.
    expect(objects[0]?.obj.kind).toBe('Namespace');
    expect(objects[0]?.obj.metadata.name).toBe('voice-ai');
    expect(objects.find((o) => o.obj.kind === 'Secret')?.file).toBe('kubernetes/secrets/secrets.yaml');
  });

  it('puts every object in voice-ai, labelled app=voice-assistant', () => {
    expect(objects.map((o) => o.obj.kind).sort()).toEqual(
      ['ConfigMap', 'Deployment', 'Namespace', 'PodDisruptionBudget', 'Secret', 'Service'].sort(),
    );
    for (const { obj } of objects) {
      expect(typeof obj.apiVersion).toBe('string');
      if (obj.kind === 'Namespace') continue;
      expect(obj.metadata.namespace, `${obj.kind} namespace`).toBe('voice-ai');
      expect(obj.metadata.labels?.app, `${obj.kind} label`).toBe('voice-assistant');
    }
  });

  it('has the Secret with exactly the guide keys, placeholders only', () => {
    expect(secret.metadata.name).toBe('voice-assistant-secrets');
    expect(secret.type).toBe('Opaque');
    const data = secret.stringData as Record<string, unknown>;
    expect(Object.keys(data).sort()).toEqual([...GUIDE_SECRET_KEYS].sort());
    for (const v of Object.values(data)) expect(typeof v).toBe('string');
    expect(data.SIP_PASSWORD).toBe('your_password');
    expect(data.OPENAI_API_KEY).toBe('sk-xxx');
  });

  it('gives the pod an environment (Secret + ConfigMap + env) the daemon accepts', () => {
    const envFrom = container.envFrom as Obj[];
    expect(envFrom).toEqual([
      { secretRef: { name: secret.metadata.name } },
      { configMapRef: { name: configMap.metadata.name } },
    ]);
    const env: Record<string, string> = {
      ...(secret.stringData as Record<string, string>),
      ...(configMap.data as Record<string, string>),
    };
    for (const e of container.env as { name: string; valueFrom?: unknown }[])
      env[e.name] = e.valueFrom ? '10.0.0.5' : ''; // status.hostIP, as resolved on a node
    const r = resolveConfig(undefined, env);
    expect(r.problems).toEqual([]);
    const cfg = r.config as DaemonConfig;
    expect(cfg.sip.accounts[0]?.server).toBe('sip.yourdomain.com');
    expect(cfg.sip.publicAddress).toBe('10.0.0.5');
    // The ConfigMap keeps the daemon's defaults explicit.
    expect(cfg.http.port).toBe(DEFAULTS.http.port);
    expect(cfg.sip.listenPort).toBe(DEFAULTS.sip.listenPort);
    expect([cfg.rtp.portMin, cfg.rtp.portMax]).toEqual([DEFAULTS.rtp.portMin, DEFAULTS.rtp.portMax]);
    expect(cfg.shutdownDrainMs).toBe(DEFAULTS.shutdownDrainMs);
  });

  it('selects its own pods and probes /readyz and /healthz on the HTTP port', () => {
    const spec = deployment.spec as Obj;
    const selector = (spec.selector as Obj).matchLabels as Record<string, string>;
    const tmplLabels = ((spec.template as Obj).metadata as Obj).labels as Record<string, string>;
    expect(selector).toEqual({ app: 'voice-assistant' });
    for (const [k, v] of Object.entries(selector)) expect(tmplLabels[k]).toBe(v);
    const ports = container.ports as { name: string; containerPort: number; protocol: string }[];
    const http = ports.find((p) => p.name === 'http');
    expect(http).toEqual({ name: 'http', containerPort: DEFAULTS.http.port, protocol: 'TCP' });
    expect(ports).toContainEqual({
      name: 'sip-udp',
      containerPort: DEFAULTS.sip.listenPort,
      protocol: 'UDP',
    });
    const probe = (name: string): { path: string; port: unknown } =>
      ((container[name] as Obj).httpGet as { path: string; port: unknown }) ?? {};
    expect(probe('readinessProbe')).toEqual({ path: '/readyz', port: 'http' });
    expect(probe('livenessProbe')).toEqual({ path: '/healthz', port: 'http' });
    expect(probe('startupProbe')).toEqual({ path: '/healthz', port: 'http' });
  });

  it('drains: preStop sleep + SHUTDOWN_DRAIN_SEC fit in terminationGracePeriodSeconds', () => {
    const preStop = ((container.lifecycle as Obj).preStop as Obj).exec as { command: string[] };
    expect(preStop.command[0]).toBe('sleep');
    const sleep = Number(preStop.command[1]);
    const drain = Number((configMap.data as Record<string, string>).SHUTDOWN_DRAIN_SEC);
    expect(sleep).toBeGreaterThan(0);
    expect(Number(podSpec.terminationGracePeriodSeconds)).toBeGreaterThanOrEqual(sleep + drain + 5);
  });

  it('uses the host network for SIP and RTP, non-root, with resources set', () => {
    expect(podSpec.hostNetwork).toBe(true);
    expect(podSpec.dnsPolicy).toBe('ClusterFirstWithHostNet');
    const podSec = podSpec.securityContext as Obj;
    expect(podSec.runAsNonRoot).toBe(true);
    expect(podSec.runAsUser).toBe(10001); // the Dockerfile's USER
    const sec = container.securityContext as Obj;
    expect((sec.capabilities as Obj).drop).toEqual(['ALL']);
    expect((sec.capabilities as Obj).add).toEqual(['NET_BIND_SERVICE']);
    expect(sec.readOnlyRootFilesystem).toBe(true);
    const res = container.resources as { requests: Obj; limits: Obj };
    expect(res.requests.cpu).toBeDefined();
    expect(res.requests.memory).toBeDefined();
    expect(res.limits.memory).toBeDefined();
    const mounts = (container.volumeMounts as { mountPath: string }[]).map((m) => m.mountPath);
    expect(mounts).toContain('/var/spool/voice-assistant/recordings');
  });

  it('exposes HTTP with a ClusterIP Service and bounds disruptions with a PDB', () => {
    const svc = find('Service');
    const spec = svc.spec as Obj;
    expect(spec.type).toBe('ClusterIP');
    expect(spec.selector).toEqual({ app: 'voice-assistant' });
    expect(spec.ports).toEqual([
      { name: 'http', port: DEFAULTS.http.port, targetPort: 'http', protocol: 'TCP' },
    ]);
    const pdb = find('PodDisruptionBudget');
    expect(pdb.apiVersion).toBe('policy/v1');
    expect(((pdb.spec as Obj).selector as Obj).matchLabels).toEqual({ app: 'voice-assistant' });
    expect((pdb.spec as Obj).maxUnavailable).toBe(1);
  });
});

/** kubernetes-models (a devDependency the CI installs): one class per apiVersion/kind, with validate(). */
const MODEL_PATHS: Record<string, string> = {
  'v1/Namespace': 'kubernetes-models/v1/Namespace',
  'v1/ConfigMap': 'kubernetes-models/v1/ConfigMap',
  'v1/Secret': 'kubernetes-models/v1/Secret',
  'v1/Service': 'kubernetes-models/v1/Service',
  'apps/v1/Deployment': 'kubernetes-models/apps/v1/Deployment',
  'policy/v1/PodDisruptionBudget': 'kubernetes-models/policy/v1/PodDisruptionBudget',
};

async function importModel(
  path: string,
): Promise<Record<string, new (o: unknown) => { validate(): void }> | undefined> {
  try {
    return (await import(/* @vite-ignore */ path)) as Record<
      string,
      new (o: unknown) => { validate(): void }
    >;
  } catch {
    return undefined;
  }
}

describe('kubernetes manifests against the Kubernetes schemas (kubernetes-models)', async () => {
  const probe = await importModel(MODEL_PATHS['v1/Namespace'] as string);
  if (!probe)
    console.warn(
      'test/deploy: kubernetes-models not installed, schema validation skipped (pnpm add -Dw kubernetes-models@^4)',
    );

  it.skipIf(!probe)('validates every object', async () => {
    for (const { file, obj } of objects) {
      const path = MODEL_PATHS[`${obj.apiVersion}/${obj.kind}`];
      expect(path, `${file}: ${obj.apiVersion} ${obj.kind} has a model`).toBeDefined();
      const mod = await importModel(path as string);
      const Model = mod?.[obj.kind];
      expect(Model, `${obj.kind} model`).toBeDefined();
      expect(
        () => new (Model as new (o: unknown) => { validate(): void })(obj).validate(),
        file,
      ).not.toThrow();
    }
  });

  it.skipIf(!probe)('rejects a broken Deployment (the validator is live)', async () => {
    const mod = await importModel(MODEL_PATHS['apps/v1/Deployment'] as string);
    const Model = mod?.Deployment as new (o: unknown) => { validate(): void };
    const broken = structuredClone(deployment) as unknown as {
      spec: { template: { spec: { containers: Obj[] } } };
    };
    ((broken.spec.template.spec.containers[0] as Obj).ports as Obj[])[0] = { containerPort: 'sip' };
    expect(() => new Model(broken).validate()).toThrow(/containerPort/);
  });
});
