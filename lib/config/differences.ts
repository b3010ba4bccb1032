/**
 * The fields on which the environments differ, as the markdown table docs/configuration.md shows
 * (written by `npm run config-table`, checked by a test, so the page cannot fall behind the config).
 */

export const DIFFERENCES_START = '<!-- differences:start -->';
export const DIFFERENCES_END = '<!-- differences:end -->';

/** Every value by dotted path. Lists are values, not groups: an override replaces them whole. */
export function leafValues(value: unknown, prefix = ''): Map<string, unknown> {
  const leaves = new Map<string, unknown>();
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    if (prefix !== '') leaves.set(prefix, value);
    return leaves;
  }
  for (const [key, child] of Object.entries(value)) {
    for (const [path, leaf] of leafValues(child, prefix === '' ? key : `${prefix}.${key}`)) leaves.set(path, leaf);
  }
  return leaves;
}

/** The paths whose value is not the same in every environment (absent counts as a value), sorted. */
export function differingPaths(environments: Readonly<Record<string, unknown>>): string[] {
  const leaves = Object.values(environments).map((settings) => leafValues(settings));
  const paths = new Set(leaves.flatMap((byPath) => [...byPath.keys()]));
  return [...paths]
    .filter((path) => new Set(leaves.map((byPath) => JSON.stringify(byPath.get(path)))).size > 1)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** One row per differing path, one column per environment in the order given. */
export function differencesTable(environments: Readonly<Record<string, unknown>>): string {
  const names = Object.keys(environments);
  const leaves = names.map((name) => leafValues(environments[name]));
  const row = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [
    row(['field', ...names]),
    `|${['field', ...names].map(() => '---|').join('')}`,
    ...differingPaths(environments).map((path) => row([`\`${path}\``, ...leaves.map((byPath) => cell(byPath.get(path)))])),
  ].join('\n');
}

/** A document with the table between its markers replaced by `table`. */
export function withDifferencesTable(document: string, table: string): string {
  const start = document.indexOf(DIFFERENCES_START);
  const end = document.indexOf(DIFFERENCES_END);
  if (start < 0 || end < start) throw new Error(`the document has no ${DIFFERENCES_START} ... ${DIFFERENCES_END} markers`);
  return `${document.slice(0, start + DIFFERENCES_START.length)}\n${table}\n${document.slice(end)}`;
}

// "-" where an environment does not set the field, as in the rest of the page; "none" for an empty list.
function cell(value: unknown): string {
  if (value === undefined) return '-';
  if (Array.isArray(value)) return value.length === 0 ? 'none' : value.map(cell).join(', ');
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return text.replace(/\|/g, '\\|');
}
