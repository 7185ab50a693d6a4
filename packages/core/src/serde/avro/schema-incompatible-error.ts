import { VisionFlowError } from '../../errors/vision-flow-error.js';
import type { Incompatibility } from './compatibility.js';

/** A schema cannot be registered because existing data or readers could not cope with it. */
export class SchemaIncompatibleError extends VisionFlowError {
  constructor(
    readonly subject: string,
    readonly problems: readonly Incompatibility[],
    readonly level: string,
  ) {
    super(
      `schema for subject "${subject}" is not ${level}-compatible with the registered versions: ${problems.map((p) => `field ${p.path}: ${p.message}`).join('; ')}`,
      { code: 'SCHEMA_INCOMPATIBLE', retriable: false },
      { subject, field: problems[0]?.path, level },
    );
  }
}
