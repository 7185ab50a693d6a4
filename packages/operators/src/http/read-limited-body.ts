import type { Readable } from 'node:stream';
import { HttpProblem } from './http-problem.js';

export interface BodyLimits {
  readonly maxBytes: number;
  /** The whole body must arrive within this (slow-loris uploads end here). */
  readonly bodyTimeoutMs: number;
}

/**
 * Reads a request body into one buffer, refusing it (413) as soon as it passes `maxBytes` — by its
 * Content-Length before reading anything, or while streaming — so nothing beyond the limit is ever
 * held; and refusing it (408) when it has not all arrived within `bodyTimeoutMs`.
 */
export function readLimitedBody(stream: Readable, declaredLength: string | undefined, limits: BodyLimits): Promise<Buffer> {
  const declared = declaredLength === undefined ? undefined : Number(declaredLength);
  if (declared !== undefined && declared > limits.maxBytes) return Promise.reject(tooLarge(limits.maxBytes, declared));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (error: HttpProblem | undefined) => {
      clearTimeout(timer);
      stream.off('data', onData).off('end', onEnd).off('error', onError).off('aborted', onAborted);
      if (error) {
        stream.resume(); // let the socket go on; the error answer closes the connection
        reject(error);
      } else resolve(Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.maxBytes) return finish(tooLarge(limits.maxBytes));
      chunks.push(chunk);
    };
    const onEnd = () => finish(undefined);
    const onError = (e: Error) => finish(new HttpProblem(400, 'BODY_UNREADABLE', 'Body unreadable', `the request body could not be read (${e.message}); send it again`));
    const onAborted = () => finish(new HttpProblem(400, 'BODY_ABORTED', 'Body aborted', 'the client stopped sending the body before its end; send it again'));
    const timer = setTimeout(
      () => finish(new HttpProblem(408, 'BODY_TIMEOUT', 'Body too slow', `the body did not arrive within ${limits.bodyTimeoutMs} ms (${size} bytes received); send it faster or in one go`, { connection: 'close' }, { receivedBytes: size })),
      limits.bodyTimeoutMs,
    );
    stream.on('data', onData).on('end', onEnd).on('error', onError).on('aborted', onAborted);
  });
}

function tooLarge(maxBytes: number, declared?: number): HttpProblem {
  const what = declared !== undefined ? `the body is ${declared} bytes (Content-Length)` : 'the body is larger than that';
  return new HttpProblem(413, 'IMAGE_TOO_MANY_BYTES', 'Image too large', `${what}; this endpoint takes images up to ${maxBytes} bytes: shrink or re-encode it`, { connection: 'close' }, { maxBytes });
}
