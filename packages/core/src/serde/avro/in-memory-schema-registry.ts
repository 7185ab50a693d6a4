import { VisionFlowError } from '../../errors/vision-flow-error.js';
import { compatibilityProblems, type CompatibilityLevel, type Incompatibility } from './compatibility.js';
import { SchemaIncompatibleError } from './schema-incompatible-error.js';
import type { RegisteredVersion, SchemaRegistry } from './schema-registry.js';
import type { AvroJson } from './schema.js';

/**
 * The embedded runtime's registry: same ids, subjects and compatibility checks as a Confluent
 * registry, kept in this process, so the memory transport carries the same wire-format bytes.
 */
export class InMemorySchemaRegistry implements SchemaRegistry {
  readonly address = 'embedded';
  private readonly byId = new Map<number, AvroJson>();
  private readonly idByCanonical = new Map<string, number>();
  private readonly subjects = new Map<string, RegisteredVersion[]>();
  private readonly levels = new Map<string, CompatibilityLevel>();

  constructor(private readonly defaultLevel: CompatibilityLevel = 'BACKWARD') {}

  setCompatibility(subject: string, level: CompatibilityLevel): void {
    this.levels.set(subject, level);
  }

  async register(subject: string, schema: AvroJson): Promise<number> {
    const canonical = JSON.stringify(schema);
    const versions = this.subjects.get(subject) ?? [];
    const existing = versions.find((v) => JSON.stringify(v.schema) === canonical);
    if (existing) return existing.id;
    const problems = await this.check(subject, schema);
    if (problems.length > 0) throw new SchemaIncompatibleError(subject, problems, await this.compatibility(subject));
    let id = this.idByCanonical.get(canonical);
    if (id === undefined) {
      id = this.byId.size + 1;
      this.byId.set(id, schema);
      this.idByCanonical.set(canonical, id);
    }
    this.subjects.set(subject, [...versions, { id, version: versions.length + 1, schema }]);
    return id;
  }

  async schemaById(id: number): Promise<AvroJson> {
    const schema = this.byId.get(id);
    if (schema === undefined) throw new VisionFlowError(`schema id ${id} is not in the embedded registry`, { code: 'UNKNOWN_SCHEMA_ID', retriable: false }, { schemaId: id });
    return schema;
  }

  async versions(subject: string): Promise<RegisteredVersion[]> {
    return [...(this.subjects.get(subject) ?? [])];
  }

  async compatibility(subject: string): Promise<CompatibilityLevel> {
    return this.levels.get(subject) ?? this.defaultLevel;
  }

  async check(subject: string, schema: AvroJson): Promise<Incompatibility[]> {
    const versions = this.subjects.get(subject) ?? [];
    return compatibilityProblems(await this.compatibility(subject), schema, versions.map((v) => v.schema));
  }
}
