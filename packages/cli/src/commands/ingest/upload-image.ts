import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { randomUUID } from 'node:crypto';
import { DEFAULT_RETRY, backoffDelay, errorMessage } from '@vision-flow/core';
import { retryAfterMs } from './retry-after.js';
import type { UploadOutcome } from './types.js';

const CONTENT_TYPES: { readonly [ext: string]: string } = { '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.png': 'image/png', '.webp': 'image/webp' };

export interface UploadTarget {
  readonly url: string;
  readonly token: string;
  readonly maxAttempts: number;
  /** Told before each wait, for the progress line. */
  readonly onRetry?: (file: string, status: number | string, waitMs: number) => void;
}

/**
 * Uploads one image file, retrying what may pass later — 429 and 503 after the Retry-After the
 * server asked for, connection errors with backoff — under one Idempotency-Key, so a retry after a
 * lost answer never makes a second record. Any other answer is final.
 */
export async function uploadImage(file: string, target: UploadTarget): Promise<UploadOutcome> {
  const body = await readFile(file);
  const headers = { authorization: `Bearer ${target.token}`, 'content-type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream', 'idempotency-key': randomUUID() };
  for (let attempt = 1; ; attempt++) {
    let status: number | string;
    let wait: number | undefined;
    try {
      const res = await fetch(target.url, { method: 'POST', body, headers });
      const text = await res.text();
      const json = parseJson(text);
      if (res.status === 202 || res.status === 200) return { file, status: res.status, id: String(json['id']), attempts: attempt };
      status = res.status;
      if (status !== 429 && status !== 503) return { file, status, code: String(json['code'] ?? `HTTP_${status}`), detail: String(json['detail'] ?? text.slice(0, 200)), attempts: attempt };
      wait = retryAfterMs(res.headers.get('retry-after'));
      if (attempt >= target.maxAttempts) return { file, status, code: String(json['code'] ?? `HTTP_${status}`), detail: `${String(json['detail'] ?? '')} (gave up after ${attempt} attempts)`, attempts: attempt };
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause;
      status = cause?.code ?? 'NETWORK_ERROR';
      if (attempt >= target.maxAttempts) return { file, status: 0, code: status, detail: `${errorMessage(cause ?? e)} (gave up after ${attempt} attempts; is the ingest node running at ${target.url}?)`, attempts: attempt };
    }
    const waitMs = wait ?? backoffDelay(attempt, DEFAULT_RETRY);
    target.onRetry?.(file, status, waitMs);
    await new Promise((resolve) => setTimeout(resolve, waitMs));
  }
}

function parseJson(text: string): { [k: string]: unknown } {
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null ? (v as { [k: string]: unknown }) : {};
  } catch {
    return {};
  }
}
