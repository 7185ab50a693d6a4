export interface VisionFlowErrorOptions {
  /** Stable machine-readable code, e.g. `IMAGE_TOO_LARGE`; dead-letter headers and metrics use it. */
  readonly code: string;
  /** Whether trying the same work again may succeed. Defaults to true, as in KafkaJS. */
  readonly retriable?: boolean;
  readonly cause?: unknown;
}

/** Context values are flat so they copy straight into dead-letter headers and log lines. */
export type ErrorContext = Readonly<{ [field: string]: string | number | boolean | undefined }>;

/**
 * The one base class of every error vision-flow raises on purpose. `code` is stable across
 * versions; `retriable` tells the retry policy whether to try again.
 */
const ERROR = Symbol.for('vision-flow.error');

export class VisionFlowError extends Error {
  readonly [ERROR] = true;
  readonly code: string;
  readonly context: ErrorContext;
  private readonly isRetriable: boolean;

  constructor(message: string, opts: VisionFlowErrorOptions, context: ErrorContext = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = opts.code;
    this.isRetriable = opts.retriable ?? true;
    this.context = context;
  }

  get retriable(): boolean {
    return this.isRetriable;
  }
}

/** Whether `e` is a VisionFlowError, even one thrown by another copy of @vision-flow/core. */
export const isVisionFlowError = (e: unknown): e is VisionFlowError => typeof e === 'object' && e !== null && (e as { [ERROR]?: unknown })[ERROR] === true;

/** The message of any thrown value, for logs and headers. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return typeof e === 'string' ? e : JSON.stringify(e);
}

/** The code of any thrown value: a VisionFlowError's own, else a generic one by kind. */
export function errorCode(e: unknown): string {
  if (isVisionFlowError(e)) return e.code;
  if (e instanceof TypeError || e instanceof RangeError) return 'PROGRAMMING_ERROR';
  return 'UNEXPECTED_ERROR';
}
