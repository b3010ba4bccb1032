import type { PolicyValidationStack, PolicyViolatingResource, PolicyViolation } from 'aws-cdk-lib';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/**
 * The cache's folder under `node_modules/.cache`, where build tools keep what they can recompute:
 * removing it gives a cold synth, and `npm ci` does so on its own.
 */
export const VALIDATION_CACHE_NAME = 'cs2-analytics-validation';

/** `node_modules/.cache/cs2-analytics-validation` of this project. */
export function defaultValidationCacheDirectory(): string {
  return path.resolve(__dirname, '..', '..', 'node_modules', '.cache', VALIDATION_CACHE_NAME);
}

export interface ValidationCacheOptions {
  /** Where the entries live. Created when first written. */
  readonly directory: string;
  /**
   * The bound on the entries' total size: past it, the least recently used entries are evicted.
   * An entry is a few kilobytes (one template's findings of one validator).
   * @default 16 MiB
   */
  readonly maxBytes?: number;
}

/** The first word of every entry: another format (an older or newer project) is a miss. */
const ENTRY_FORMAT = 'cs2-validation-cache/1';
const ENTRY_SUFFIX = '.json';
const TEMP_SUFFIX = '.tmp';
const NOTE_SUFFIX = '.note';
/** A temporary file this old was left by a writer that died before its rename. */
const ABANDONED_TEMP_MS = 10 * 60 * 1000;

/**
 * A content-addressed store of validation findings on disk: one file per key, holding a header
 * (format, key, SHA-256 of the body) and the findings as JSON.
 *
 * Safe for several processes at once: an entry is written to a temporary file and renamed into
 * place, so a reader sees a whole entry or none. Any doubt about an entry (unreadable, another
 * format or key, a body that does not match its digest, JSON that does not parse) makes it a miss,
 * so the caller validates again; nothing here ever fails a synth.
 */
export class ValidationCache {
  readonly directory: string;
  readonly maxBytes: number;

  constructor(options: ValidationCacheOptions) {
    this.directory = options.directory;
    this.maxBytes = options.maxBytes ?? 16 * 1024 * 1024;
  }

  /** The value stored under `key`, or undefined (absent, or in any doubt). A hit counts as a use for eviction. */
  get(key: string): unknown {
    const file = this.fileOf(key);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
    const newline = text.indexOf('\n');
    const [format, entryKey, digest] = (newline < 0 ? '' : text.slice(0, newline)).split(' ');
    const body = text.slice(newline + 1);
    let value: unknown;
    try {
      if (format !== ENTRY_FORMAT || entryKey !== key || digest !== sha256(body)) throw new Error('not a whole entry');
      value = JSON.parse(body);
    } catch {
      // Removed so that the validation about to run can store a sound entry in its place.
      removeQuietly(file);
      return undefined;
    }
    try {
      const now = new Date();
      fs.utimesSync(file, now, now);
    } catch {
      // Only the eviction order suffers.
    }
    return value;
  }

  /** Stores `value` (JSON) under `key`. A failure to write is silent: the next synth is only slower. */
  set(key: string, value: unknown): void {
    const body = JSON.stringify(value);
    const temp = path.join(this.directory, `${key}.${process.pid}.${crypto.randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
    try {
      fs.mkdirSync(this.directory, { recursive: true });
      fs.writeFileSync(temp, `${ENTRY_FORMAT} ${key} ${sha256(body)}\n${body}`);
      fs.renameSync(temp, this.fileOf(key));
    } catch {
      removeQuietly(temp);
    }
  }

  /**
   * A short note kept beside the entries (not an entry: never evicted, never a finding), such as
   * whether the last synth had anything to validate; undefined if there is none.
   */
  readNote(name: string): string | undefined {
    try {
      return fs.readFileSync(this.noteFile(name), 'utf8');
    } catch {
      return undefined;
    }
  }

  /** Writes a note (see `readNote`), unless it already says `value`. Failures are silent. */
  writeNote(name: string, value: string): void {
    if (this.readNote(name) === value) return;
    const temp = `${this.noteFile(name)}.${process.pid}.${crypto.randomBytes(6).toString('hex')}${TEMP_SUFFIX}`;
    try {
      fs.mkdirSync(this.directory, { recursive: true });
      fs.writeFileSync(temp, value);
      fs.renameSync(temp, this.noteFile(name));
    } catch {
      removeQuietly(temp);
    }
  }

  /**
   * Evicts the least recently used entries until the rest fit in `maxBytes`, and removes temporary
   * files that a writer abandoned. Another process pruning at the same time is harmless: a file
   * already gone is skipped.
   */
  prune(): void {
    let names: string[];
    try {
      names = fs.readdirSync(this.directory);
    } catch {
      return;
    }
    const entries: { file: string; size: number; used: number }[] = [];
    const now = Date.now();
    for (const name of names) {
      const file = path.join(this.directory, name);
      let stat: fs.Stats;
      try {
        stat = fs.statSync(file);
      } catch {
        continue;
      }
      if (name.endsWith(TEMP_SUFFIX)) {
        if (now - stat.mtimeMs > ABANDONED_TEMP_MS) removeQuietly(file);
      } else if (name.endsWith(ENTRY_SUFFIX)) {
        entries.push({ file, size: stat.size, used: stat.mtimeMs });
      }
    }
    let total = entries.reduce((sum, entry) => sum + entry.size, 0);
    entries.sort((a, b) => a.used - b.used || a.file.localeCompare(b.file));
    for (const entry of entries) {
      if (total <= this.maxBytes) break;
      removeQuietly(entry.file);
      total -= entry.size;
    }
  }

  private noteFile(name: string): string {
    if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`not a note name: ${name}`);
    return path.join(this.directory, name + NOTE_SUFFIX);
  }

  private fileOf(key: string): string {
    if (!/^[0-9a-f]{64}$/.test(key)) throw new Error(`not a cache key: ${key}`);
    return path.join(this.directory, key + ENTRY_SUFFIX);
  }
}

/** A cache key (SHA-256, hex) of several parts; each part is length-prefixed, so no two lists collide. */
export function cacheKey(...parts: readonly (string | Buffer)[]): string {
  const hash = crypto.createHash('sha256');
  for (const part of parts) {
    const bytes = typeof part === 'string' ? Buffer.from(part, 'utf8') : part;
    hash.update(`${bytes.length}:`);
    hash.update(bytes);
  }
  return hash.digest('hex');
}

const codeFingerprints = new Map<string, string>();

/**
 * The digest of the files whose code turns a validator's output into the findings a cache keeps
 * (the validator's own module, its worker), for its cache key: an edit there means validating again,
 * without anyone having to remember to bump a format constant.
 */
export function codeFingerprint(...files: readonly string[]): string {
  const key = files.join('\0');
  let fingerprint = codeFingerprints.get(key);
  if (!fingerprint) {
    fingerprint = cacheKey(...files.flatMap((file) => [path.basename(file), fs.readFileSync(file)]));
    codeFingerprints.set(key, fingerprint);
  }
  return fingerprint;
}

function sha256(text: string): string {
  return crypto.createHash('sha256').update(text, 'utf8').digest('hex');
}

function removeQuietly(file: string): void {
  try {
    fs.rmSync(file, { force: true });
  } catch {
    // Another process may own it (eviction racing a reader): it goes on its next prune.
  }
}

/**
 * A validator whose findings on a template depend only on that template's bytes, its stack
 * (construct path, account, region) and the validator's own rules.
 */
export interface TemplateValidator {
  /**
   * Everything but the template and its stack that the findings on it depend on: the validator's
   * name and version and a fingerprint of the rules it applies to this template.
   */
  fingerprint(template: PolicyValidationStack, content: Buffer): string;
  /** Validates the templates now. Each violating resource must name its template's path. */
  validate(templates: readonly PolicyValidationStack[]): PolicyViolation[];
}

export interface CachedValidationOptions {
  /** No cache: every template is validated. */
  readonly cache?: ValidationCache;
  /**
   * The validator reports one violation for a rule and message however many templates it is in
   * (CloudFormation Validate does), so findings from the cache and from this run are regrouped the
   * same way. Otherwise each template's violations are listed on their own, in template order.
   */
  readonly groupAcrossTemplates: boolean;
}

/** What an entry holds: one template's raw findings, its path replaced by a placeholder. */
interface TemplateFindings {
  readonly violations: PolicyViolation[];
}

/** Stands for the template's path in a cached finding; a hit puts the current path back. */
const TEMPLATE_PLACEHOLDER = '<template>';

/**
 * Validates the templates with `validator`, answering from the cache those whose bytes, stack and
 * validator fingerprint are unchanged, and storing the findings on the others. Only raw findings
 * are cached, never a verdict: acknowledgements are applied afterwards by aws-cdk-lib, as without
 * a cache. The result has the findings the validator would give on all the templates at once.
 */
export function validateWithCache(
  templates: readonly PolicyValidationStack[],
  validator: TemplateValidator,
  options: CachedValidationOptions,
): PolicyViolation[] {
  const { cache } = options;
  if (!cache) return validator.validate(templates);
  const perTemplate = lookUp(templates, validator, cache);
  const misses = perTemplate.filter((entry) => entry.violations === undefined);
  if (misses.length > 0) {
    const fresh = validator.validate(misses.map((entry) => entry.template));
    const split = splitByTemplate(
      fresh,
      misses.map((entry) => entry.template.templatePath),
    );
    // A finding that names no template, or another one, cannot be filed under a template: this
    // run's findings stand as they are, and nothing is cached.
    if (!split) return misses.length === templates.length ? fresh : validator.validate(templates);
    misses.forEach((entry, index) => {
      entry.violations = split[index];
      cache.set(entry.key, toEntry(split[index]));
    });
    cache.prune();
  }
  return combine(
    perTemplate.map((entry) => entry.violations ?? []),
    options.groupAcrossTemplates,
  );
}

/** The templates that `validateWithCache` would validate now: all of them without a cache. */
export function uncachedTemplates(
  templates: readonly PolicyValidationStack[],
  validator: TemplateValidator,
  cache: ValidationCache | undefined,
): PolicyValidationStack[] {
  if (!cache) return [...templates];
  return lookUp(templates, validator, cache)
    .filter((entry) => entry.violations === undefined)
    .map((entry) => entry.template);
}

interface LookedUp {
  readonly template: PolicyValidationStack;
  readonly key: string;
  violations: PolicyViolation[] | undefined;
}

function lookUp(templates: readonly PolicyValidationStack[], validator: TemplateValidator, cache: ValidationCache): LookedUp[] {
  return templates.map((template) => {
    const content = fs.readFileSync(template.templatePath);
    const key = cacheKey(
      validator.fingerprint(template, content),
      template.stackConstructPath,
      template.accountId ?? '',
      template.region ?? '',
      content,
    );
    return { template, key, violations: fromEntry(cache.get(key), template.templatePath) };
  });
}

/** Each template's share of `violations`, or undefined when a violating resource names no known template. */
function splitByTemplate(violations: readonly PolicyViolation[], templatePaths: readonly string[]): PolicyViolation[][] | undefined {
  const index = new Map(templatePaths.map((templatePath, position) => [path.resolve(templatePath), position]));
  const split: PolicyViolation[][] = templatePaths.map(() => []);
  for (const violation of violations) {
    const shares = new Map<number, PolicyViolatingResource[]>();
    for (const resource of violation.violatingResources) {
      const position = resource.templatePath === undefined ? undefined : index.get(path.resolve(resource.templatePath));
      if (position === undefined) return undefined;
      shares.set(position, [...(shares.get(position) ?? []), resource]);
    }
    for (const [position, resources] of shares) split[position].push({ ...violation, violatingResources: resources });
  }
  return split;
}

function toEntry(violations: readonly PolicyViolation[]): TemplateFindings {
  return {
    violations: violations.map((violation) => ({
      ...violation,
      violatingResources: violation.violatingResources.map((resource) => ({ ...resource, templatePath: TEMPLATE_PLACEHOLDER })),
    })),
  };
}

/** The entry's findings on the template now at `templatePath`, or undefined if the entry is not what this file writes. */
function fromEntry(entry: unknown, templatePath: string): PolicyViolation[] | undefined {
  const violations = (entry as Partial<TemplateFindings> | undefined)?.violations;
  if (!Array.isArray(violations)) return undefined;
  const restored: PolicyViolation[] = [];
  for (const violation of violations as unknown[]) {
    const candidate = violation as Partial<PolicyViolation> | null;
    if (
      typeof candidate?.ruleName !== 'string' ||
      typeof candidate.description !== 'string' ||
      !Array.isArray(candidate.violatingResources)
    ) {
      return undefined;
    }
    const resources: PolicyViolatingResource[] = [];
    for (const resource of candidate.violatingResources as unknown[]) {
      const found = resource as Partial<PolicyViolatingResource> | null;
      if (found?.templatePath !== TEMPLATE_PLACEHOLDER || !Array.isArray(found.locations)) return undefined;
      resources.push({ ...(found as PolicyViolatingResource), templatePath });
    }
    restored.push({ ...(candidate as PolicyViolation), violatingResources: resources });
  }
  return restored;
}

/** The templates' findings as one report's, grouped like the validator groups them. */
function combine(perTemplate: readonly PolicyViolation[][], groupAcrossTemplates: boolean): PolicyViolation[] {
  if (!groupAcrossTemplates) return perTemplate.flat();
  // CloudFormation Validate's own grouping: one violation per rule, severity and description, its
  // resources in template order.
  const groups = new Map<string, PolicyViolation>();
  for (const violation of perTemplate.flat()) {
    const group = JSON.stringify([violation.ruleName, violation.severity, violation.description]);
    const existing = groups.get(group);
    if (existing) existing.violatingResources.push(...violation.violatingResources);
    else groups.set(group, { ...violation, violatingResources: [...violation.violatingResources] });
  }
  return [...groups.values()];
}
