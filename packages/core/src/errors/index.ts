export { VisionFlowError, isVisionFlowError, errorMessage, errorCode, type ErrorContext, type VisionFlowErrorOptions } from './vision-flow-error.js';
export { OperatorError, type OperatorErrorContext } from './operator-error.js';
export { PoisonRecordError } from './poison-record-error.js';
export { TopologyError } from './topology-error.js';
export { ConfigError } from './config-error.js';
export { ConnectionError } from './connection-error.js';
export { RetriesExhaustedError } from './retries-exhausted-error.js';
export { TimeoutError } from './timeout-error.js';
export { LateRecordError } from './late-record-error.js';
