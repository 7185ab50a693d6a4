import { VisionFlowError, errorCode, errorMessage } from './vision-flow-error.js';

export type OperatorErrorContext = {
  readonly node: string;
  readonly operator: string;
  readonly topic?: string | undefined;
  readonly partition?: number | undefined;
  readonly offset?: number | undefined;
  readonly key?: string | undefined;
};

/**
 * An operator failed on one record. It wraps the operator's own error and keeps its code, so a
 * dead letter says both where it failed (node, operator, source offset) and why.
 */
export class OperatorError extends VisionFlowError {
  declare readonly context: OperatorErrorContext;

  constructor(context: OperatorErrorContext, cause: unknown) {
    super(`${context.node}/${context.operator}: ${errorMessage(cause)}`, { code: errorCode(cause), retriable: false, cause }, { ...context });
  }
}
