import { describe, expect, it } from 'vitest';
import { compatibilityProblems, readProblems, type CompatibilityLevel } from './compatibility.js';
import type { AvroJson } from './schema.js';

type Field = { name: string; type: AvroJson; default?: unknown };
const rec = (name: string, fields: Field[]): AvroJson => ({ type: 'record', name, fields });
const f = (name: string, type: AvroJson, extra: { default?: unknown } = {}): Field => ({ name, type, ...extra });

// A detection result in three versions: v2 adds a field with a default, v3 one without.
const V1 = rec('vision.Result', [f('id', 'string'), f('count', 'int')]);
const V2 = rec('vision.Result', [f('id', 'string'), f('count', 'int'), f('model', 'string', { default: 'yolox-nano' })]);
const V3 = rec('vision.Result', [f('id', 'string'), f('count', 'int'), f('model', 'string', { default: 'yolox-nano' }), f('camera', 'string')]);

describe('readProblems(reader, writer)', () => {
  it('finds nothing to complain about in identical schemas', () => {
    expect(readProblems(V1, V1)).toEqual([]);
  });

  it('names a field the reader added without a default', () => {
    expect(readProblems(V3, V2)).toEqual([
      { path: 'camera', message: 'field "camera" was added without a default, so data written before it cannot be read; give it a default' },
    ]);
  });

  it('accepts a field the reader added with a default', () => {
    expect(readProblems(V2, V1)).toEqual([]);
  });

  it('accepts a field the writer has and the reader removed (the reader skips it)', () => {
    expect(readProblems(V1, V2)).toEqual([]);
  });

  it('accepts promoting int to long (and to float and double)', () => {
    for (const to of ['long', 'float', 'double']) {
      expect({ to, problems: readProblems(rec('R', [f('n', to)]), rec('R', [f('n', 'int')])) }).toEqual({ to, problems: [] });
    }
  });

  it('refuses narrowing long to int, naming the field and both types', () => {
    expect(readProblems(rec('R', [f('n', 'int')]), rec('R', [f('n', 'long')]))).toEqual([{ path: 'n', message: 'type changed from long to int, which Avro cannot convert' }]);
  });

  it('refuses changing a string to an int', () => {
    expect(readProblems(rec('R', [f('n', 'int')]), rec('R', [f('n', 'string')]))).toEqual([{ path: 'n', message: 'type changed from string to int, which Avro cannot convert' }]);
  });

  it('gives the path through arrays, maps and nested records', () => {
    const box = (x: string): AvroJson => rec('vision.Box', [f('x', x)]);
    const writer = rec('vision.A', [f('objects', { type: 'array', items: rec('vision.Obj', [f('box', box('double'))]) }), f('tags', { type: 'map', values: 'int' })]);
    const reader = rec('vision.A', [f('objects', { type: 'array', items: rec('vision.Obj', [f('box', box('float'))]) }), f('tags', { type: 'map', values: 'string' })]);
    expect(readProblems(reader, writer).map((p) => p.path)).toEqual(['objects[].box.x', 'tags{}']);
  });

  it('refuses a renamed record unless the reader has the old name as an alias', () => {
    const old = rec('vision.Result', [f('id', 'string')]);
    const renamed = rec('vision.Outcome', [f('id', 'string')]);
    expect(readProblems(renamed, old)).toEqual([{ path: '(root)', message: 'record name changed from vision.Result to vision.Outcome (add an alias "vision.Result" to keep it readable)' }]);
    expect(readProblems({ type: 'record', name: 'vision.Outcome', aliases: ['vision.Result'], fields: [f('id', 'string')] }, old)).toEqual([]);
  });

  it('accepts a field that became nullable (a union with the old type)', () => {
    expect(readProblems(rec('R', [f('s', ['null', 'string'], { default: null })]), rec('R', [f('s', 'string')]))).toEqual([]);
  });

  it('refuses a union the reader narrowed to one of its branches', () => {
    expect(readProblems(rec('R', [f('s', 'string')]), rec('R', [f('s', ['null', 'string'])]))).toEqual([{ path: 's', message: 'type changed from null to string, which Avro cannot convert' }]);
  });

  describe('enums', () => {
    const Reason = (symbols: string[], extra: object = {}): AvroJson => rec('R', [f('reason', { type: 'enum', name: 'vision.Reason', symbols, ...extra })]);

    it('accepts a symbol the reader added', () => {
      expect(readProblems(Reason(['complete', 'timeout', 'late']), Reason(['complete', 'timeout']))).toEqual([]);
    });

    it('names the symbols the reader lost', () => {
      expect(readProblems(Reason(['complete']), Reason(['complete', 'timeout', 'late']))).toEqual([
        { path: 'reason', message: 'enum vision.Reason lost symbols timeout, late that existing data may hold; keep them or add a default symbol' },
      ]);
    });

    it('accepts lost symbols when the reader has a default symbol', () => {
      expect(readProblems(Reason(['complete', 'unknown'], { default: 'unknown' }), Reason(['complete', 'timeout']))).toEqual([]);
    });
  });
});

describe('compatibilityProblems(level, candidate, existing)', () => {
  interface Case {
    readonly level: CompatibilityLevel;
    readonly candidate: AvroJson;
    readonly existing: readonly AvroJson[];
    readonly paths: readonly string[];
  }

  // V1 → V2 adds a field with a default (both ways fine); V2 → V3 adds one without (new readers cannot read old data).
  // V1 with `count` removed: new readers are fine, old readers miss `count`, which has no default.
  const WITHOUT_COUNT = rec('vision.Result', [f('id', 'string')]);

  it.each<Case>([
    { level: 'BACKWARD', candidate: V2, existing: [V1], paths: [] },
    { level: 'BACKWARD', candidate: V3, existing: [V2], paths: ['camera'] },
    { level: 'BACKWARD', candidate: WITHOUT_COUNT, existing: [V1], paths: [] },
    { level: 'FORWARD', candidate: V2, existing: [V1], paths: [] },
    { level: 'FORWARD', candidate: V3, existing: [V2], paths: [] },
    { level: 'FORWARD', candidate: WITHOUT_COUNT, existing: [V1], paths: ['count'] },
    { level: 'FULL', candidate: V2, existing: [V1], paths: [] },
    { level: 'FULL', candidate: V3, existing: [V2], paths: ['camera'] },
    { level: 'FULL', candidate: WITHOUT_COUNT, existing: [V1], paths: ['count'] },
    { level: 'NONE', candidate: V3, existing: [V1], paths: [] },
    { level: 'NONE', candidate: WITHOUT_COUNT, existing: [V1], paths: [] },
  ])('$level: checks the candidate against the latest version (expecting problems at $paths)', ({ level, candidate, existing, paths }) => {
    expect(compatibilityProblems(level, candidate, existing).map((p) => p.path)).toEqual(paths);
  });

  it('says "old readers" when the problem is reading new data with the old schema (FORWARD)', () => {
    expect(compatibilityProblems('FORWARD', WITHOUT_COUNT, [V1])).toEqual([
      { path: 'count', message: 'old readers: field "count" was added without a default, so data written before it cannot be read; give it a default' },
    ]);
  });

  it('accepts anything as the first version of a subject', () => {
    expect(compatibilityProblems('FULL_TRANSITIVE', V3, [])).toEqual([]);
  });

  describe('transitive levels check every version, the others only the latest', () => {
    // V3' keeps `camera` but gives it a default; a candidate then drops the default. The latest
    // version has `camera`, the first does not.
    const V3D = rec('vision.Result', [f('id', 'string'), f('count', 'int'), f('camera', 'string', { default: '' })]);
    const CANDIDATE = rec('vision.Result', [f('id', 'string'), f('count', 'int'), f('camera', 'string')]);

    it.each<Case>([
      { level: 'BACKWARD', candidate: CANDIDATE, existing: [V1, V3D], paths: [] },
      { level: 'BACKWARD_TRANSITIVE', candidate: CANDIDATE, existing: [V1, V3D], paths: ['camera'] },
      { level: 'FULL', candidate: CANDIDATE, existing: [V1, V3D], paths: [] },
      { level: 'FULL_TRANSITIVE', candidate: CANDIDATE, existing: [V1, V3D], paths: ['camera'] },
    ])('$level against [v1, latest]: problems at $paths', ({ level, candidate, existing, paths }) => {
      expect(compatibilityProblems(level, candidate, existing).map((p) => p.path)).toEqual(paths);
    });

    it.each<Case>([
      { level: 'FORWARD', candidate: V1, existing: [WITHOUT_COUNT, V2], paths: [] },
      { level: 'FORWARD_TRANSITIVE', candidate: WITHOUT_COUNT, existing: [V1, V2], paths: ['count', 'count'] },
    ])('$level: old readers of every version must read the candidate (problems at $paths)', ({ level, candidate, existing, paths }) => {
      expect(compatibilityProblems(level, candidate, existing).map((p) => p.path)).toEqual(paths);
    });
  });
});

describe('schemas as a registry returns them (namespaces not repeated on nested types)', () => {
  // Apicurio stores and returns a schema in its own form: nested named types carry no namespace of
  // their own (they inherit the enclosing one) and references use the short name. Before
  // compatibility.ts spelled every name in full (fullyQualified()), "Box" could not be resolved
  // inside the nested record Item, or as the items of an array, and the check threw.
  const BoxDef = { type: 'record', name: 'Box', fields: [f('x', 'double'), f('y', 'double')] };

  /** As our avro builder writes it: every name in full. */
  const ours: AvroJson = {
    type: 'record',
    name: 'vision.A',
    fields: [
      f('xs', { type: 'array', items: { type: 'record', name: 'vision.Item', fields: [f('box', { ...BoxDef, name: 'vision.Box' }), f('alt', 'vision.Box')] } }),
      f('b', 'vision.Box'),
      f('bs', { type: 'array', items: 'vision.Box' }),
    ],
  };

  /** The same schema as the registry hands it back. */
  const registryForm: AvroJson = {
    type: 'record',
    name: 'A',
    namespace: 'vision',
    fields: [
      f('xs', { type: 'array', items: { type: 'record', name: 'Item', fields: [f('box', BoxDef), f('alt', 'Box')] } }),
      f('b', 'Box'),
      f('bs', { type: 'array', items: 'Box' }),
    ],
  };

  it('resolves a short-name reference to a type defined in a nested record without a namespace (the brief case)', () => {
    const simple: AvroJson = {
      type: 'record',
      name: 'A',
      namespace: 'vision',
      fields: [f('xs', { type: 'array', items: { type: 'record', name: 'Item', fields: [f('box', BoxDef)] } }), f('b', 'Box')],
    };
    expect(readProblems(simple, simple)).toEqual([]);
  });

  it('resolves a short-name reference inside the nested record that inherited its namespace', () => {
    expect(readProblems(registryForm, registryForm)).toEqual([]);
  });

  it('resolves a short-name reference used as the items of an array', () => {
    const s: AvroJson = { type: 'record', name: 'A', namespace: 'vision', fields: [f('b', BoxDef), f('bs', { type: 'array', items: 'Box' })] };
    expect(readProblems(s, s)).toEqual([]);
  });

  it('finds our form and the registry form of one schema compatible both ways', () => {
    expect(readProblems(ours, registryForm)).toEqual([]);
    expect(readProblems(registryForm, ours)).toEqual([]);
    expect(compatibilityProblems('FULL_TRANSITIVE', ours, [registryForm])).toEqual([]);
  });

  it('still finds a real change to a type behind every short-name reference to it, with each full path', () => {
    const changed: AvroJson = JSON.parse(JSON.stringify(registryForm).replace('{"name":"y","type":"double"}', '{"name":"y","type":"double"},{"name":"z","type":"double"}'));
    const problems = readProblems(changed, registryForm);
    expect(problems.map((p) => p.path)).toEqual(['xs[].box.z', 'xs[].alt.z', 'b.z', 'bs[].z']);
    expect(new Set(problems.map((p) => p.message))).toEqual(new Set(['field "z" was added without a default, so data written before it cannot be read; give it a default']));
  });
});
