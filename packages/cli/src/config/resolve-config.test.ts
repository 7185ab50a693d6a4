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

describe('resolveConfig: instance id (static membership)', () => {
  it('takes --instance-id over VF_INSTANCE_ID over the file, and none by default', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vf-config-'));
    writeFileSync(join(dir, 'vision-flow.config.json'), JSON.stringify({ instanceId: 'from-file' }));
    expect(resolveConfig({}, {}, dir)).toMatchObject({ instanceId: 'from-file', origins: { instanceId: 'file' } });
    expect(resolveConfig({}, { VF_INSTANCE_ID: 'pod-2' }, dir)).toMatchObject({ instanceId: 'pod-2', origins: { instanceId: 'env' } });
    expect(resolveConfig({ instanceId: 'host-1' }, { VF_INSTANCE_ID: 'pod-2' }, dir)).toMatchObject({ instanceId: 'host-1', origins: { instanceId: 'flag' } });
    expect(resolveConfig({}, {}, noFile).instanceId).toBeUndefined();
  });

  it('refuses an id the broker would not take, naming where it came from', () => {
    expect(() => resolveConfig({}, { VF_INSTANCE_ID: 'my pod' }, noFile)).toThrow('instance id "my pod" (from env) must be 1-200 characters of A-Z a-z 0-9 . _ -, e.g. the host or pod name');
  });
});

describe('resolveConfig: query views port and host', () => {
  it('serves no port by default, takes --query-port over VF_QUERY_PORT over the file (0: any free port), and binds 127.0.0.1 unless told', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vf-config-'));
    writeFileSync(join(dir, 'vision-flow.config.json'), JSON.stringify({ queryPort: 7070, queryHost: '0.0.0.0' }));
    expect(resolveConfig({}, {}, noFile)).toMatchObject({ queryPort: undefined, queryHost: '127.0.0.1' });
    expect(resolveConfig({}, {}, dir)).toMatchObject({ queryPort: 7070, queryHost: '0.0.0.0', origins: { queryPort: 'file' } });
    expect(resolveConfig({}, { VF_QUERY_PORT: '0' }, dir)).toMatchObject({ queryPort: 0, origins: { queryPort: 'env' } });
    expect(resolveConfig({ queryPort: '7071', queryHost: '::1' }, { VF_QUERY_PORT: '0' }, dir)).toMatchObject({ queryPort: 7071, queryHost: '::1', origins: { queryPort: 'flag' } });
  });

  it('refuses a port that is not one, naming where it came from', () => {
    expect(() => resolveConfig({ queryPort: 'http' }, {}, noFile)).toThrow('query port "http" (from flag) must be a port number 0-65535 (0 picks a free port)');
    expect(() => resolveConfig({}, { VF_QUERY_PORT: '70000' }, noFile)).toThrow('query port "70000" (from env)');
  });
});

describe('resolveConfig: the node HTTP server (--http-port, with --query-port as its alias)', () => {
  it('takes --http-port over VF_HTTP_PORT over the file, falls back to the query port, and binds the query host unless told', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vf-config-'));
    writeFileSync(join(dir, 'vision-flow.config.json'), JSON.stringify({ httpPort: 8080 }));
    expect(resolveConfig({}, {}, noFile)).toMatchObject({ httpPort: undefined, httpHost: '127.0.0.1' });
    expect(resolveConfig({}, {}, dir)).toMatchObject({ httpPort: 8080, origins: { httpPort: 'file' } });
    expect(resolveConfig({}, { VF_HTTP_PORT: '0', VF_HTTP_HOST: '0.0.0.0' }, dir)).toMatchObject({ httpPort: 0, httpHost: '0.0.0.0', origins: { httpPort: 'env' } });
    expect(resolveConfig({ httpPort: '9090' }, { VF_HTTP_PORT: '0' }, dir)).toMatchObject({ httpPort: 9090, origins: { httpPort: 'flag' } });
    expect(resolveConfig({ queryPort: '7071', queryHost: '::1' }, {}, noFile)).toMatchObject({ httpPort: 7071, httpHost: '::1' });
    expect(() => resolveConfig({}, { VF_HTTP_PORT: 'x' }, noFile)).toThrow('http port "x" (from env) must be a port number 0-65535 (0 picks a free port)');
  });
});

describe('resolveConfig: model folder', () => {
  it('takes --models over VF_MODEL_DIR over the file, and none by default (the run passes it to the topology runner)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vf-config-'));
    writeFileSync(join(dir, 'vision-flow.config.json'), JSON.stringify({ modelDir: 'from-file' }));
    expect(resolveConfig({}, {}, dir)).toMatchObject({ modelDir: 'from-file', origins: { modelDir: 'file' } });
    expect(resolveConfig({}, { VF_MODEL_DIR: '/srv/models' }, dir)).toMatchObject({ modelDir: '/srv/models', origins: { modelDir: 'env' } });
    expect(resolveConfig({ models: '../shared/models' }, { VF_MODEL_DIR: '/srv/models' }, dir)).toMatchObject({ modelDir: '../shared/models', origins: { modelDir: 'flag' } });
    expect(resolveConfig({}, {}, noFile).modelDir).toBeUndefined();
  });
});
