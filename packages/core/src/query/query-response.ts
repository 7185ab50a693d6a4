/** What a query route answers: an HTTP status and a JSON body. */
export interface QueryResponse {
  readonly status: number;
  readonly body: unknown;
}

/** JSON of a store value: Avro bytes as base64, so any value can be written. */
export function toJson(body: unknown): string {
  return JSON.stringify(body, (_k, v: unknown) => {
    if (v && typeof v === 'object' && (v as { type?: unknown }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data)) {
      return Buffer.from((v as { data: number[] }).data).toString('base64');
    }
    return typeof v === 'bigint' ? v.toString() : v;
  });
}
