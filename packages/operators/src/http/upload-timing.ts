/** The stages of an upload, in order; each lasts from the end of the one before. */
export type UploadStage = 'auth' | 'body' | 'check' | 'queue' | 'write';

/**
 * Where one upload's time went, from the request's arrival (its headers parsed) to its answer:
 * token check, body read, image check, waiting for the node to take the record, and the write (serialised,
 * produced and acknowledged). Sent as a `Server-Timing` header (W3C), so a client or a load bench
 * can tell a slow broker from a slow body or a blocked event loop without access to the server.
 */
export class UploadTiming {
  private readonly arrived = performance.now();
  private last = this.arrived;
  private readonly stages: Array<[UploadStage, number]> = [];

  /** Ends `stage` now. */
  mark(stage: UploadStage): void {
    const now = performance.now();
    this.stages.push([stage, now - this.last]);
    this.last = now;
  }

  /** `auth;dur=0.4, body;dur=1.2, …, total;dur=9.8` (ms): the stages ended so far and the time since arrival. */
  header(): string {
    return [...this.stages, ['total', performance.now() - this.arrived] as const].map(([name, ms]) => `${name};dur=${ms.toFixed(1)}`).join(', ');
  }
}
