// Readers for the deployment files, shared by the test/deploy suites. Docker and a Kubernetes API
// server are not available where the tests run, so these files are checked by reading them.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const repoPath = (...parts: string[]): string => join(repoRoot, ...parts);
export const readRepoFile = (rel: string): string => readFileSync(repoPath(rel), 'utf8');

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Obj = { [key: string]: any };

/** Every document of a YAML file (merge keys on, as Docker Compose reads them); throws on any parse error. */
export function parseYamlDocs(rel: string): Obj[] {
  const docs = YAML.parseAllDocuments(readRepoFile(rel), { merge: true });
  const out: Obj[] = [];
  for (const [i, doc] of docs.entries()) {
    if (doc.errors.length > 0) throw new Error(`${rel} document ${i}: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value = doc.toJS({ maxAliasCount: 100 });
    if (value !== null && value !== undefined) out.push(value as Obj);
  }
  return out;
}

export function listYamlFiles(relDir: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(entry.name)) out.push(relative(repoRoot, p));
    }
  };
  walk(repoPath(relDir));
  return out.sort();
}

export interface K8sObject {
  file: string;
  doc: Obj;
}

/** The Kubernetes objects under k8s/ (kustomization files excluded: they are kustomize's config, not objects). */
export function k8sObjects(): K8sObject[] {
  return listYamlFiles('k8s')
    .filter((f) => !/kustomization\.ya?ml$/.test(f))
    .flatMap((file) => parseYamlDocs(file).map((doc) => ({ file, doc })));
}

export const byKind = (objs: K8sObject[], kind: string): Obj[] => objs.filter((o) => o.doc.kind === kind).map((o) => o.doc);

export function findObject(objs: K8sObject[], kind: string, name: string): Obj {
  const found = objs.find((o) => o.doc.kind === kind && o.doc.metadata?.name === name);
  if (!found) throw new Error(`no ${kind} named ${name} under k8s/`);
  return found.doc;
}

/** Containers and init containers of a workload's pod template. */
export function podContainers(workload: Obj): Obj[] {
  const spec = workload.spec?.template?.spec ?? {};
  return [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
}

/** A Secret's keys and values, whether given as stringData or base64 data. */
export function secretEntries(secret: Obj): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(secret.data ?? {})) out[k] = Buffer.from(String(v), 'base64').toString('utf8');
  for (const [k, v] of Object.entries(secret.stringData ?? {})) out[k] = String(v);
  return out;
}

/**
 * The environment a container sees, by name, and where each name comes from. envFrom is expanded
 * with the referenced ConfigMap or Secret under k8s/; a reference to a missing one throws.
 */
export function containerEnv(container: Obj, objs: K8sObject[]): Map<string, { value?: string; from: string }> {
  const env = new Map<string, { value?: string; from: string }>();
  for (const src of container.envFrom ?? []) {
    const prefix = src.prefix ?? '';
    if (src.configMapRef) {
      const cm = findObject(objs, 'ConfigMap', src.configMapRef.name);
      for (const [k, v] of Object.entries(cm.data ?? {})) env.set(prefix + k, { value: String(v), from: `ConfigMap/${cm.metadata.name}` });
    } else if (src.secretRef) {
      const s = findObject(objs, 'Secret', src.secretRef.name);
      for (const [k, v] of Object.entries(secretEntries(s))) env.set(prefix + k, { value: v, from: `Secret/${s.metadata.name}` });
    } else {
      throw new Error(`unknown envFrom source ${JSON.stringify(src)}`);
    }
  }
  for (const e of container.env ?? []) {
    if (e.valueFrom?.secretKeyRef) {
      const s = findObject(objs, 'Secret', e.valueFrom.secretKeyRef.name);
      const v = secretEntries(s)[e.valueFrom.secretKeyRef.key];
      if (v === undefined) throw new Error(`Secret ${s.metadata.name} has no key ${e.valueFrom.secretKeyRef.key}`);
      env.set(e.name, { value: v, from: `Secret/${s.metadata.name}` });
    } else if (e.valueFrom?.configMapKeyRef) {
      const cm = findObject(objs, 'ConfigMap', e.valueFrom.configMapKeyRef.name);
      const v = cm.data?.[e.valueFrom.configMapKeyRef.key];
      if (v === undefined) throw new Error(`ConfigMap ${cm.metadata.name} has no key ${e.valueFrom.configMapKeyRef.key}`);
      env.set(e.name, { value: String(v), from: `ConfigMap/${cm.metadata.name}` });
    } else {
      env.set(e.name, { value: e.value === undefined ? undefined : String(e.value), from: 'env' });
    }
  }
  return env;
}

// ---------------------------------------------------------------------------------------------
// docker-compose.yml

/** A service's environment as a map, whether written as a mapping or a list of NAME=value. */
export function serviceEnv(svc: Obj): Record<string, string> {
  const env = svc.environment ?? {};
  if (Array.isArray(env))
    return Object.fromEntries(
      env.map((e: string) => {
        const i = e.indexOf('=');
        return i < 0 ? [e, ''] : [e.slice(0, i), e.slice(i + 1)];
      }),
    );
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]));
}
// ---------------------------------------------------------------------------------------------
// Dockerfiles

export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}
export interface Stage {
  name?: string;
  base: string;
  instructions: Instruction[];
}
export interface Dockerfile {
  globalArgs: Record<string, string>;
  stages: Stage[];
}

/** Splits a Dockerfile into stages of instructions (continuation lines joined, comments dropped). */
export function parseDockerfile(rel: string): Dockerfile {
  const lines = readRepoFile(rel).split('\n');
  const instructions: Instruction[] = [];
  let buf = '';
  let start = 0;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    const trimmed = raw.trim();
    if (buf === '' && (trimmed === '' || trimmed.startsWith('#'))) continue;
    if (buf !== '' && trimmed.startsWith('#')) continue; // comment lines inside a continued instruction
    if (buf === '') start = i + 1;
    if (trimmed.endsWith('\\')) {
      buf += trimmed.slice(0, -1) + ' ';
      continue;
    }
    buf += trimmed;
    const m = /^(\S+)\s*(.*)$/s.exec(buf);
    if (m) instructions.push({ keyword: m[1].toUpperCase(), args: m[2].trim(), line: start });
    buf = '';
  }
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const parts = ins.args.split(/\s+/).filter((p) => !p.startsWith('--'));
      const base = parts[0].replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => globalArgs[a ?? b] ?? '');
      const asIdx = parts.findIndex((p) => p.toUpperCase() === 'AS');
      stages.push({ base, name: asIdx >= 0 ? parts[asIdx + 1] : undefined, instructions: [] });
    } else if (stages.length === 0) {
      if (ins.keyword === 'ARG') {
        const [k, v] = ins.args.split('=');
        globalArgs[k] = v ?? '';
      }
    } else {
      stages[stages.length - 1].instructions.push(ins);
    }
  }
  return { globalArgs, stages };
}

/** Exec-form (JSON array) arguments of an instruction such as CMD or ENTRYPOINT. */
export function execForm(ins: Instruction): string[] {
  const v = JSON.parse(ins.args) as unknown;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new Error(`line ${ins.line}: ${ins.keyword} is not exec form`);
  return v;
}

export interface CopySpec {
  from?: string;
  sources: string[];
  dest: string;
  line: number;
}

export function copySpec(ins: Instruction): CopySpec {
  const words = ins.args.startsWith('[') ? (JSON.parse(ins.args) as string[]) : ins.args.split(/\s+/);
  let from: string | undefined;
  const rest: string[] = [];
  for (const w of words) {
    if (w.startsWith('--from=')) from = w.slice('--from='.length);
    else if (!w.startsWith('--')) rest.push(w);
  }
  return { from, sources: rest.slice(0, -1), dest: rest[rest.length - 1], line: ins.line };
}

/** The stage named `name` and every stage it builds FROM, nearest first. */
export function stageChain(df: Dockerfile, stage: Stage): Stage[] {
  const chain = [stage];
  let cur = stage;
  for (;;) {
    const parent = df.stages.find((s) => s.name !== undefined && s.name === cur.base);
    if (!parent || chain.includes(parent)) return chain;
    chain.push(parent);
    cur = parent;
  }
}

/** ENV instructions of one stage as a map (both `ENV A=b C=d` and `ENV A b` forms). */
export function stageEnv(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const ins of stage.instructions.filter((i) => i.keyword === 'ENV')) {
    if (/^\w+\s+[^=]*$/.test(ins.args) && !ins.args.includes('=')) {
      const [k, ...v] = ins.args.split(/\s+/);
      env[k] = v.join(' ');
      continue;
    }
    for (const m of ins.args.matchAll(/(\w+)=("[^"]*"|\S+)/g)) env[m[1]] = m[2].replace(/^"|"$/g, '');
  }
  return env;
}

/**
 * Docker's .dockerignore semantics, simplified to what this repository uses: patterns are anchored
 * at the context root, `*` and `?` stay within one path segment, `**` spans any number, a pattern
 * that matches a directory excludes everything below it, `!` re-includes, and the last match wins.
 */
export function dockerignoreMatcher(rel = '.dockerignore'): (path: string) => boolean {
  const patterns = existsSync(repoPath(rel))
    ? readRepoFile(rel)
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l !== '' && !l.startsWith('#'))
    : [];
  const compiled = patterns.map((p) => {
    const negate = p.startsWith('!');
    const body = (negate ? p.slice(1) : p).replace(/^\/+/, '').replace(/\/+$/, '');
    let re = '';
    for (let i = 0; i < body.length; i++) {
      const c = body[i];
      if (c === '*' && body[i + 1] === '*') {
        re += '.*';
        i++;
        if (body[i + 1] === '/') {
          re = re.slice(0, -2) + '(?:.*/)?';
          i++;
        }
      } else if (c === '*') re += '[^/]*';
      else if (c === '?') re += '[^/]';
      else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
    return { negate, re: new RegExp(`^${re}$`) };
  });
  return (path: string) => {
    const clean = path.replace(/^\.\/+/, '').replace(/\/+$/, '');
    const prefixes = clean.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'));
    let excluded = false;
    for (const { negate, re } of compiled) {
      if (prefixes.some((p) => re.test(p))) excluded = !negate;
    }
    return excluded;
  };
}
