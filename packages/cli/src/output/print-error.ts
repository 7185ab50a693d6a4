import { isVisionFlowError } from '@vision-flow/core';

/** One clear line for errors a user caused (config, input); the stack only for unexpected ones. */
export function formatError(e: unknown, verbose = false): string {
  if (isVisionFlowError(e)) {
    // `--images <dir>` is this CLI's shortcut for `--set images=<dir>`; core only knows --set.
    const shortcut = e.context['param'] === 'images' ? ' (or --images <dir>)' : '';
    const base = `vision-flow: ${e.message}${shortcut}`;
    return verbose && e.stack ? `${base}\n${e.stack}` : base;
  }
  if (e instanceof Error) return `vision-flow: unexpected error: ${e.message}${e.stack ? `\n${e.stack}` : ''}`;
  return `vision-flow: unexpected error: ${String(e)}`;
}

export function printError(e: unknown, verbose = false): void {
  process.stderr.write(`${formatError(e, verbose)}\n`);
}
