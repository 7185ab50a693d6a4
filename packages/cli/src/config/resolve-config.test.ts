import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from './resolve-config.js';

const noFile = mkdtempSync(join(tmpdir(), 'vf-config-'));

describe('resolveConfig: session timeout', () => {
  it('takes --session-timeout over VF_SESSION_TIMEOUT over the file, as a duration in ms', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vf-config-'));
    writeFileSync(join(dir, 'vision-flow.config.json'), JSON.stringify({ sessionTimeout: 20000 }));
    expect(resolveConfig({}, {}, dir).sessionTimeoutMs).toBe(20_000);
    expect(resolveConfig({}, { VF_SESSION_TIMEOUT: '15s' }, dir)).toMatchObject({ sessionTimeoutMs: 15_000, origins: { sessionTimeout: 'env' } });
    expect(resolveConfig({ sessionTimeout: '10s' }, { VF_SESSION_TIMEOUT: '15s' }, dir)).toMatchObject({ sessionTimeoutMs: 10_000, origins: { sessionTimeout: 'flag' } });
    expect(resolveConfig({}, {}, noFile).sessionTimeoutMs).toBeUndefined();
  });

  it('refuses an unreadable value naming where it came from and how to write it', () => {
    expect(() => resolveConfig({}, { VF_SESSION_TIMEOUT: 'soon' }, noFile)).toThrow('session timeout (from env): cannot read "soon" as a duration; write it like 250ms, 30s, 5m, 1h or 7d');
  });
});
