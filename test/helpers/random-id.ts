import { randomBytes } from 'node:crypto';

/**
 * A short random id for names that must not collide between tests or runs, e.g. `t-${randomId()}`
 * for a topic. Lower-case hex, so it is legal in Kafka topic and group names.
 */
export function randomId(bytes = 6): string {
  return randomBytes(bytes).toString('hex');
}
