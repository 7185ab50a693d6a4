import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhook } from './webhook-signature.js';

const secret = 'whsec-0123456789abcdef';
const body = '{"id":"img-1","tenant":"acme","value":{"objects":3}}';
const now = 1_733_230_000;

interface Case {
  readonly name: string;
  readonly header: string | undefined;
  readonly body: string;
  readonly ok: boolean;
}

const good = signWebhook(secret, now, body);
const cases: Case[] = [
  { name: 'a fresh signature of the body', header: good, body, ok: true },
  { name: 'the same signature over a tampered body', header: good, body: body.replace('3', '4'), ok: false },
  { name: 'a signature made with another secret', header: signWebhook('another-secret-0123', now, body), body, ok: false },
  { name: 'a signature older than the tolerance (a replay)', header: signWebhook(secret, now - 301, body), body, ok: false },
  { name: 'no header', header: undefined, body, ok: false },
  { name: 'a header without a timestamp', header: good.replace(/^t=\d+,/, ''), body, ok: false },
  { name: 'a second v1 made with the right secret (rotation)', header: `${signWebhook('old-secret-0123456789', now, body)},v1=${good.split('v1=')[1]}`, body, ok: true },
];

describe('verifyWebhook', () => {
  it.each(cases)('answers $ok for $name', ({ header, body: b, ok }) => {
    expect(verifyWebhook(header, b, secret, { nowSec: now })).toBe(ok);
  });

  it('signs HMAC-SHA256 over "<t>.<body>" as Stripe does, so any language can check it', () => {
    expect(good).toBe(`t=${now},v1=${createHmac('sha256', secret).update(`${now}.${body}`).digest('hex')}`);
  });
});
