/** Where an input stands in its task's admission order, and the stream time at that place. */
export interface InputPosition {
  readonly seq: number;
  /** The highest timestamp of this input and of every input admitted before it. */
  readonly streamTime: number;
}

/**
 * A task's stream time, in the order its inputs were read (partition offset order), whatever
 * order the node then processes them in. Kafka Streams processes a task's records one at a
 * time, so its stream time is the highest timestamp so far; a node with `ordering: 'key'` lets a
 * later record of another key overtake, which would push stream time ahead and make the overtaken
 * records look late. So each input carries the stream time of its own place in the partition
 * (what decides whether it is late), and the task's clock (what closes windows and drives
 * stream-time punctuation) only moves to the stream time of the longest prefix of inputs that
 * are all done, so no window closes before an input that belongs in it was processed.
 */
export class StreamTime {
  private admitted = -Infinity;
  private nextSeq = 0;
  /** Stream times of the inputs from `headSeq` on, and which of them are done. */
  private readonly times: number[] = [];
  private readonly done: boolean[] = [];
  private head = 0;
  private headSeq = 0;

  /** An input was read, with its event timestamp; returns its place. */
  admit(timestamp: number): InputPosition {
    if (timestamp > this.admitted) this.admitted = timestamp;
    this.times.push(this.admitted);
    this.done.push(false);
    return { seq: this.nextSeq++, streamTime: this.admitted };
  }

  /**
   * An input is done (processed, dead-lettered or dropped). Returns the stream time of the
   * completed prefix when it moved, else undefined.
   */
  complete(position: InputPosition): number | undefined {
    const i = this.head + position.seq - this.headSeq;
    if (i < this.head || i >= this.done.length || this.done[i]) return undefined;
    this.done[i] = true;
    let moved: number | undefined;
    while (this.head < this.done.length && this.done[this.head]) {
      moved = this.times[this.head];
      this.head++;
      this.headSeq++;
    }
    // Compact now and then so the arrays do not grow with the task's history.
    if (this.head > 1024 && this.head * 2 > this.done.length) {
      this.times.splice(0, this.head);
      this.done.splice(0, this.head);
      this.head = 0;
    }
    return moved;
  }
}
