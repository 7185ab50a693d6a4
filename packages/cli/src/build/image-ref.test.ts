import { describe, expect, it } from 'vitest';
import { imageRef } from './image-ref.js';

// The OCI distribution spec's repository path component, and its tag.
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*$/;
const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;

describe('imageRef', () => {
  interface Case { name: string; ref: string }
  it.each<Case>([
    { name: 'image-pipeline', ref: 'localhost/vision-flow-image-pipeline:latest' },
    { name: 'Device_Registry', ref: 'localhost/vision-flow-device-registry:latest' },
    { name: 'x-', ref: 'localhost/vision-flow-x:latest' },
    { name: '9lives', ref: 'localhost/vision-flow-9lives:latest' },
  ])('maps topology $name to $ref, a legal image name', ({ name, ref }) => {
    expect(imageRef(name)).toBe(ref);
    const [path, tag] = ref.split(':');
    for (const component of path!.split('/').slice(1)) expect(component).toMatch(COMPONENT);
    expect(tag).toMatch(TAG);
  });

  it('uses the given tag', () => {
    expect(imageRef('image-pipeline', 'v2')).toBe('localhost/vision-flow-image-pipeline:v2');
  });
});
