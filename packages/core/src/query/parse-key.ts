import type { AvroJson } from '../serde/avro/schema.js';

/**
 * A store key from its text form in a URL, by the key's Avro schema: a string as-is, numbers
 * (int, long, float, double) and booleans parsed, anything else (records, arrays) as JSON.
 * Throws a TypeError naming the expected form when the text does not fit.
 */
export function parseKey(text: string, schema: AvroJson): unknown {
  const type = primitiveOf(schema);
  switch (type) {
    case 'string':
    case 'enum':
      return text;
    case 'int':
    case 'long': {
      const n = Number(text);
      if (text.trim() === '' || !Number.isInteger(n)) throw new TypeError(`key "${text}" is not an integer (the store's key is ${type})`);
      return n;
    }
    case 'float':
    case 'double': {
      const n = Number(text);
      if (text.trim() === '' || Number.isNaN(n)) throw new TypeError(`key "${text}" is not a number (the store's key is ${type})`);
      return n;
    }
    case 'boolean':
      if (text !== 'true' && text !== 'false') throw new TypeError(`key "${text}" is not true or false`);
      return text === 'true';
    default:
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new TypeError(`key "${text}" is not JSON; the store's key is a ${type}, written as JSON in the URL`);
      }
  }
}

/** The Avro type name of a schema, looking through a nullable union to its other branch. */
function primitiveOf(schema: AvroJson): string {
  if (typeof schema === 'string') return schema;
  if (Array.isArray(schema)) {
    const other = schema.filter((s) => s !== 'null');
    return other.length === 1 ? primitiveOf(other[0]!) : 'union';
  }
  const t = (schema as { type?: unknown }).type;
  return typeof t === 'string' ? t : primitiveOf(t as AvroJson);
}
