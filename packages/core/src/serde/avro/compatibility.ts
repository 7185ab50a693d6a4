import type avsc from 'avsc';
import { AvroType } from './avro-type.js';
import type { AvroJson } from './schema.js';

/** Confluent compatibility levels. BACKWARD: the new schema reads data written with the previous one. */
export type CompatibilityLevel = 'BACKWARD' | 'BACKWARD_TRANSITIVE' | 'FORWARD' | 'FORWARD_TRANSITIVE' | 'FULL' | 'FULL_TRANSITIVE' | 'NONE';

export interface Incompatibility {
  /** Field path in the reader schema, e.g. `objects[].box.x`; `(root)` for the top level. */
  readonly path: string;
  readonly message: string;
}

type Node = { readonly type: string; readonly [k: string]: unknown };

/** Resolves named-type references (`"vision.Box"`) to their definitions, per schema. */
class SymbolTable {
  private readonly named = new Map<string, Node>();

  constructor(root: AvroJson) {
    this.collect(root, undefined);
  }

  resolve(node: AvroJson, ns: string | undefined): Node | Node[] {
    if (Array.isArray(node)) return node.map((n) => this.resolve(n, ns) as Node);
    if (typeof node === 'string') {
      if (PRIMITIVES.has(node)) return { type: node };
      const hit = this.named.get(node) ?? (ns ? this.named.get(`${ns}.${node}`) : undefined);
      if (!hit) throw new Error(`unknown type "${node}"`);
      return hit;
    }
    const o = node as unknown as Node;
    if (typeof o.type !== 'string' || (!PRIMITIVES.has(o.type) && !COMPLEX.has(o.type))) return this.resolve(o.type as AvroJson, ns);
    return o;
  }

  private collect(node: AvroJson, ns: string | undefined): void {
    if (typeof node === 'string') return;
    if (Array.isArray(node)) return node.forEach((n) => this.collect(n, ns));
    const o = node as unknown as Node & { name?: string; namespace?: string; fields?: Array<{ type: AvroJson }>; items?: AvroJson; values?: AvroJson };
    if (typeof o.type !== 'string') return this.collect(o.type as AvroJson, ns);
    if (o.name && (o.type === 'record' || o.type === 'enum' || o.type === 'fixed' || o.type === 'error')) {
      const full = fullName(o.name, o.namespace ?? ns);
      this.named.set(full, o);
      const inner = full.includes('.') ? full.slice(0, full.lastIndexOf('.')) : undefined;
      for (const f of o.fields ?? []) this.collect(f.type, inner);
    }
    if (o.items) this.collect(o.items, ns);
    if (o.values) this.collect(o.values, ns);
  }
}

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);
const COMPLEX = new Set(['record', 'error', 'enum', 'array', 'map', 'fixed']);
const PROMOTIONS: { readonly [writer: string]: readonly string[] } = { int: ['long', 'float', 'double'], long: ['float', 'double'], float: ['double'], string: ['bytes'], bytes: ['string'] };

function fullName(name: string, ns: string | undefined): string {
  return name.includes('.') || !ns ? name : `${ns}.${name}`;
}

function shortName(n: Node): string {
  const name = n.name as string | undefined;
  return name ? name.slice(name.lastIndexOf('.') + 1) : n.type;
}

function describe(n: Node | Node[]): string {
  if (Array.isArray(n)) return `union [${n.map(describe).join(', ')}]`;
  return (n.name as string | undefined) ?? (n.type === 'array' ? 'array' : n.type === 'map' ? 'map' : n.type);
}

/**
 * Lists why data written with `writer` cannot be read with `reader`, following Avro's schema
 * resolution rules (the check Confluent's BACKWARD compatibility makes). Empty means compatible.
 * Messages name the field path so a user can find the change.
 */
export function readProblems(readerSchema: AvroJson, writerSchema: AvroJson): Incompatibility[] {
  const reader = fullyQualified(readerSchema);
  const writer = fullyQualified(writerSchema);
  const rt = new SymbolTable(reader);
  const wt = new SymbolTable(writer);
  const problems: Incompatibility[] = [];
  const visiting = new Set<string>();

  const check = (r: Node | Node[], w: Node | Node[], path: string): void => {
    if (Array.isArray(w)) {
      // Every branch the writer may have used must be readable.
      for (const branch of w) check(r, branch, path);
      return;
    }
    if (Array.isArray(r)) {
      const ok = r.some((branch) => quietlyReadable(branch, w));
      if (!ok) problems.push({ path, message: `existing data holds ${describe(w)}, which none of the new ${describe(r)} branches can read` });
      return;
    }
    if (r.type !== w.type) {
      if (PRIMITIVES.has(w.type) && PROMOTIONS[w.type]?.includes(r.type)) return;
      problems.push({ path, message: `type changed from ${describe(w)} to ${describe(r)}, which Avro cannot convert` });
      return;
    }
    switch (r.type) {
      case 'record':
      case 'error': {
        const key = `${r.name as string}<-${w.name as string}`;
        if (visiting.has(key)) return;
        visiting.add(key);
        const rAliases = (r.aliases as string[] | undefined) ?? [];
        if (shortName(r) !== shortName(w) && !rAliases.some((a) => a.endsWith(shortName(w)))) {
          problems.push({ path, message: `record name changed from ${w.name as string} to ${r.name as string} (add an alias "${w.name as string}" to keep it readable)` });
        }
        const wFields = w.fields as Array<{ name: string; type: AvroJson }>;
        const rNs = nsOf(r);
        const wNs = nsOf(w);
        for (const f of r.fields as Array<{ name: string; type: AvroJson; default?: unknown; aliases?: string[] }>) {
          const fieldPath = path === '(root)' ? f.name : `${path}.${f.name}`;
          const wf = wFields.find((x) => x.name === f.name) ?? wFields.find((x) => f.aliases?.includes(x.name));
          if (!wf) {
            if (!('default' in f)) problems.push({ path: fieldPath, message: `field "${f.name}" was added without a default, so data written before it cannot be read; give it a default` });
            continue;
          }
          check(rt.resolve(f.type, rNs), wt.resolve(wf.type, wNs), fieldPath);
        }
        visiting.delete(key);
        return;
      }
      case 'enum': {
        const rs = r.symbols as string[];
        const missing = (w.symbols as string[]).filter((s) => !rs.includes(s));
        if (missing.length > 0 && r.default === undefined) problems.push({ path, message: `enum ${r.name as string} lost symbols ${missing.join(', ')} that existing data may hold; keep them or add a default symbol` });
        return;
      }
      case 'array':
        return check(rt.resolve(r.items as AvroJson, undefined), wt.resolve(w.items as AvroJson, undefined), `${path}[]`);
      case 'map':
        return check(rt.resolve(r.values as AvroJson, undefined), wt.resolve(w.values as AvroJson, undefined), `${path}{}`);
      case 'fixed':
        if (r.size !== w.size) problems.push({ path, message: `fixed ${r.name as string} changed size from ${w.size as number} to ${r.size as number}` });
        return;
      default:
        return;
    }
  };

  const quietlyReadable = (r: Node, w: Node): boolean => {
    const before = problems.length;
    check(r, w, '');
    const ok = problems.length === before;
    problems.length = before;
    return ok;
  };

  check(rt.resolve(reader, undefined), wt.resolve(writer, undefined), '(root)');
  return problems;
}

function nsOf(n: Node): string | undefined {
  const name = n.name as string | undefined;
  if (name?.includes('.')) return name.slice(0, name.lastIndexOf('.'));
  return n.namespace as string | undefined;
}

/**
 * The schema with every named type and reference spelled by its full name. Registries return
 * schemas in their own form (Apicurio drops inherited namespaces), and a reference like "Box"
 * inside a record without a namespace only resolves through the namespace it inherits.
 */
function fullyQualified(schema: AvroJson): AvroJson {
  const registry: { [name: string]: avsc.Type } = {};
  const exported = AvroType.forSchema(schema as avsc.Schema, { registry }).schema({ exportAttrs: true }) as AvroJson;
  return withEnumDefaults(exported, registry);
}

/**
 * avsc's export drops an enum's `default` (Avro 1.9), which decides whether a reader that lost
 * symbols can still read old data: put each one back from the parsed type.
 */
function withEnumDefaults(node: AvroJson, registry: { readonly [name: string]: avsc.Type }): AvroJson {
  if (typeof node === 'string') return node;
  if (Array.isArray(node)) return node.map((n) => withEnumDefaults(n, registry));
  const o: { [k: string]: unknown } = { ...node };
  if (o.type === 'enum') {
    const dflt = (registry[o.name as string] as { default?: string } | undefined)?.default;
    if (dflt !== undefined) o.default = dflt;
  } else if (o.type === 'record' || o.type === 'error') {
    o.fields = (o.fields as Array<{ type: AvroJson }>).map((f) => ({ ...f, type: withEnumDefaults(f.type, registry) }));
  } else if (o.type === 'array') {
    o.items = withEnumDefaults(o.items as AvroJson, registry);
  } else if (o.type === 'map') {
    o.values = withEnumDefaults(o.values as AvroJson, registry);
  } else if (typeof o.type !== 'string') {
    o.type = withEnumDefaults(o.type as AvroJson, registry);
  }
  return o as unknown as AvroJson;
}

/** Whether two schemas are the same once both are written in full (registries reformat what they store). */
export function sameSchema(a: AvroJson, b: AvroJson): boolean {
  return JSON.stringify(fullyQualified(a)) === JSON.stringify(fullyQualified(b));
}

/** Checks a candidate schema against a subject's existing versions (oldest first) at a level. */
export function compatibilityProblems(level: CompatibilityLevel, candidate: AvroJson, existing: readonly AvroJson[]): Incompatibility[] {
  if (level === 'NONE' || existing.length === 0) return [];
  const against = level.endsWith('_TRANSITIVE') ? existing : existing.slice(-1);
  const backward = level.startsWith('BACKWARD') || level.startsWith('FULL');
  const forward = level.startsWith('FORWARD') || level.startsWith('FULL');
  return against.flatMap((old) => [
    ...(backward ? readProblems(candidate, old) : []),
    ...(forward ? readProblems(old, candidate).map((p) => ({ path: p.path, message: `old readers: ${p.message}` })) : []),
  ]);
}
