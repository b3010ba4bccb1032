import { ConfigError, loadConfig } from '../../lib/config/load';
import { EFS_TRANSITION_DAYS, FARGATE_SIZES, LOG_RETENTION_DAYS, type EnvironmentConfig } from '../../lib/config/schema';

/**
 * For every field an environment's config sets, another valid value: the next enum value, a number
 * within range, the boolean flipped, a list with one fewer or one more item, a string changed within
 * its pattern. Validity is the schema's own (a whole config is loaded with the change); a change of
 * the field alone is preferred, and only where none is valid (a Fargate CPU size needs another memory
 * size) are the fields named in the errors changed too, and the variant says so.
 */

export interface FieldVariant {
  /** Dotted path of the field (lists count as one field). */
  readonly field: string;
  readonly from: unknown;
  readonly to: unknown;
  /** All overrides of the variant: the field's, and those that keep the config valid. */
  readonly overrides: Readonly<Record<string, unknown>>;
}

const SIZES = ['nano', 'micro', 'small', 'medium', 'large', 'xlarge', '2xlarge', '4xlarge'];

/** Leaves of a config object: primitive values and whole lists, by dotted path. */
export function configFields(config: EnvironmentConfig): [string, unknown][] {
  const fields: [string, unknown][] = [];
  const walk = (value: unknown, path: string[]) => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [key, child] of Object.entries(value)) walk(child, [...path, key]);
    } else if (value !== undefined) {
      fields.push([path.join('.'), value]);
    }
  };
  const { envName: _envName, ...settings } = config;
  walk(settings, []);
  return fields;
}

function neighbours(list: readonly number[], value: number): number[] {
  const index = list.indexOf(value);
  return index < 0 ? [] : [list[index + 1], list[index - 1]].filter((item): item is number => item !== undefined);
}

function numberCandidates(value: number): number[] {
  const candidates = [
    ...neighbours(LOG_RETENTION_DAYS, value),
    ...neighbours(EFS_TRANSITION_DAYS, value),
    ...neighbours([1, 5, 10, 15, 30, 60], value),
    ...neighbours(Object.keys(FARGATE_SIZES).map(Number), value),
    value === 7 ? 31 : value * 2,
    value + 1,
    value - 1,
    Math.floor(value / 2),
  ];
  return [...new Set(candidates)].filter((candidate) => candidate !== value);
}

function stringCandidates(value: string): string[] {
  const candidates: string[] = [];
  const version = /^(\d+)\.(\d+)$/.exec(value);
  if (version) candidates.push(`${version[1]}.${Number(version[2]) + 1}`, `${version[1]}.${Math.max(0, Number(version[2]) - 1)}`);
  const size = SIZES.find((token) => value.includes(`.${token}`));
  if (size) candidates.push(value.replace(`.${size}`, `.${SIZES[SIZES.indexOf(size) + 1] ?? SIZES[SIZES.indexOf(size) - 1]}`));
  const cidr = /^(\d+)\.(\d+)(\.\d+\.\d+\/\d+)$/.exec(value);
  if (cidr) candidates.push(`${cidr[1]}.${(Number(cidr[2]) + 1) % 256}${cidr[3]}`);
  if (/^\d{12}$/.test(value)) candidates.push(String((Number(value) + 1) % 1e12).padStart(12, '0'));
  const zone = /^([a-z]{2}-[a-z]+-\d)([a-z])$/.exec(value);
  if (zone)
    candidates.push(
      `${zone[1]}${String.fromCharCode(zone[2].charCodeAt(0) + 1)}`,
      `${zone[1]}${String.fromCharCode(zone[2].charCodeAt(0) - 1)}`,
    );
  if (/^[a-z]{2}-[a-z]+-\d$/.test(value)) candidates.push(value.replace(/\d$/, (digit) => String(Number(digit) + 1)));
  if (value.includes('@')) candidates.push(`second-${value}`);
  if (/^Z[A-Z0-9]+$/.test(value)) candidates.push(`${value.slice(0, -1)}${value.endsWith('Z') ? 'Y' : 'Z'}`);
  if (/^[a-z0-9.-]+\.[a-z]+$/.test(value)) candidates.push(`new-${value}`);
  if (value.startsWith('/')) candidates.push(value.endsWith('*') ? value.replace(/\/\*$/, '/v2/*') : `${value.replace(/\/$/, '')}/ready`);
  candidates.push(`${value}2`, `x${value}`);
  return [...new Set(candidates)].filter((candidate) => candidate !== value);
}

function listCandidates(value: unknown[]): unknown[][] {
  const candidates: unknown[][] = [];
  if (value.length > 0) candidates.push(value.slice(0, -1));
  const last = value[value.length - 1];
  if (typeof last === 'string') for (const next of stringCandidates(last)) candidates.push([...value, next]);
  else if (last && typeof last === 'object') {
    const copy = Object.fromEntries(
      Object.entries(last).map(([key, item]) => [key, key === 'table' && typeof item === 'string' ? `${item}2` : item]),
    );
    candidates.push([...value, copy]);
  } else if (last === undefined) candidates.push(['alerts@cs2-analytics.net']);
  return candidates;
}

function candidatesFor(value: unknown, enumValues?: readonly string[]): unknown[] {
  if (typeof value === 'boolean') return [!value];
  if (typeof value === 'number') return numberCandidates(value);
  if (Array.isArray(value)) return listCandidates(value);
  if (typeof value === 'string') {
    if (enumValues) {
      const index = enumValues.indexOf(value);
      return [enumValues[(index + 1) % enumValues.length]];
    }
    return stringCandidates(value);
  }
  return [];
}

function tryLoad(envName: string, overrides: Record<string, unknown>, account: string): EnvironmentConfig | ConfigError {
  try {
    return loadConfig({ envName, overrides, defaultAccount: account });
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
}

/** The enum values the schema allows at a field, read from the error a wrong value gets. */
function enumValuesOf(envName: string, field: string, account: string): string[] | undefined {
  const error = tryLoad(envName, { [field]: '\u0000not-a-value' }, account);
  if (!(error instanceof ConfigError)) return undefined;
  const message = error.issues.find((issue) => issue.startsWith(`${envName}: ${field} must be one of `));
  return message
    ?.replace(`${envName}: ${field} must be one of `, '')
    .replace(/ \(got .*$/, '')
    .split(', ');
}

/** One valid variant per field of the environment's config; fields with none are returned apart. */
export function fieldVariants(envName: string, baseOverrides: Readonly<Record<string, unknown>> = {}, account = '111111111111') {
  const base = loadConfig({ envName, overrides: baseOverrides, defaultAccount: account });
  const variants: FieldVariant[] = [];
  const withoutVariant: string[] = [];
  for (const [field, value] of configFields(base)) {
    const enumValues = typeof value === 'string' ? enumValuesOf(envName, field, account) : undefined;
    let found: FieldVariant | undefined;
    const candidates = candidatesFor(value, enumValues);
    // A change of the field alone first: a repair of other fields would be judged with it.
    const alone = candidates.find(
      (candidate) => !(tryLoad(envName, { ...baseOverrides, [field]: candidate }, account) instanceof ConfigError),
    );
    if (alone !== undefined) {
      variants.push({ field, from: value, to: alone, overrides: { ...baseOverrides, [field]: alone } });
      continue;
    }
    for (const candidate of candidates) {
      let overrides: Record<string, unknown> = { ...baseOverrides, [field]: candidate };
      let result = tryLoad(envName, overrides, account);
      // Repair other fields the change invalidates, at most twice.
      for (let repair = 0; repair < 2 && result instanceof ConfigError; repair++) {
        // The fields an error names: the one it is about, and any other it mentions.
        const known = new Set(configFields(base).map(([path]) => path));
        const broken = result.issues
          .flatMap((issue) => [/^\S+: (\S+) /.exec(issue)?.[1], ...(issue.match(/[a-z]\w*(\.\w+)+/g) ?? [])])
          .filter((other): other is string => !!other && other !== field && known.has(other));
        if (broken.length === 0) break;
        for (const other of new Set(broken)) {
          const current = configFields(base).find(([path]) => path === other)?.[1];
          const fix = candidatesFor(current).find(
            (option) => !(tryLoad(envName, { ...overrides, [other]: option }, account) instanceof ConfigError),
          );
          if (fix !== undefined) overrides = { ...overrides, [other]: fix };
        }
        result = tryLoad(envName, overrides, account);
      }
      if (!(result instanceof ConfigError)) {
        found = { field, from: value, to: candidate, overrides };
        break;
      }
    }
    if (found) variants.push(found);
    else withoutVariant.push(field);
  }
  return { base, variants, withoutVariant };
}
