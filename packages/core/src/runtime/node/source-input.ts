import type { SourceReader } from '../../dsl/source.js';
import type { InstrumentationEmitter } from '../../instrumentation/emitter.js';
import { keyToText } from '../../records/key-text.js';
import type { InFlightLimiter } from '../in-flight-limiter.js';
import type { OrderedDispatcher } from '../ordered-dispatcher.js';
import type { RecordPath } from './record-path.js';
import { SourceInbound } from './source-inbound.js';
import type { Task } from './task.js';

/** The in-flight limiter's partition key for a source's records. */
const SOURCE = 'source';

export interface SourceInputOptions {
  readonly node: string;
  readonly reader: SourceReader<unknown, unknown>;
  readonly task: Task;
  readonly limiter: InFlightLimiter;
  readonly dispatcher: OrderedDispatcher;
  readonly path: RecordPath;
  readonly emitter: InstrumentationEmitter;
  /** The node has processors: each record gets its place in stream time. */
  readonly stateful: boolean;
}

/**
 * A node's input from a source: pull-based, `next()` is called only while the node has a free
 * in-flight slot, so a source never runs ahead of the slowest stage.
 */
export class SourceInput {
  private running = true;
  private exhausted = false;

  constructor(private readonly opts: SourceInputOptions) {}

  get isExhausted(): boolean {
    return this.exhausted;
  }

  /**
   * Pulls until the source is exhausted or `stopPulling()`. Resolves 'exhausted' once every record
   * of a drained source is durable (outputs or dead letters), else 'stopped'.
   */
  async run(): Promise<'exhausted' | 'stopped'> {
    const { reader, task, limiter, dispatcher, path } = this.opts;
    let records = 0;
    while (this.running) {
      await limiter.whenFree();
      if (!this.running) break;
      const envelope = await reader.next();
      if (!envelope) {
        this.exhausted = true;
        break;
      }
      records++;
      limiter.acquire(SOURCE);
      const n = records;
      const lane = dispatcher.byKey ? () => keyToText(envelope.record.key) ?? `#${n}` : '';
      const position = this.opts.stateful ? task.admit(envelope.record.timestamp) : undefined;
      const inbound = new SourceInbound(envelope, this.opts.node, position?.streamTime);
      dispatcher.dispatch(SOURCE, lane, (next) =>
        path.run(inbound, task, () => {
          if (position) task.completed(position);
          limiter.release(SOURCE);
          next();
        }),
      );
    }
    if (!this.exhausted || !this.running) return 'stopped';
    await limiter.whenDrained();
    await task.idle();
    this.opts.emitter.emit('source.exhausted', { node: this.opts.node, records });
    return 'exhausted';
  }

  stopPulling(): void {
    this.running = false;
  }
}
