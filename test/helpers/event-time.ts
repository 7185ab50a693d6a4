const DAY = 86_400_000;

/**
 * The start of yesterday (UTC), as a base for a test's event times on the real broker. A fixed date
 * ages past the broker's retention (7 days by default): its log cleaner, every 5 minutes, then
 * deletes a topic's records in the middle of a test (seen in CI: a partition of window-counts gone
 * between writing and reading it). Yesterday's start is kept, is never ahead of the broker's clock,
 * and is the same in every process of a test unless one starts on the other side of midnight.
 */
export function retainedEventTimeBase(now = Date.now()): number {
  return Math.floor(now / DAY) * DAY - DAY;
}
