import { afterEach, beforeEach, describe } from 'vitest';
import type { Transport } from '@vision-flow/core';
import { ConformanceContext, FAST, SLOW, type Member, type Timing } from './conformance-context.js';
import { assertDisjoint } from './conformance-helpers.js';
import { consumerGroupsConformance } from './conformance-groups.js';
import { flowControlConformance } from './conformance-flow.js';
import { produceConsumeConformance } from './conformance-produce.js';
import { topicsConformance } from './conformance-topics.js';

export interface ConformanceOptions {
  /** A real broker on a small machine: longer deadlines and polls. */
  readonly slow?: boolean;
}

/** What each conformance section gets from the suite: the current test's context and the shared waits. */
export interface ConformanceSuite {
  readonly timing: Timing;
  /** The context of the running test (a new one per test). */
  ctx(): ConformanceContext;
  /** Keeps the members polling until `done` holds, failing at once if a partition is ever owned twice. */
  settle(members: readonly Member[], what: string, done: () => boolean): Promise<void>;
  consumeAll(member: Member, count: number, max?: number): Promise<void>;
}

/**
 * The behaviour every Transport must have, run against each implementation (memory, kafka).
 * Written against the Transport interface only; every test uses its own random topics and groups,
 * waits for conditions in polling loops with generous deadlines instead of fixed sleeps, and
 * releases what it made. The sections live in conformance-*.ts.
 */
export function describeTransportConformance(name: string, makeTransport: () => Promise<Transport>, opts: ConformanceOptions = {}): void {
  const timing: Timing = opts.slow ? SLOW : FAST;

  describe(`Transport conformance: ${name}`, () => {
    let ctx: ConformanceContext;

    beforeEach(() => {
      ctx = new ConformanceContext(makeTransport, timing);
    });

    afterEach(async () => {
      await ctx.cleanup();
    });

    const suite: ConformanceSuite = {
      timing,
      ctx: () => ctx,
      settle: (members, what, done) => ctx.pollUntil(members, what, done, () => assertDisjoint(members)),
      consumeAll: (member, count, max = 500) => ctx.pollUntil([member], `${member.name} to receive ${count} records`, () => member.received.length >= count, undefined, max),
    };
    topicsConformance(suite);
    produceConsumeConformance(suite);
    consumerGroupsConformance(suite);
    flowControlConformance(suite);
  });
}
