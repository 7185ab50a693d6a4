import { describe, expect, it } from 'vitest';
import { formatDuration } from './format-duration.js';

interface Case {
  readonly ms: number;
  readonly text: string;
}

describe('formatDuration', () => {
  it.each<Case>([
    { ms: 0, text: '0.0s' },
    { ms: 200, text: '0.2s' },
    { ms: 9_949, text: '9.9s' },
    { ms: 46_400, text: '46s' },
    { ms: 60_000, text: '1m 00s' },
    { ms: 185_000, text: '3m 05s' },
    { ms: 2 * 3_600_000 + 10 * 60_000, text: '2h 10m' },
    { ms: 50 * 3_600_000, text: '2d 02h' },
    { ms: -5, text: '0.0s' },
  ])('writes $ms ms as $text', ({ ms, text }) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
