import { expect, it } from 'vitest';
import { frameScale } from './frame.js';

it('frameScale gives original pixels per data pixel', () => {
  const frame = { width: 4000, height: 3000, dataWidth: 2000, dataHeight: 1500, data: new Uint8Array(0) };
  expect(frameScale(frame)).toEqual({ x: 2, y: 2 });
  expect(frameScale({ ...frame, dataWidth: 4000, dataHeight: 3000 })).toEqual({ x: 1, y: 1 });
});
