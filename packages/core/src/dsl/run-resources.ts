/**
 * What the operators of one run share and the run closes when it stops: an inference worker pool
 * both detector nodes use, a connection pool. Each is made by the first operator that asks for it
 * and lives as long as the run (a TopologyRunner), so two runs in one process (two tests, a bench
 * and its peer) never share one, and nothing outlives the run that made it.
 *
 * @example
 * const pool = ctx.resources.get(POOL, () => new InferencePool(), (p) => p.close());
 */
export class RunResources {
  private readonly made = new Map<symbol, { readonly value: unknown; readonly close: (() => Promise<void>) | undefined; claimed: boolean }>();
  private closing: Promise<void> | undefined;

  /** The resource under `key`, made by `make` on first use; `close` runs when the run stops. */
  get<T>(key: symbol, make: () => T, close?: (value: T) => Promise<void>): T {
    if (this.closing) throw new Error(`run resources: ${String(key.description)} asked for after the run stopped`);
    const have = this.made.get(key);
    if (have) {
      have.claimed = true;
      return have.value as T;
    }
    const value = make();
    this.made.set(key, { value, close: close && (() => close(value)), claimed: true });
    return value;
  }

  /**
   * Makes the resource under `key` ahead of any operator asking for it, so that its start overlaps
   * other work (the CLI starts the inference workers while it loads the topology). The first `get`
   * takes it as made; `closeUnclaimed` closes it if none did (a run without a detector).
   */
  prepare<T>(key: symbol, make: () => T, close?: (value: T) => Promise<void>): void {
    if (this.closing || this.made.has(key)) return;
    const value = make();
    this.made.set(key, { value, close: close && (() => close(value)), claimed: false });
  }

  /** Closes what was prepared and never asked for; a later `get` of it makes a fresh one. */
  async closeUnclaimed(): Promise<void> {
    const unclaimed = [...this.made].filter(([, r]) => !r.claimed);
    for (const [key] of unclaimed) this.made.delete(key);
    await Promise.all(unclaimed.map(([, r]) => r.close?.()));
  }

  /** Closes every resource made, last made first; a failing close does not stop the others. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const errors: unknown[] = [];
      for (const { close } of [...this.made.values()].reverse()) {
        try {
          await close?.();
        } catch (e) {
          errors.push(e);
        }
      }
      this.made.clear();
      if (errors.length > 0) throw new AggregateError(errors, `run resources: ${errors.length} failed to close`);
    })();
    return this.closing;
  }
}
