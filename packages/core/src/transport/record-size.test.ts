import { describe, expect, it } from 'vitest';
import { recordBatchBytes, recordBatchBytesAtMost } from './record-size.js';

describe('recordBatchBytesAtMost', () => {
  const key = Buffer.from('key-1');
  const value = Buffer.alloc(979, 7);

  it('equals the exact size without headers', () => {
    expect(recordBatchBytesAtMost(key, value, undefined)).toBe(recordBatchBytes(key, value, undefined));
    expect(recordBatchBytesAtMost(null, null, {})).toBe(recordBatchBytes(null, null, {}));
  });

  it('is never below the exact size, whatever the headers hold (ASCII, 2- and 3-byte characters, surrogate pairs)', () => {
    for (const text of ['bench.in/3/42', 'é ü ß', '日本語のヘッダー', '😀🚀', '']) {
      const headers = { 'vf-origin': text, [text || 'x']: 'traceparent' };
      expect(recordBatchBytesAtMost(key, value, headers)).toBeGreaterThanOrEqual(recordBatchBytes(key, value, headers));
    }
  });

  it('counts 3 bytes per header character, so a 3-byte-character header is measured exactly', () => {
    const headers = { 'ヘ': '日本' };
    expect(recordBatchBytesAtMost(key, value, headers)).toBe(recordBatchBytes(key, value, headers));
  });
});
