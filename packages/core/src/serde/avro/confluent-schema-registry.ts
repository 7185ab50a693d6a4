import { ConnectionError } from '../../errors/connection-error.js';
import { VisionFlowError, errorMessage } from '../../errors/vision-flow-error.js';
import { retry } from '../../retry/retry.js';
import { RetriesExhaustedError } from '../../errors/retries-exhausted-error.js';
import { compatibilityProblems, sameSchema, type CompatibilityLevel, type Incompatibility } from './compatibility.js';
import { SchemaIncompatibleError } from './schema-incompatible-error.js';
import type { RegisteredVersion, SchemaRegistry } from './schema-registry.js';
import type { AvroJson } from './schema.js';

export interface ConfluentSchemaRegistryOptions {
  /** Base URL of the Confluent API, e.g. `http://127.0.0.1:8081` or Apicurio's `http://127.0.0.1:8081/apis/ccompat/v7`. */
  readonly url: string;
  /** Per-request timeout; default 5 s. */
  readonly timeoutMs?: number;
}

const LEVELS = new Set(['BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE', 'NONE']);

/**
 * A Confluent-compatible schema registry over HTTP (Confluent Schema Registry, or Apicurio's
 * ccompat API), spoken directly over its REST API: @kafkajs/confluent-schema-registry refuses to
 * register unnamed schemas (a `"string"` key), which every keyed topic has. Compatibility is also
 * checked here, with vision-flow's own checker, because registries differ in how (and whether)
 * they explain a refusal, and users need the field named.
 */
export class ConfluentSchemaRegistry implements SchemaRegistry {
  readonly address: string;
  private readonly timeoutMs: number;
  private readonly byId = new Map<number, Promise<AvroJson>>();

  private constructor(opts: ConfluentSchemaRegistryOptions) {
    this.address = opts.url.replace(/\/+$/, '');
    this.timeoutMs = opts.timeoutMs ?? 5000;
  }

  /**
   * Creates the client and checks the registry answers, failing fast with the URL named: one
   * attempt within `timeoutMs`, not the retries of later calls (a URL that holds the connection
   * without answering would otherwise keep `vision-flow run` waiting for three timeouts).
   */
  static async connect(opts: ConfluentSchemaRegistryOptions): Promise<ConfluentSchemaRegistry> {
    const registry = new ConfluentSchemaRegistry(opts);
    try {
      await registry.request('GET', '/subjects', undefined, 1);
    } catch (e) {
      throw e instanceof RetriesExhaustedError ? e.cause : e;
    }
    return registry;
  }

  async register(subject: string, schema: AvroJson): Promise<number> {
    const existing = (await this.versions(subject)).find((v) => sameSchema(v.schema, schema));
    if (existing) return existing.id;
    const level = await this.compatibility(subject);
    const problems = await this.check(subject, schema);
    if (problems.length > 0) throw new SchemaIncompatibleError(subject, problems, level);
    try {
      const res = await this.request<{ id: number }>('POST', `/subjects/${encodeURIComponent(subject)}/versions`, { schemaType: 'AVRO', schema: JSON.stringify(schema) });
      if (!res) throw new VisionFlowError(`schema registry ${this.address} answered 404 to registering under ${subject}`, { code: 'REGISTRY_ERROR', retriable: false });
      this.byId.set(res.id, Promise.resolve(schema));
      return res.id;
    } catch (e) {
      // Another writer may have registered an incompatible version between our check and this call.
      if ((e as VisionFlowError).context?.['status'] === 409) throw new SchemaIncompatibleError(subject, [{ path: '(root)', message: errorMessage(e) }], await this.compatibility(subject));
      throw e;
    }
  }

  schemaById(id: number): Promise<AvroJson> {
    let hit = this.byId.get(id);
    if (!hit) {
      hit = this.request<{ schema: string }>('GET', `/schemas/ids/${id}`).then((r) => {
        if (!r) throw new VisionFlowError(`schema id ${id} is not in registry ${this.address}`, { code: 'UNKNOWN_SCHEMA_ID', retriable: false }, { schemaId: id });
        return JSON.parse(r.schema) as AvroJson;
      });
      this.byId.set(id, hit);
      hit.catch(() => this.byId.delete(id));
    }
    return hit;
  }

  async versions(subject: string): Promise<RegisteredVersion[]> {
    const numbers = await this.request<number[]>('GET', `/subjects/${encodeURIComponent(subject)}/versions`);
    if (!numbers) return [];
    const out: RegisteredVersion[] = [];
    for (const version of [...numbers].sort((a, b) => a - b)) {
      const v = await this.request<{ id: number; version: number; schema: string }>('GET', `/subjects/${encodeURIComponent(subject)}/versions/${version}`);
      if (v) out.push({ id: v.id, version: v.version, schema: JSON.parse(v.schema) as AvroJson });
    }
    return out;
  }

  async compatibility(subject: string): Promise<CompatibilityLevel> {
    const own = await this.request<{ compatibilityLevel?: string; compatibility?: string }>('GET', `/config/${encodeURIComponent(subject)}`);
    const global = own ? undefined : await this.request<{ compatibilityLevel?: string; compatibility?: string }>('GET', '/config');
    const level = (own ?? global)?.compatibilityLevel ?? (own ?? global)?.compatibility ?? 'BACKWARD';
    return (LEVELS.has(level) ? level : 'BACKWARD') as CompatibilityLevel;
  }

  async check(subject: string, schema: AvroJson): Promise<Incompatibility[]> {
    const versions = await this.versions(subject);
    return compatibilityProblems(await this.compatibility(subject), schema, versions.map((v) => v.schema));
  }

  /** JSON of a GET/POST; undefined on 404 (absent subject, version or config). */
  private async request<T>(method: 'GET' | 'POST', path: string, body?: unknown, maxAttempts = 3): Promise<T | undefined> {
    return retry({ maxAttempts, initialDelayMs: 200, maxDelayMs: 1000, maxElapsedMs: this.timeoutMs * 2 })(async (bail) => {
      let res: Response;
      try {
        res = await fetch(`${this.address}${path}`, {
          method,
          headers: { accept: 'application/vnd.schemaregistry.v1+json, application/json', ...(body ? { 'content-type': 'application/vnd.schemaregistry.v1+json' } : {}) },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (e) {
        throw new ConnectionError(`schema registry ${this.address} is unreachable (${method} ${path}: ${causeText(e)}); start it (bash scripts/stack.sh start) or pass the right --registry`, { registry: this.address }, e);
      }
      if (res.status === 404) return undefined;
      if (!res.ok) {
        const text = await res.text().catch(() => '');
        const err = new VisionFlowError(`schema registry ${this.address} answered ${res.status} to ${method} ${path}: ${text.slice(0, 300)}`, { code: 'REGISTRY_ERROR', retriable: res.status >= 500 }, { status: res.status });
        if (res.status < 500) bail(err);
        throw err;
      }
      return (await res.json()) as T;
    });
  }
}

function causeText(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? errorMessage(e);
}
