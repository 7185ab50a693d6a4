import { stringify } from 'yaml';

/**
 * YAML documents as deploy writes them: keys sorted, no line folding, one `---` between
 * documents, and a header saying where they come from. Nothing varies between runs (no time, no
 * host), so the same topology and options give the same bytes.
 */
export function renderYaml(docs: readonly object[], header: readonly string[]): string {
  const head = header.map((l) => `# ${l}\n`).join('');
  return head + docs.map((d) => stringify(d, { sortMapEntries: true, lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');
}
