/**
 * A wake-up signal: listeners subscribe and unsubscribe explicitly, so a poll that times out leaves
 * nothing behind (a promise-per-wait design would pile up unresolved promises on idle partitions).
 */
export class Signal {
  private readonly listeners = new Set<() => void>();

  /** Calls `fn` on every later `notify` until the returned function is called. */
  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => {
      this.listeners.delete(fn);
    };
  }

  notify(): void {
    for (const fn of [...this.listeners]) fn();
  }

  get size(): number {
    return this.listeners.size;
  }
}

/**
 * Resolves on the first notification of any of `signals`, or after `timeoutMs`. Every listener and
 * the timer are released either way.
 */
export function waitForAny(signals: readonly Signal[], timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const offs: Array<() => void> = [];
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      for (const off of offs) off();
      resolve();
    };
    const timer = setTimeout(finish, Math.max(0, timeoutMs));
    for (const s of signals) offs.push(s.subscribe(finish));
  });
}
