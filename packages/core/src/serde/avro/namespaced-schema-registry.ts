import type { AvroJson } from './schema.js';
import type { CompatibilityLevel, Incompatibility } from './compatibility.js';
import type { RegisteredVersion, SchemaRegistry } from './schema-registry.js';

/**
 * The registry as seen through a namespace: subjects follow the namespaced topic names
 * (`<namespace>.<topic>-value`), so a namespaced deployment can evolve its schemas on its own.
 */
export class NamespacedSchemaRegistry implements SchemaRegistry {
  readonly address: string;

  constructor(
    private readonly inner: SchemaRegistry,
    private readonly namespace: string,
  ) {
    this.address = inner.address;
  }

  private subject(s: string): string {
    return `${this.namespace}.${s}`;
  }

  register(subject: string, schema: AvroJson): Promise<number> {
    return this.inner.register(this.subject(subject), schema);
  }
  schemaById(id: number): Promise<AvroJson> {
    return this.inner.schemaById(id);
  }
  versions(subject: string): Promise<RegisteredVersion[]> {
    return this.inner.versions(this.subject(subject));
  }
  compatibility(subject: string): Promise<CompatibilityLevel> {
    return this.inner.compatibility(this.subject(subject));
  }
  check(subject: string, schema: AvroJson): Promise<Incompatibility[]> {
    return this.inner.check(this.subject(subject), schema);
  }
  close(): Promise<void> {
    return this.inner.close?.() ?? Promise.resolve();
  }
}
