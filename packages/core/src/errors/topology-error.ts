import { VisionFlowError, type ErrorContext } from './vision-flow-error.js';

/** A topology definition is wrong (duplicate node, node without input...). Raised while building it. */
export class TopologyError extends VisionFlowError {
  constructor(message: string, context: ErrorContext = {}) {
    super(message, { code: 'TOPOLOGY_INVALID', retriable: false }, context);
  }
}
