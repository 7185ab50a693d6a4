import type { StateStore } from '../../state/state-store.js';
import { settleAll } from '../settle.js';
import { Task, type TaskDeps } from './task.js';

/**
 * A node's tasks by partition number (Kafka Streams' TaskManager): made when a partition is
 * first seen or assigned, closed when no input topic of that number stays owned.
 */
export class TaskSet {
  private readonly tasks = new Map<number, Task>();

  constructor(private readonly deps: TaskDeps) {}

  taskFor(partition: number): Task {
    let task = this.tasks.get(partition);
    if (!task) this.tasks.set(partition, (task = new Task(this.deps, partition)));
    return task;
  }

  /** The running task of a partition, for query views. */
  get(partition: number): Task | undefined {
    return this.tasks.get(partition);
  }

  /** Each running task's store `name`, by partition. */
  stores(name: string): Map<number, StateStore> {
    const found = new Map<number, StateStore>();
    for (const [p, task] of this.tasks) {
      const store = task.store(name);
      if (store) found.set(p, store);
    }
    return found;
  }

  partitions(): number[] {
    return [...this.tasks.keys()];
  }

  close(partition: number): void {
    this.tasks.get(partition)?.close();
    this.tasks.delete(partition);
  }

  closeAll(): void {
    for (const t of this.tasks.values()) t.close();
    this.tasks.clear();
  }

  /** No punctuation output or background changelog write pending in any task. */
  get isIdle(): boolean {
    return [...this.tasks.values()].every((t) => t.pendingBackground === 0);
  }

  /** Each task's `idle()`, so a caller can bound each wait. */
  idle(): Promise<void>[] {
    return [...this.tasks.values()].map((t) => t.idle());
  }

  /** Every task emits what its processors hold back; resolves once that is durable. */
  flush(): Promise<void> {
    return settleAll([...this.tasks.values()].map((t) => t.flush()));
  }

  /** The bounded input ended upstream: stateful processors emit what is final now. */
  endOfInput(): Promise<void> {
    return settleAll([...this.tasks.values()].map((t) => t.endOfInput()));
  }
}
