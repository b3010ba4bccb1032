import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import type {
  IPolicyValidationContext,
  IPolicyValidationPlugin,
  PolicyValidationPluginReport,
  PolicyValidationStack,
  PolicyViolation,
} from 'aws-cdk-lib';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BackgroundTask } from './background';
import { planGuardRuns, type CfnTemplate, type GuardRun } from './guard-runs';
import {
  cacheKey,
  codeFingerprint,
  uncachedTemplates,
  validateWithCache,
  type TemplateValidator,
  type ValidationCache,
} from './validation-cache';

export interface ControlTowerChecksOptions {
  /**
   * Where findings are cached by template content.
   * @default - no cache: every template is checked
   */
  readonly cache?: ValidationCache;
}

/** Templates with many resources exceed Node's default 1 MiB output buffer. */
const MAX_GUARD_OUTPUT = 64 * 1024 * 1024;
/** Longer than cfn-guard takes on every template of an environment on a loaded machine. */
const BACKGROUND_TIMEOUT_MS = 120_000;
/** Bumped when the shape of a cached entry changes (an edit of this file or its worker changes the key anyway: codeFingerprint). */
const CACHE_FORMAT = 'control-tower/1';
/** The code that produces the findings this plugin caches: this module, how it splits a template, and the worker thread that runs it in the background. */
const FINDINGS_CODE = [__filename, require.resolve('./guard-runs'), path.join(__dirname, 'background-worker.js')];

interface RuleFile {
  readonly file: string;
  readonly resourceTypes: ReadonlySet<string>;
  /** Relative path and content digest: what a cache key needs of the rule. */
  readonly fingerprint: string;
}

/** Checks started by `startInBackground`, for `validate` to collect. */
interface PendingChecks {
  /** The worker threads, each taking the next run not yet taken until none is left. */
  readonly tasks: readonly BackgroundTask[];
  /** Every run, in the order the threads take them: its template, and its place among the template's runs. */
  readonly runs: readonly { readonly templatePath: string; readonly order: number; readonly run: GuardRunFile }[];
  /** The digest of each template's bytes when the checks started. */
  readonly digests: ReadonlyMap<string, string>;
  /** Where the parts of the templates that the threads read were written. */
  readonly runsDirectory: string;
}

/** A cfn-guard run as a file: the rule files, and the part of the template they read, written out. */
interface GuardRunFile {
  readonly rules: readonly string[];
  readonly dataPath: string;
}

/**
 * The Control Tower proactive controls, run by the cfn-guard binary that
 * @cdklabs/cdk-validator-cfnguard ships.
 *
 * Differences from using the plugin as it comes:
 * - Each template is checked with only the rule files that name a resource type it holds. A rule
 *   about a type a template does not hold has nothing to check there, so the findings are the same
 *   (a test compares them with the unfiltered plugin), and synth is seconds faster.
 * - Those rule files run in a few groups, each on the part of the template it reads (./guard-runs.ts):
 *   cfn-guard's time grows with rule files times template size.
 * - Each violation gets the severity `error`. The plugin leaves it unset, and aws-cdk-lib, once it
 *   has removed an acknowledged violation from a report, recomputes the report's success as "no
 *   violation has severity error": without a severity, one acknowledgement would let every other
 *   Control Tower finding through.
 * - With a cache, a template whose bytes and rule files are unchanged is not checked again.
 * - `startInBackground` lets another plugin start the checks in a worker thread, to be collected
 *   when aws-cdk-lib calls `validate`.
 */
export class ControlTowerChecks implements IPolicyValidationPlugin {
  private static readonly PACKAGE_DIR = path.dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json'));
  private static readonly RULES_DIR = path.join(ControlTowerChecks.PACKAGE_DIR, 'rules', 'control-tower', 'cfn-guard');
  private static ruleFiles?: readonly RuleFile[];
  private static guardVersion?: string;

  private readonly reference = new CfnGuardValidator();
  readonly name = this.reference.name;
  readonly version = this.reference.version;
  readonly ruleIds = this.reference.ruleIds;

  private readonly cache?: ValidationCache;
  private pending?: PendingChecks;
  private readonly validator: TemplateValidator = {
    fingerprint: (_template, content) =>
      cacheKey(
        this.name,
        this.version ?? '',
        ControlTowerChecks.cfnGuardVersion(),
        CACHE_FORMAT,
        codeFingerprint(...FINDINGS_CODE),
        ...ControlTowerChecks.rulesFor(content).map((rule) => rule.fingerprint),
      ),
    validate: (templates) => this.check(templates),
  };

  constructor(options: ControlTowerChecksOptions = {}) {
    this.cache = options.cache;
  }

  /**
   * Starts checking, in worker threads, the templates that the cache cannot answer, so that they
   * are checked while the caller does other work. `validate` collects the findings, or checks
   * inline whatever the threads did not answer.
   */
  startInBackground(context: IPolicyValidationContext): void {
    this.stopBackground();
    const runsDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'cs2-analytics-guard-'));
    const tasks: BackgroundTask[] = [];
    try {
      const templates = uncachedTemplates(templatesOf(context), this.validator, this.cache).map(({ templatePath }) => {
        const content = fs.readFileSync(templatePath);
        return { templatePath, digest: digest(content), runs: ControlTowerChecks.guardRuns(templatePath, content, runsDirectory) };
      });
      // cfn-guard's time grows with a run's rule files times its template's size. The threads take
      // runs largest first, each the next one left as soon as it is free, so they finish together.
      const cost = (run: GuardRunFile) => run.rules.length * fs.statSync(run.dataPath).size;
      const runs = templates
        .flatMap(({ templatePath, runs: templateRuns }) =>
          templateRuns.map((run, order) => ({ templatePath, order, run, cost: cost(run) })),
        )
        .sort((a, b) => b.cost - a.cost);
      const next = new Int32Array(new SharedArrayBuffer(4));
      for (let thread = 0; thread < Math.min(2, os.availableParallelism(), runs.length); thread++) {
        const task = BackgroundTask.start('control-tower', {
          validatorModule: require.resolve('@cdklabs/cdk-validator-cfnguard'),
          maxBuffer: MAX_GUARD_OUTPUT,
        });
        if (!task) break;
        task.send({ runs: runs.map(({ run }) => run), next });
        tasks.push(task);
      }
      this.pending = { tasks, runs, digests: new Map(templates.map(({ templatePath, digest }) => [templatePath, digest])), runsDirectory };
    } catch {
      // Nothing started: `validate` checks every template inline, and reports what went wrong there.
      for (const task of tasks) task.stop();
      fs.rmSync(runsDirectory, { recursive: true, force: true });
    }
  }

  validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    let violations: PolicyViolation[];
    try {
      violations = validateWithCache(templatesOf(context), this.validator, { cache: this.cache, groupAcrossTemplates: false });
    } finally {
      // Checks nobody collected (another process filled the cache meanwhile) would only take CPU.
      this.stopBackground();
    }
    return {
      success: violations.length === 0,
      violations: violations.map((violation) => ({ ...violation, severity: violation.severity ?? 'error' })),
    };
  }

  /** The raw findings on each template: from the background checks where they cover it, else checked now. */
  private check(templates: readonly PolicyValidationStack[]): PolicyViolation[] {
    const fromBackground = this.collectBackground();
    const runsDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'cs2-analytics-guard-'));
    try {
      return templates.flatMap<PolicyViolation>((template) => {
        const content = fs.readFileSync(template.templatePath);
        const collected = fromBackground.get(template.templatePath);
        if (collected && collected.digest === digest(content)) return collected.violations;
        return ControlTowerChecks.guardRuns(template.templatePath, content, runsDirectory).flatMap((run) => {
          const guard = new CfnGuardValidator({ controlTowerRulesEnabled: false, rules: [...run.rules], maxBuffer: MAX_GUARD_OUTPUT });
          // Beta1 findings: the same shape, with fields that the current type leaves optional.
          const violations = guard.validate({ templatePaths: [run.dataPath] } as IPolicyValidationContext).violations as PolicyViolation[];
          return inTemplate(violations, template.templatePath);
        });
      });
    } finally {
      fs.rmSync(runsDirectory, { recursive: true, force: true });
    }
  }

  /** The background checks' findings by template path; a template with a run no thread answered is missing (checked inline). */
  private collectBackground(): Map<string, { digest: string; violations: PolicyViolation[] }> {
    const answered = new Map<number, PolicyViolation[]>();
    for (const task of this.pending?.tasks ?? []) {
      const results = task.result<{ index: number; violations: PolicyViolation[] }[]>(BACKGROUND_TIMEOUT_MS);
      task.stop();
      for (const { index, violations } of results ?? []) answered.set(index, violations);
    }
    const byTemplate = new Map<string, { order: number; violations?: PolicyViolation[] }[]>();
    this.pending?.runs.forEach(({ templatePath, order }, index) => {
      byTemplate.set(templatePath, [...(byTemplate.get(templatePath) ?? []), { order, violations: answered.get(index) }]);
    });
    const collected = new Map<string, { digest: string; violations: PolicyViolation[] }>();
    for (const [templatePath, runs] of byTemplate) {
      if (runs.some((run) => run.violations === undefined)) continue;
      const violations = runs.sort((a, b) => a.order - b.order).flatMap((run) => run.violations!);
      collected.set(templatePath, { digest: this.pending!.digests.get(templatePath)!, violations: inTemplate(violations, templatePath) });
    }
    this.stopBackground();
    return collected;
  }

  private stopBackground(): void {
    for (const task of this.pending?.tasks ?? []) task.stop();
    if (this.pending) fs.rmSync(this.pending.runsDirectory, { recursive: true, force: true });
    this.pending = undefined;
  }

  /** The rule files that name a resource type the template holds. */
  private static rulesFor(content: Buffer): readonly RuleFile[] {
    return ControlTowerChecks.rulesForTemplate(JSON.parse(content.toString('utf8')));
  }

  private static rulesForTemplate(template: CfnTemplate): readonly RuleFile[] {
    const present = new Set(Object.values(template.Resources ?? {}).map((resource) => resource.Type));
    return ControlTowerChecks.controlTowerRuleFiles().filter((rule) => [...rule.resourceTypes].some((type) => present.has(type)));
  }

  /**
   * The template's cfn-guard runs (its rule files, grouped, each group with the part of the template
   * it reads), written under `directory`, each part in a folder of its own under its template's file
   * name (the findings are then reported on the template itself: `inTemplate`).
   */
  private static guardRuns(templatePath: string, content: Buffer, directory: string): GuardRunFile[] {
    const template = JSON.parse(content.toString('utf8')) as CfnTemplate;
    const runs: GuardRun[] = planGuardRuns(template, ControlTowerChecks.rulesForTemplate(template));
    const folder = fs.mkdtempSync(path.join(directory, 'template-'));
    return runs.map((run, index) => {
      const dataPath = path.join(folder, String(index), path.basename(templatePath));
      fs.mkdirSync(path.dirname(dataPath));
      fs.writeFileSync(dataPath, JSON.stringify(run.template, undefined, 1));
      return { rules: run.rules, dataPath };
    });
  }

  private static controlTowerRuleFiles(): readonly RuleFile[] {
    ControlTowerChecks.ruleFiles ??= fs
      .readdirSync(ControlTowerChecks.RULES_DIR, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.guard'))
      .sort()
      .map((file) => {
        const full = path.join(ControlTowerChecks.RULES_DIR, file);
        const content = fs.readFileSync(full, 'utf8');
        const types = content.match(/AWS::[A-Za-z0-9]+::[A-Za-z0-9]+/g) ?? [];
        return { file: full, resourceTypes: new Set(types), fingerprint: `${file}:${digest(content)}` };
      });
    return ControlTowerChecks.ruleFiles;
  }

  /** The cfn-guard binary's release, which the package records next to it. */
  private static cfnGuardVersion(): string {
    ControlTowerChecks.guardVersion ??= fs.readFileSync(path.join(ControlTowerChecks.PACKAGE_DIR, 'guard-version.json'), 'utf8');
    return ControlTowerChecks.guardVersion;
  }
}

/** Findings on a part of a template, reported on the template itself. */
function inTemplate(violations: PolicyViolation[], templatePath: string): PolicyViolation[] {
  return violations.map((violation) => ({
    ...violation,
    violatingResources: violation.violatingResources.map((resource) => ({ ...resource, templatePath })),
  }));
}

/** The templates to check, in aws-cdk-lib's order, with their stacks where aws-cdk-lib names them. */
function templatesOf(context: IPolicyValidationContext): PolicyValidationStack[] {
  const stacks = new Map((context.stackTemplates ?? []).map((stack) => [stack.templatePath, stack]));
  return context.templatePaths.map(
    (templatePath) => stacks.get(templatePath) ?? { templatePath, stackConstructPath: '', accountId: undefined, region: undefined },
  );
}

function digest(content: string | Buffer): string {
  return crypto.createHash('sha256').update(content).digest('hex');
}
