// Validates rendered Kubernetes manifests (multi-document YAML files, or stdin) against the
// Kubernetes OpenAPI schemas (kubernetes-models) and the CRD schemas of the Prometheus Operator
// and KEDA. Every document must be of a known kind and valid; exits 1 otherwise.
//   kubectl kustomize k8s/overlays/example | node k8s/validate/validate.mjs
//
// Strict, like kubeconform -strict: a field the schema does not define is an error (a typo such
// as `terminationGracePeriodSecond` would otherwise pass, since Kubernetes' schemas allow extra
// fields). The schema validators are generated code that reads each property the schema defines
// and enumerates the keys of maps; the document is handed to them behind proxies that record
// those reads, and any key of a read object that was never looked up is reported.
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

// apiVersion -> the module whose classes carry that group's schemas.
function modulePath(apiVersion) {
  if (apiVersion === 'v1') return 'kubernetes-models/v1';
  const [group, version] = apiVersion.split('/');
  if (group === 'monitoring.coreos.com') return `@kubernetes-models/prometheus-operator/${group}/${version}`;
  if (group === 'keda.sh') return `@kubernetes-models/keda/${group}/${version}`;
  return `kubernetes-models/${group}/${version}`;
}

/** Wraps plain data in proxies that record which keys a validator reads. */
function track(value, path, records) {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v, i) => track(v, `${path}/${i}`, records));
  const rec = { path, keys: Object.keys(value), read: new Set(), touched: false, enumerated: false };
  records.push(rec);
  const target = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, track(v, `${path}/${k}`, records)]));
  return new Proxy(target, {
    get(t, p, r) { rec.touched = true; if (typeof p === 'string') rec.read.add(p); return Reflect.get(t, p, r); },
    has(t, p) { rec.touched = true; if (typeof p === 'string') rec.read.add(p); return Reflect.has(t, p); },
    ownKeys(t) { rec.touched = true; rec.enumerated = true; return Reflect.ownKeys(t); },
  });
}

function unknownFields(records) {
  const out = [];
  for (const rec of records) {
    if (!rec.touched || rec.enumerated) continue; // free-form (not validated) or a map
    for (const k of rec.keys) if (!rec.read.has(k)) out.push(`${rec.path}/${k}`);
  }
  return out;
}

const inputs = process.argv.length > 2 ? process.argv.slice(2).map((f) => readFileSync(f, 'utf8')) : [readFileSync(0, 'utf8')];
let failures = 0;
let checked = 0;
for (const text of inputs) {
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) {
      console.log(`error: YAML: ${doc.errors.map((e) => e.message).join('; ')}`);
      failures++;
      continue;
    }
    const obj = doc.toJS();
    if (obj === null) continue;
    const name = `${obj.kind}/${obj.metadata?.name} (${obj.apiVersion})`;
    let Kind;
    try {
      Kind = (await import(modulePath(String(obj.apiVersion))))[obj.kind];
    } catch (e) {
      Kind = undefined;
    }
    if (typeof Kind !== 'function') {
      console.log(`error: ${name}: no schema for this apiVersion and kind`);
      failures++;
      continue;
    }
    try {
      const records = [];
      Kind.prototype.validate.call(track(obj, '', records));
      const unknown = unknownFields(records);
      if (unknown.length) throw new Error(`fields the schema does not define: ${unknown.join(', ')}`);
      console.log(`ok: ${name}`);
      checked++;
    } catch (e) {
      console.log(`error: ${name}: ${e.message}`);
      failures++;
    }
  }
}
console.log(`${checked} valid, ${failures} invalid`);
process.exit(failures === 0 && checked > 0 ? 0 : 1);
