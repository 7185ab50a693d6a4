/**
 * Waits for every promise to settle, then rethrows the first failure. Unlike Promise.all it never
 * leaves a later rejection unhandled (which would crash Node) and never reports early while
 * sibling outputs are still being written.
 */
export async function settleAll(promises: readonly Promise<unknown>[]): Promise<void> {
  if (promises.length === 0) return;
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
