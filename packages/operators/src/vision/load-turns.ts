/** What a worker gets to wait for its turn: how many workers must have loaded before it starts loading. */
export interface LoadTurn {
  readonly loaded: Int32Array;
  readonly after: number;
  readonly timeoutMs: number;
}

/**
 * Inference workers started together take turns to load ONNX Runtime, the JPEG decoder and the
 * WebAssembly resize (~70 ms of a core each): at most one fewer than the cores at once, so the
 * thread that started them keeps a core to itself. That thread is loading the CLI, the runtime and
 * the topology at that moment, the start's critical path: with both workers loading beside it on
 * two cores, three threads shared two and the first result came ~30 ms later (one image, 12
 * alternated pairs). A worker waits at most `timeoutMs` for its turn, so a slow or failed load
 * never holds the others up for longer. Shared between threads through a SharedArrayBuffer.
 */
export class LoadTurns {
  private readonly loaded = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  private given = 0;

  constructor(
    private readonly atOnce: number,
    private readonly timeoutMs = 250,
  ) {}

  /** The next worker's turn: the first `atOnce` load at once, each later one after one more has loaded. */
  next(): LoadTurn {
    const after = Math.max(0, this.given++ - this.atOnce + 1);
    return { loaded: this.loaded, after, timeoutMs: this.timeoutMs };
  }
}

/** In the worker, before it loads: blocks until its turn (or its timeout). */
export function awaitLoadTurn(turn: LoadTurn): void {
  const deadline = Date.now() + turn.timeoutMs;
  for (let loaded = Atomics.load(turn.loaded, 0); loaded < turn.after; loaded = Atomics.load(turn.loaded, 0)) {
    const left = deadline - Date.now();
    if (left <= 0) return;
    Atomics.wait(turn.loaded, 0, loaded, left);
  }
}

/** In the worker, once it has loaded (or failed to): the next one may start. */
export function loadTurnDone(turn: LoadTurn): void {
  Atomics.add(turn.loaded, 0, 1);
  Atomics.notify(turn.loaded, 0);
}
