import { events, type EventName, type EventPayloads, type InstrumentationEvent } from './events.js';

type Listener<N extends EventName> = (event: InstrumentationEvent<N>) => void;

/**
 * Typed instrumentation events. `on` checks the name and returns an unsubscribe function; a
 * listener that throws is logged and never disturbs the stream (KafkaJS instrumentation).
 */
export class InstrumentationEmitter {
  private nextId = 1;
  private readonly listeners = new Map<EventName, Set<Listener<never>>>();

  constructor(private readonly log: (message: string) => void = (m) => process.stderr.write(`${m}\n`)) {}

  on<N extends EventName>(name: N, listener: Listener<N>): () => void {
    if (!events.includes(name)) throw new TypeError(`unknown event "${String(name)}"; known events: ${events.join(', ')}`);
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(listener as Listener<never>);
    return () => void set.delete(listener as Listener<never>);
  }

  /** Whether anyone listens to `type`: the hot path skips building a payload nobody reads. */
  wants(type: EventName): boolean {
    return (this.listeners.get(type)?.size ?? 0) > 0;
  }

  emit<N extends EventName>(type: N, payload: EventPayloads[N]): void {
    const set = this.listeners.get(type);
    if (!set || set.size === 0) return;
    const event: InstrumentationEvent<N> = { id: this.nextId++, type, timestamp: Date.now(), payload };
    for (const listener of set) {
      try {
        (listener as Listener<N>)(event);
      } catch (e) {
        this.log(`vision-flow: a listener of ${type} threw, ignored: ${(e as Error).message}`);
      }
    }
  }
}
