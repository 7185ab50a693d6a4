import { VisionFlowError, type ErrorContext } from '@vision-flow/core';

/** The RFC 9457 body every refusal of the ingest endpoint carries (`application/problem+json`). */
export interface ProblemBody {
  /** A URI naming the kind of problem; stable, documented in docs/ingest.md. */
  readonly type: string;
  readonly title: string;
  readonly status: number;
  /** What is wrong with this request, and how to fix it. */
  readonly detail: string;
  readonly [extension: string]: unknown;
}

/** Problem types live under this base; the fragment is the problem's code in kebab-case. */
export const PROBLEM_BASE = 'https://vision-flow.dev/problems/';

/**
 * A refusal of an HTTP request: status, an RFC 9457 body, and the response headers it needs
 * (`Retry-After`, `WWW-Authenticate`). Retriable when the client may simply try again later.
 */
export class HttpProblem extends VisionFlowError {
  constructor(
    readonly status: number,
    code: string,
    readonly title: string,
    detail: string,
    readonly headers: { readonly [name: string]: string } = {},
    context: ErrorContext = {},
    cause?: unknown,
  ) {
    super(detail, { code, retriable: status === 429 || status === 503, cause }, context);
  }

  body(instance?: string): ProblemBody {
    return { type: PROBLEM_BASE + this.code.toLowerCase().replace(/_/g, '-'), title: this.title, status: this.status, detail: this.message, code: this.code, ...(instance ? { instance } : {}), ...this.context };
  }
}
