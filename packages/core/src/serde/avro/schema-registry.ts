import type { AvroJson } from './schema.js';
import type { CompatibilityLevel, Incompatibility } from './compatibility.js';

export interface RegisteredVersion {
  readonly id: number;
  readonly version: number;
  readonly schema: AvroJson;
}

/**
 * The part of the Confluent Schema Registry API vision-flow uses. Implemented over HTTP for a real
 * registry (Confluent, or Apicurio's ccompat API) and in memory for the embedded runtime.
 */
export interface SchemaRegistry {
  /** Human-readable address for messages, e.g. the registry URL or `embedded`. */
  readonly address: string;
  /** Registers `schema` under `subject` (or finds it) and returns its global id; refuses an incompatible schema. */
  register(subject: string, schema: AvroJson): Promise<number>;
  /** The writer schema of a global id, as found in the Confluent wire format. */
  schemaById(id: number): Promise<AvroJson>;
  /** Every version of a subject, oldest first; [] when the subject does not exist. */
  versions(subject: string): Promise<RegisteredVersion[]>;
  /** The subject's compatibility level, else the registry's default. */
  compatibility(subject: string): Promise<CompatibilityLevel>;
  /** Why `schema` would be refused under `subject`: [] when it is compatible. */
  check(subject: string, schema: AvroJson): Promise<Incompatibility[]>;
  close?(): Promise<void>;
}
