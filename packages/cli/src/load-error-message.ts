import { fileURLToPath } from 'node:url';

/**
 * Why a topology module could not be imported, on one line. Syntax errors come in two shapes and
 * both become `syntax error at <file>:<line>:<column>: <what the parser says>`, columns counted
 * from 1 as editors do:
 * - from esbuild (for .ts, bundled or through tsx): "Build failed with 1 error:\n<file>:<line>:<col>:
 *   ERROR: <text>" ("Transform failed" from tsx), its column counted from 0;
 * - from Node (for .js): a SyntaxError whose stack starts "<file>:<line>\n<source line>\n<caret>".
 */
export function loadErrorMessage(e: unknown): string {
  if (!(e instanceof Error)) return oneLine(String(e));
  const esbuild = /^(?:Build|Transform) failed with (\d+) errors?:\n(?:(.+):(\d+):(\d+): )?ERROR: (.*)$/m.exec(e.message);
  if (esbuild) {
    const [, count, file, line, column, text] = esbuild;
    const more = Number(count) > 1 ? ` (and ${Number(count) - 1} more)` : '';
    return `syntax error${file ? ` at ${file}:${line}:${Number(column) + 1}` : ''}: ${text!}${more}`;
  }
  if (e.name === 'SyntaxError') {
    const node = /^(.+):(\d+)\n.*\n( *)\^/.exec(e.stack ?? '');
    const file = node && (node[1]!.startsWith('file:') ? fileURLToPath(node[1]!) : node[1]!);
    return `syntax error${node ? ` at ${file}:${node[2]}:${node[3]!.length + 1}` : ''}: ${oneLine(e.message)}`;
  }
  return oneLine(e.message);
}

const oneLine = (s: string) =>
  s
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .join(' ');
