/**
 * Watching a librdkafka handle for being cut off from the cluster for good.
 * librdkafka 2.15 (issue #5301) gets there when a broker that is shutting down answers a metadata
 * request with an empty broker list: it drops every broker it knows, and when their connection had
 * just failed, that same response cancels the re-bootstrap the failure had scheduled. Nothing in
 * the client brings a broker back after that, whatever the cluster does; only a new client recovers.
 * replaceable-handle.ts acts on it for every client; the upstream fix (PR #5303) makes both unnecessary.
 */

/** How often librdkafka reports statistics, whose broker list shows a cut-off handle; a user setting wins. */
export const CUT_OFF_STATS_INTERVAL_MS = 5_000;
/** Reports in a row without a broker before the handle is replaced: one may fall between a removal and a re-bootstrap. */
const CUT_OFF_REPORTS = 2;

/**
 * Whether a librdkafka statistics report (its JSON) shows a client left without any broker: no
 * bootstrap server and none learned from metadata, only the logical group-coordinator handle.
 */
export function statsShowNoBroker(json: string): boolean {
  let stats: unknown;
  try {
    stats = JSON.parse(json);
  } catch {
    return false;
  }
  const brokers = (stats as { brokers?: unknown } | null)?.brokers;
  if (typeof brokers !== 'object' || brokers === null) return false;
  return !Object.values(brokers).some((b) => {
    const source = (b as { source?: unknown } | null)?.source;
    return source === 'configured' || source === 'learned';
  });
}

/** Counts statistics reports without a broker and calls `onCutOff` after enough of them in a row. */
export class CutOffWatch {
  private reportsWithoutBroker = 0;

  constructor(private readonly onCutOff: () => void) {}

  /** Feeds one statistics report (the `event.stats` message) of the current handle. */
  report(json: string): void {
    if (!statsShowNoBroker(json)) {
      this.reportsWithoutBroker = 0;
      return;
    }
    if (++this.reportsWithoutBroker >= CUT_OFF_REPORTS) {
      this.reportsWithoutBroker = 0;
      this.onCutOff();
    }
  }
}
