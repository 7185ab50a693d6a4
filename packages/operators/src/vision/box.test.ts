import { describe, expect, it } from 'vitest';
import { boxFromCorners } from './box.js';

describe('boxFromCorners', () => {
  it('turns corners into x, y, width, height', () => {
    expect(boxFromCorners(10, 20, 110, 70, 640, 480)).toEqual({ x: 10, y: 20, width: 100, height: 50 });
  });

  it('clips to the image', () => {
    expect(boxFromCorners(-15, -5, 700, 500, 640, 480)).toEqual({ x: 0, y: 0, width: 640, height: 480 });
  });

  it('accepts swapped corners', () => {
    expect(boxFromCorners(110, 70, 10, 20, 640, 480)).toEqual({ x: 10, y: 20, width: 100, height: 50 });
  });

  it('gives nothing for a box entirely outside the image', () => {
    expect(boxFromCorners(650, 10, 700, 50, 640, 480)).toBeUndefined();
  });
});
