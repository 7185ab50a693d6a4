import { Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { HeaderNames, avro, param, record, session, topic, type Infer, type Rec } from '@vision-flow/core';
import { collectByKey, type Collected, type CollectReason } from './collect-by-key.js';

// One frame is 1 ms of virtual time. A timeout of T ms is checked every T/4 ms, so with the
// timeouts used here the check runs every frame (4 ms) or every 10th frame (40 ms). Event
// timestamps are given per record: the session window follows them, not the frames.

const Found = avro.record('t.collect.Found', { n: avro.int() });
const objects = topic('objects', { value: Found });
const faces = topic('faces', { value: Found });
type Parts = { objects: typeof objects; faces: typeof faces };
type Result = Rec<string, Collected<Parts>>;

let offset = 0;
/** A part as the node reads it: from its topic, with an event timestamp. */
const part = (from: typeof objects, key: string, n: number, timestamp = 0): Rec<string, Infer<typeof Found>> =>
  record({ key, value: { n }, timestamp, source: { topic: from.name, partition: 0, offset: offset++ } });

const O = { n: 1 };
const F = { n: 2 };

/** The result the operator emits, at `timestamp` (event time of the part that made it). */
function result(key: string, o: typeof O | null, f: typeof F | null, reason: CollectReason, firstSeenAt: number, at: number, timestamp = 0): Result {
  const missing = [...(o ? [] : ['objects']), ...(f ? [] : ['faces'])];
  const complete = (reason === 'complete' || reason === 'late') && missing.length === 0;
  return record({ key, value: { parts: { objects: o, faces: f }, complete, missing, reason, firstSeenAt, waitedMs: at - firstSeenAt }, timestamp });
}

const scheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('collectByKey', () => {
  it('emits one complete result when every part arrives in time', () => {
    const sched = scheduler();
    sched.run(({ hot, expectObservable }) => {
      const input    = hot('-o-f-|', { o: part(objects, 'img', 1), f: part(faces, 'img', 2) });
      const expected =     '---c-|';
      expectObservable(input.pipe(collectByKey({ parts: { objects, faces }, timeout: 4, scheduler: sched }))).toBe(expected, {
        c: result('img', O, F, 'complete', 1, 3),
      });
    });
  });

  it('emits a partial result naming the missing part at the timeout, then the complete result when that part arrives late', () => {
    const sched = scheduler();
    sched.run(({ hot, expectObservable }) => {
      const input    = hot('-o------f-|', { o: part(objects, 'img', 1), f: part(faces, 'img', 2) });
      const expected =     '-----p--l-|';
      expectObservable(input.pipe(collectByKey({ parts: { objects, faces }, timeout: 4, scheduler: sched }))).toBe(expected, {
        p: result('img', O, null, 'timeout', 1, 5),
        l: result('img', O, F, 'late', 1, 8),
      });
    });
  });

  it('neither repeats nor changes a complete result when a part is delivered again', () => {
    const sched = scheduler();
    sched.run(({ hot, expectObservable }) => {
      const input    = hot('-o-f-f-o---|', { o: part(objects, 'img', 1), f: part(faces, 'img', 2) });
      const expected =     '---c-------|';
      expectObservable(input.pipe(collectByKey({ parts: { objects, faces }, timeout: 4, scheduler: sched }))).toBe(expected, {
        c: result('img', O, F, 'complete', 1, 3),
      });
    });
  });

  it('neither repeats nor changes a partial result when the part it has is delivered again', () => {
    const sched = scheduler();
    sched.run(({ hot, expectObservable }) => {
      const input    = hot('-o-----o-f-|', { o: part(objects, 'img', 1), f: part(faces, 'img', 2) });
      const expected =     '-----p---l-|';
      expectObservable(input.pipe(collectByKey({ parts: { objects, faces }, timeout: 4, scheduler: sched }))).toBe(expected, {
        p: result('img', O, null, 'timeout', 1, 5),
        l: result('img', O, F, 'late', 1, 9),
      });
    });
  });

  it('emits a partial result when stream time passes the end of the key\'s session window', () => {
    const sched = scheduler();
    sched.run(({ hot, expectObservable }) => {
      // b's event time (100) is past a's session (0 + gap 50): a's window is closed at the next check (frame 10).
      const input    = hot('-ab--------f|', { a: part(objects, 'a', 1, 0), b: part(objects, 'b', 1, 100), f: part(faces, 'b', 2, 100) });
      const expected =     '----------wc|';
      expectObservable(input.pipe(collectByKey({ parts: { objects, faces }, window: session(50), timeout: 40, scheduler: sched }))).toBe(expected, {
        w: result('a', O, null, 'window-closed', 1, 10, 0),
        c: result('b', O, F, 'complete', 2, 11, 100),
      });
    });
  });

  it('emits the joins still open as partial results when a bounded input ends', () => {
    const sched = scheduler();
    sched.run(({ hot, expectObservable }) => {
      const input    = hot('-o--|   ', { o: part(objects, 'img', 1) });
      const expected =     '----(e|)';
      expectObservable(input.pipe(collectByKey({ parts: { objects, faces }, timeout: 40, scheduler: sched }))).toBe(expected, {
        e: result('img', O, null, 'end-of-input', 1, 4),
      });
    });
  });

  it('takes a timeout given as a parameter from its default outside a node', () => {
    const sched = scheduler();
    sched.run(({ hot, expectObservable }) => {
      const input    = hot('-o------|', { o: part(objects, 'img', 1) });
      const expected =     '-----p--|';
      expectObservable(input.pipe(collectByKey({ parts: { objects, faces }, timeout: param('timeout', { default: 4 }), scheduler: sched }))).toBe(expected, {
        p: result('img', O, null, 'timeout', 1, 5),
      });
    });
  });

  // The marble runs above end before any result's durability promise settles. Here results settle
  // (the store marks them sent) before the next part arrives, as they do in a running node.
  it("carries whose record it is (vf-tenant, vf-token) from the first part to the result, and no other header", async () => {
    const input = new Subject<Rec<string, Infer<typeof Found>>>();
    const out: Result[] = [];
    const done = new Promise<void>((resolve) => input.pipe(collectByKey({ parts: { objects, faces }, timeout: 1000 })).subscribe({ next: (r) => out.push(r), complete: resolve }));
    const tenancy = { [HeaderNames.tenant]: 'acme', [HeaderNames.token]: 'eyJ.token.sig' };
    input.next(part(objects, 'img', 1).withHeaders({ ...tenancy, 'x-other': 'dropped' }));
    input.next(part(faces, 'img', 2).withHeaders({ [HeaderNames.tenant]: 'acme' }));
    input.complete();
    await done;
    expect(out.map((r) => [r.value.reason, r.headers])).toEqual([['complete', tenancy]]);
  });

  it('completes a partial result whose sending has settled, and then ignores further copies of its parts', async () => {
    const input = new Subject<Rec<string, Infer<typeof Found>>>();
    const out: Result[] = [];
    const done = new Promise<void>((resolve) => input.pipe(collectByKey({ parts: { objects, faces }, timeout: 20 })).subscribe({ next: (r) => out.push(r), complete: resolve }));
    input.next(part(objects, 'img', 1));
    await until(() => out.length === 1);
    await new Promise((r) => setTimeout(r, 30)); // the partial result's marker is written
    input.next(part(faces, 'img', 2));
    input.next(part(faces, 'img', 2));
    await new Promise((r) => setTimeout(r, 30));
    input.next(part(objects, 'img', 1));
    input.complete();
    await done;
    expect(out.map((r) => [r.key, r.value.reason, r.value.complete, r.value.missing, r.value.parts])).toEqual([
      ['img', 'timeout', false, ['faces'], { objects: O, faces: null }],
      ['img', 'late', true, [], { objects: O, faces: F }],
    ]);
  });
});

async function until(check: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}
