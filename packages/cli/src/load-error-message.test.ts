import { Script } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { loadErrorMessage } from './load-error-message.js';

/** The error tsx passes on from esbuild for a .ts file with a syntax error (message as observed). */
const esbuildError = (...lines: string[]) => new Error(`Transform failed with ${lines.length} error${lines.length > 1 ? 's' : ''}:\n${lines.join('\n')}`);

function syntaxErrorOf(source: string, filename: string): unknown {
  try {
    new Script(source, { filename });
  } catch (e) {
    return e;
  }
  throw new Error('expected a syntax error');
}

describe('loadErrorMessage', () => {
  it('puts an esbuild syntax error on one line: file, line, column counted from 1, the message', () => {
    expect(loadErrorMessage(esbuildError('/tmp/t/bad.ts:3:27: ERROR: Unexpected ";"'))).toBe('syntax error at /tmp/t/bad.ts:3:28: Unexpected ";"');
  });

  it("reads esbuild's build errors (a bundled .ts topology) the same way", () => {
    const e = new Error('Build failed with 1 error:\n/tmp/t/bad.ts:3:27: ERROR: Unexpected ";"');
    expect(loadErrorMessage(e)).toBe('syntax error at /tmp/t/bad.ts:3:28: Unexpected ";"');
  });

  it('says how many more errors esbuild found', () => {
    const e = esbuildError('/tmp/t/bad.ts:3:27: ERROR: Unexpected ";"', '/tmp/t/bad.ts:9:0: ERROR: Expected "}" but found end of file');
    expect(loadErrorMessage(e)).toBe('syntax error at /tmp/t/bad.ts:3:28: Unexpected ";" (and 1 more)');
  });

  it("puts Node's SyntaxError on one line with the line and the caret's column", () => {
    const e = syntaxErrorOf('const x = 1;\nconst y = (2 + ;\n', '/tmp/t/bad.js');
    expect(loadErrorMessage(e)).toBe("syntax error at /tmp/t/bad.js:2:16: Unexpected token ';'");
  });

  it('gives the message alone when Node says nowhere', () => {
    const e = new SyntaxError('Unexpected end of input');
    e.stack = 'SyntaxError: Unexpected end of input\n    at compileSourceTextModule (node:internal/modules/esm/utils:346:16)';
    expect(loadErrorMessage(e)).toBe('syntax error: Unexpected end of input');
  });

  it('keeps any other error on one line', () => {
    expect(loadErrorMessage(new Error('Cannot find module x\n\n  imported from y'))).toBe('Cannot find module x imported from y');
  });
});
