import { isVisionFlowError } from '../errors/vision-flow-error.js';

/**
 * What a node does with an error raised while processing one record:
 * - `fail`: the node cannot work at all (bad configuration, missing model): stop with that error
 *   rather than dead-letter every record;
 * - `retry`: a transient fault (a VisionFlowError marked retriable: timeouts, unreachable
 *   services): run the record again with the node's retry policy, then dead-letter it;
 * - `dead-letter`: the record itself is bad (poison) or the operator failed on it: set it aside.
 */
export type FailureAction = 'fail' | 'retry' | 'dead-letter';

const FATAL_CODES = new Set(['CONFIG_INVALID', 'TOPOLOGY_INVALID']);

export function failureAction(error: unknown): FailureAction {
  if (isVisionFlowError(error)) {
    if (FATAL_CODES.has(error.code)) return 'fail';
    return error.retriable ? 'retry' : 'dead-letter';
  }
  return 'dead-letter';
}
