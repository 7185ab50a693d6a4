import { describe, expect, it } from 'vitest';
import { continueTrace, parseTraceparent, SpanIds, w3cTraceIdOf } from './traceparent.js';

interface Case {
  readonly text: string | undefined;
  readonly valid: boolean;
}

describe('traceparent', () => {
  it.each<Case>([
    { text: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', valid: true },
    { text: '01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future', valid: true },
    { text: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra', valid: false },
    { text: 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', valid: false },
    { text: '00-00000000000000000000000000000000-00f067aa0ba902b7-01', valid: false },
    { text: '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01', valid: false },
    { text: '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01', valid: false },
    { text: 'garbage', valid: false },
    { text: undefined, valid: false },
  ])('parses $text as valid=$valid', ({ text, valid }) => {
    expect(parseTraceparent(text) !== undefined).toBe(valid);
  });

  it('continues a parent: same trace id and flags, a new span id', () => {
    const spans = new SpanIds();
    const next = parseTraceparent(continueTrace('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00', 'ignored', spans))!;
    expect(next).toMatchObject({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', flags: '00' });
    expect(next.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(next.spanId).not.toBe('00f067aa0ba902b7');
  });

  it('derives the trace from the vision-flow trace id when there is no valid parent, the same in every node', () => {
    const a = parseTraceparent(continueTrace(undefined, 'cam-1/img-7', new SpanIds()))!;
    const b = parseTraceparent(continueTrace('not-a-traceparent', 'cam-1/img-7', new SpanIds()))!;
    expect(a.traceId).toBe(w3cTraceIdOf('cam-1/img-7'));
    expect(b.traceId).toBe(a.traceId);
    expect(a.flags).toBe('01');
    expect(continueTrace(undefined, undefined, new SpanIds())).toBeUndefined();
  });

  it('hands out distinct span ids past the size of its pool', () => {
    const spans = new SpanIds();
    const ids = Array.from({ length: 2000 }, () => spans.take());
    expect(new Set(ids).size).toBe(2000);
  });
});
