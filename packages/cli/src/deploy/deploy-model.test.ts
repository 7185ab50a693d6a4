import { describe, expect, it } from 'vitest';
import { dnsLabel } from './deploy-model.js';

describe('dnsLabel', () => {
  it.each([
    { name: 'image-pipeline-objects', label: 'image-pipeline-objects' },
    { name: 'My_Topology-Node.', label: 'my-topology-node' },
    { name: 'a--b', label: 'a--b' },
  ])('makes $name a Kubernetes name: $label', ({ name, label }) => {
    expect(dnsLabel(name)).toBe(label);
  });

  it('shortens long names to 63 characters with a hash that keeps them apart', () => {
    const a = dnsLabel(`${'x'.repeat(70)}-one`);
    const b = dnsLabel(`${'x'.repeat(70)}-two`);
    expect(a).toHaveLength(63);
    expect(a).toMatch(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/);
    expect(a).not.toBe(b);
  });
});
