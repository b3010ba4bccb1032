import type { z } from 'zod';
import { ENVIRONMENTS } from './environments';
import { databaseIdentifier } from './names';
import { ENVIRONMENT_NAMES, environmentSchema, type EnvironmentConfig, type EnvironmentName, type EnvironmentSettings } from './schema';
import { closestName, didYouMean } from './suggest';

/** A configuration that cannot be deployed. `issues` holds one line per problem. */
export class ConfigError extends Error {
  constructor(readonly issues: readonly string[]) {
    super(`Invalid configuration:\n${issues.map((issue) => `  ${issue}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface LoadConfigOptions {
  /** Which environment to build. */
  readonly envName: string;
  /**
   * Values that replace config fields for one synth, keyed by dotted path
   * (`database.readers`). Strings are converted to the type of the field they replace,
   * because that is how `cdk -c key=value` hands them over. `null`, or the string `null`
   * (`-c database.multiAz=null`), removes the field from the environment as merged with the shared
   * defaults: it is validated without it (switching `database.engine` needs the other engine's fields gone).
   * @default - no overrides
   */
  readonly overrides?: Readonly<Record<string, unknown>>;
  /** Used when the environment does not pin an account (CDK_DEFAULT_ACCOUNT). @default - none */
  readonly defaultAccount?: string;
  /** Used when the environment does not pin a region (CDK_DEFAULT_REGION). @default - none */
  readonly defaultRegion?: string;
  /** The environments to choose from. @default ENVIRONMENTS */
  readonly environments?: Readonly<Record<EnvironmentName, EnvironmentSettings>>;
}

/** Chooses an environment, applies overrides and defaults, and validates the result strictly. */
export function loadConfig(options: LoadConfigOptions): EnvironmentConfig {
  const envName = options.envName;
  if (!isEnvironmentName(envName)) {
    throw new ConfigError([
      `unknown environment ${JSON.stringify(envName)}${didYouMean(envName, ENVIRONMENT_NAMES)}: ` +
        `choose one of ${ENVIRONMENT_NAMES.join(', ')} with -c env=<name>`,
    ]);
  }
  const environments = options.environments ?? ENVIRONMENTS;
  const raw = structuredClone(environments[envName]) as Record<string, unknown>;
  if (raw.account === undefined && options.defaultAccount) raw.account = options.defaultAccount;
  if (raw.region === undefined && options.defaultRegion) raw.region = options.defaultRegion;

  const overrideErrors: string[] = [];
  for (const [path, value] of Object.entries(options.overrides ?? {})) {
    const problem = applyOverride(raw, path, value);
    if (problem) overrideErrors.push(`${envName}: ${path} ${problem}`);
  }
  if (overrideErrors.length > 0) throw new ConfigError(overrideErrors);

  const result = environmentSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(result.error.issues.flatMap((issue) => describeIssue(envName, raw, issue)));
  }
  if (envName !== 'dev' && !result.data.retainData) {
    throw new ConfigError([`${envName}: retainData must be true outside dev: only dev may lose its data on deletion (got false)`]);
  }
  const source = result.data.database.restore?.pointInTime?.source;
  if (source !== undefined) {
    const generation = result.data.database.restore!.generation;
    const earlier = Array.from({ length: generation - 1 }, (_, index) => databaseIdentifier(envName, index + 1));
    if (!earlier.includes(source)) {
      throw new ConfigError([
        `${envName}: database.restore.pointInTime.source must be a database of ${envName} before generation ${generation} ` +
          `(${earlier.join(', ')}), the one in service now (got ${JSON.stringify(source)})`,
      ]);
    }
  }
  // The schema's cross-field rules have checked the engine-specific database settings.
  return { ...result.data, envName } as EnvironmentConfig;
}

export function isEnvironmentName(name: string): name is EnvironmentName {
  return (ENVIRONMENT_NAMES as readonly string[]).includes(name);
}

/** The top-level config fields, which `-c <field>=<value>` may override without a dot. */
export function topLevelConfigFields(): readonly string[] {
  return Object.keys(environmentSchema.shape);
}

function describeIssue(envName: string, raw: unknown, issue: z.core.$ZodIssue): string[] {
  const field = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const parent = issue.path.map(String);
    return issue.keys.map((key) => `${envName}: ${[...parent, key].join('.')} is not a known setting${fieldSuggestion(parent, key)}`);
  }
  const value = valueAt(raw, issue.path);
  // A cross-field rule that asks for a missing field says why; a plain missing field is just required.
  if (value === undefined) return [`${envName}: ${field} ${issue.code === 'custom' ? issue.message : 'is required'}`];
  return [`${envName}: ${field} ${issue.message} (got ${JSON.stringify(value)})`];
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

/** The override value that removes a field instead of setting it. */
export const UNSET = 'null';

function isUnset(value: unknown): boolean {
  return value === null || (typeof value === 'string' && value.trim() === UNSET);
}

/** Writes one override into the raw config; returns a problem description, or undefined. */
function applyOverride(raw: Record<string, unknown>, path: string, value: unknown): string | undefined {
  const keys = path.split('.');
  if (keys.some((key) => key === '' || key === '__proto__' || key === 'constructor' || key === 'prototype')) {
    return 'is not a valid setting path';
  }
  if (isUnset(value)) return unsetField(raw, keys);
  let node: Record<string, unknown> = raw;
  for (const [depth, key] of keys.entries()) {
    // A list is indexed by number; any other key would set a property that no one reads.
    if (Array.isArray(node) && !/^\d+$/.test(key)) {
      return `is not a valid setting path: ${keys.slice(0, depth).join('.')} is a list, indexed by number`;
    }
    if (depth === keys.length - 1) break;
    const next = Object.hasOwn(node, key) ? node[key] : undefined;
    if (next === undefined) {
      node[key] = {};
    } else if (next === null || typeof next !== 'object') {
      return `cannot be set: ${keys.slice(0, depth + 1).join('.')} is not a group of settings`;
    }
    node = node[key] as Record<string, unknown>;
  }
  const last = keys[keys.length - 1];
  node[last] = coerce(value, schemaAt(keys));
  return undefined;
}

/**
 * Removes the field at a path; a field the environment does not set is already unset. The schema
 * decides what may be named: removing a misspelled field must not pass in silence.
 */
function unsetField(raw: Record<string, unknown>, keys: readonly string[]): string | undefined {
  for (let depth = 1; depth <= keys.length; depth++) {
    if (schemaAt(keys.slice(0, depth)) === undefined) {
      return `is not a known setting${fieldSuggestion(keys.slice(0, depth - 1), keys[depth - 1])}`;
    }
  }
  let node: unknown = raw;
  for (const key of keys.slice(0, -1)) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  if (Array.isArray(node)) return `cannot be unset: ${keys.slice(0, -1).join('.')} is a list; set the whole list instead`;
  if (node !== null && typeof node === 'object') delete (node as Record<string, unknown>)[keys[keys.length - 1]];
  return undefined;
}

/** ` (did you mean <parent>.<field>?)` for a key the group at `parent` does not have, when one of its fields is close. */
function fieldSuggestion(parent: readonly string[], key: string): string {
  const closest = closestName(key, Object.keys(schemaAt(parent)?.def.shape ?? {}));
  return closest === undefined ? '' : ` (did you mean ${[...parent, closest].join('.')}?)`;
}

type Schema = { def: { type: string; innerType?: Schema; element?: Schema; shape?: Record<string, Schema> } };

/** The schema of the field at a path, seen through optional wrappers; undefined for unknown paths. */
function schemaAt(keys: readonly string[]): Schema | undefined {
  let schema: Schema | undefined = environmentSchema as unknown as Schema;
  for (const key of keys) {
    schema = unwrap(schema);
    if (schema?.def.type === 'object')
      schema = schema.def.shape && Object.hasOwn(schema.def.shape, key) ? schema.def.shape[key] : undefined;
    else if (schema?.def.type === 'array' && /^\d+$/.test(key)) schema = schema.def.element;
    else return undefined;
  }
  return unwrap(schema);
}

function unwrap(schema: Schema | undefined): Schema | undefined {
  let current = schema;
  while (current && (current.def.type === 'optional' || current.def.type === 'default')) current = current.def.innerType;
  return current;
}

/**
 * Converts a command-line string to the type of the field it sets. A string that does not convert
 * is passed on unchanged, so that validation reports it as it was typed.
 */
function coerce(value: unknown, schema: Schema | undefined): unknown {
  if (typeof value !== 'string' || schema === undefined) return value;
  const text = value.trim();
  switch (schema.def.type) {
    case 'number':
      return text !== '' && Number.isFinite(Number(text)) ? Number(text) : value;
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : value;
    case 'array':
      if (text.startsWith('[')) return parseJson(text) ?? value;
      return text === '' ? [] : text.split(',').map((item) => coerce(item, unwrap(schema.def.element)));
    case 'object':
      return text.startsWith('{') ? (parseJson(text) ?? value) : value;
    default:
      return value;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
