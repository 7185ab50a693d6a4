import type { JsonValue } from '../types.js';

type Params = Readonly<{ [name: string]: JsonValue | undefined }>;

let current: Params = Object.freeze({});

/**
 * The topology parameters of the run in this process (`--set name=value`). Sources receive them
 * in their context; operators, which are plain RxJS functions, read them here when their first
 * record arrives. One topology runs per process, so one set of parameters is enough.
 */
export function runtimeParams(): Params {
  return current;
}

/** @internal set by TopologyRunner when it starts. */
export function setRuntimeParams(params: Params): void {
  current = Object.freeze({ ...params });
}
