import { describe, expect, it } from 'vitest';
import { InstrumentationEmitter } from '@vision-flow/core';
import { droppedLines } from './dropped-lines.js';
import { RunMonitor } from './run-monitor.js';

describe('the run summary line for dropped records', () => {
  it('is absent when nothing was dropped', () => {
    const monitor = new RunMonitor(new InstrumentationEmitter());
    expect(droppedLines(monitor.droppedByNode())).toEqual([]);
  });

  it('counts each node\'s drops by reason and explains duplicates', () => {
    const emitter = new InstrumentationEmitter();
    const monitor = new RunMonitor(emitter);
    for (let i = 0; i < 3; i++) emitter.emit('node.record_dropped', { node: 'aggregate', reason: 'duplicate' });
    emitter.emit('node.record_dropped', { node: 'aggregate', reason: 'late' });
    emitter.emit('node.record_dropped', { node: 'counts', reason: 'null-key-or-value' });
    expect(droppedLines(monitor.droppedByNode())).toEqual([
      'dropped: aggregate (3 duplicate, 1 late), counts (1 null-key-or-value); a duplicate is a part of a key already complete within its retention (e.g. the same images run again), see docs/configuration.md',
    ]);
    monitor.close();
    emitter.emit('node.record_dropped', { node: 'aggregate', reason: 'duplicate' });
    expect(monitor.droppedByNode().get('aggregate')?.get('duplicate')).toBe(3);
  });
});
