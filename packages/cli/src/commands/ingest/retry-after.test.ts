import { describe, expect, it } from 'vitest';
import { retryAfterMs } from './retry-after.js';

describe('retryAfterMs', () => {
  const now = Date.parse('2026-12-03T12:00:00Z');
  it.each([
    { header: '3', ms: 3000 },
    { header: ' 0 ', ms: 0 },
    { header: 'Thu, 03 Dec 2026 12:00:05 GMT', ms: 5000 },
    { header: 'Thu, 03 Dec 2026 11:59:00 GMT', ms: 0 },
    { header: 'soon', ms: undefined },
    { header: null, ms: undefined },
  ])('reads $header as $ms ms', ({ header, ms }) => {
    expect(retryAfterMs(header, now)).toBe(ms);
  });
});
