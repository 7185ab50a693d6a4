import { VisionFlowError } from './vision-flow-error.js';

/**
 * Every window a record belongs to had closed (stream time had passed window end + grace) when it
 * arrived. Thrown by windowed aggregations before they touch any state, so the record path
 * dead-letters the input with code `LATE` and its lateness instead of dropping it silently.
 */
export class LateRecordError extends VisionFlowError {
  declare readonly context: Readonly<{ lateness: number; windowEnd: number; streamTime: number; operator: string }>;

  /** `lateness`: ms past the latest window's end + grace; `windowEnd`: that window's end. */
  constructor(operator: string, info: { lateness: number; windowEnd: number; streamTime: number }) {
    // A late record is data, not a fault in code: no stack is captured (it cost more than the rest of the record's path).
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super(
        `${operator}: record is ${info.lateness} ms late (its last window ended at ${info.windowEnd}, stream time is ${info.streamTime})`,
        { code: 'LATE', retriable: false },
        { ...info, operator },
      );
    } finally {
      Error.stackTraceLimit = limit;
    }
  }
}
