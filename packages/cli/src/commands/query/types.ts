export interface QueryOptions {
  /** Ask this instance (e.g. http://127.0.0.1:7070) instead of finding one in the instances topic. */
  readonly url?: string;
  /** Window stores: window start times from/to, both inclusive; epoch ms or ISO 8601. */
  readonly from?: string;
  readonly to?: string;
  /** The node whose store to ask, when several nodes have a store of that name. */
  readonly node?: string;
  readonly brokers?: string;
  readonly registry?: string;
  readonly namespace?: string;
  readonly config?: string;
}

export interface QueryResult {
  /** 0: found; 1: the key (or store) is not there. */
  readonly exitCode: number;
  /** The answer's JSON, for standard output. */
  readonly json: string;
  /** What happened on the way (a redirect to the owner), for standard error. */
  readonly notes: readonly string[];
}
