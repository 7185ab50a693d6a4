import { createInterface } from 'node:readline';

/** Calls `onLine` for each line of `stream` (a last line without newline too); resolves when it ends. */
export function readLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): Promise<void> {
  return new Promise((resolve) => {
    const lines = createInterface({ input: stream, crlfDelay: Infinity });
    lines.on('line', onLine);
    lines.once('close', resolve);
    // A broken pipe ends the lines; the exit of the node is what the supervisor acts on.
    stream.once('error', () => lines.close());
  });
}
