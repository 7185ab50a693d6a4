import { describe, expect, it } from 'vitest';
import { DEFAULT_BASE, dockerfile, IMAGE_HTTP_PORT } from './dockerfile.js';

const input = { topology: 'image-pipeline', topologyInImage: '/app/topologies/image-pipeline.ts', defaultBase: DEFAULT_BASE };
const text = dockerfile(input);
/** The instructions of each stage, continuation lines joined. */
const stages = text
  .replace(/\\\n\s*/g, ' ')
  .split(/^FROM /m)
  .slice(1)
  .map((s) => s.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#')));

describe('dockerfile', () => {
  it('is the same bytes for the same input', () => {
    expect(dockerfile({ ...input })).toBe(text);
  });

  it('builds FROM a build argument BASE, a public Node image unless given', () => {
    expect(text.split('\n').find((l) => l.startsWith('ARG '))).toBe(`ARG BASE=${DEFAULT_BASE}`);
    expect(stages.map((s) => s[0])).toEqual(['${BASE} AS build', '${BASE}']);
  });

  it('keeps compilers and -dev libraries in the build stage only', () => {
    const [build, runtime] = stages as [string[], string[]];
    expect(build.join('\n')).toMatch(/build-essential.*libssl-dev.*libcurl4-openssl-dev.*libsasl2-dev.*liblz4-dev.*libturbojpeg0-dev/);
    expect(build.join('\n')).toContain('ENV CKJS_LINKING=dynamic ONNXRUNTIME_NODE_INSTALL=skip');
    expect(runtime.join('\n')).not.toMatch(/-dev\b|build-essential|python3|npm ci/);
    expect(runtime.join('\n')).toMatch(/libssl3.*libcurl4.*libsasl2-2.*liblz4-1.*libturbojpeg0\b/);
  });

  it('runs as a non-root user, with models at /models (a mount, not copied in) and a health check on /health', () => {
    const runtime = stages[1]!;
    expect(runtime.filter((l) => l.startsWith('USER '))).toEqual(['USER vf']);
    expect(runtime.join('\n')).toMatch(/groupadd --system --gid 10001 vf .*useradd --system --uid 10001 --gid vf/);
    expect(runtime.find((l) => l.startsWith('ENV '))).toContain(`VF_MODEL_DIR=/models`);
    expect(runtime.find((l) => l.startsWith('ENV '))).toContain(`VF_HTTP_PORT=${IMAGE_HTTP_PORT}`);
    expect(text).not.toMatch(/COPY[^\n]*models/);
    const health = runtime.find((l) => l.startsWith('HEALTHCHECK'))!;
    expect(health).toMatch(/CMD \["node", "-e", ".*fetch\('http:\/\/127\.0\.0\.1:'\+\(process\.env\.VF_HTTP_PORT\|\|'8080'\)\+'\/health'\)/);
    expect(runtime.at(-1)).toBe('ENTRYPOINT ["/usr/local/bin/vf-entrypoint"]');
  });
});
