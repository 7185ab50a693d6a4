import { describe, expect, it } from 'vitest';
import { record } from './record.js';

describe('StreamRecord', () => {
  const r = record({ key: 'img-1', value: { n: 1 }, timestamp: 10, headers: { a: '1' }, source: { topic: 't', partition: 2, offset: 7 } });

  it('copies with a new value and keeps key, timestamp, headers and source', () => {
    const c = r.withValue('x');
    expect(c.value).toBe('x');
    expect([c.key, c.timestamp, c.headers, c.source]).toEqual(['img-1', 10, { a: '1' }, { topic: 't', partition: 2, offset: 7 }]);
  });

  it('merges headers instead of replacing them', () => {
    expect(r.withHeaders({ b: '2' }).headers).toEqual({ a: '1', b: '2' });
  });

  it('is frozen so operators cannot mutate a shared record', () => {
    expect(Object.isFrozen(r)).toBe(true);
    expect(() => {
      (r as unknown as { key: string }).key = 'other';
    }).toThrow(TypeError);
  });
});
