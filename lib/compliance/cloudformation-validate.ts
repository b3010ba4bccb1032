import {
  CloudFormationValidatePlugin,
  type CloudFormationValidatePluginProps,
  type IPolicyValidationContext,
  type PolicyValidationPluginReport,
  type PolicyValidationStack,
  type PolicyViolation,
} from 'aws-cdk-lib';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { BackgroundTask } from './background';
import {
  cacheKey,
  codeFingerprint,
  uncachedTemplates,
  validateWithCache,
  type TemplateValidator,
  type ValidationCache,
} from './validation-cache';

/** The plugin's public props: rules to add, and whether to keep the default ones. */
export type PublicCloudFormationValidatePluginProps = Pick<
  CloudFormationValidatePluginProps,
  'regoRules' | 'guardRules' | 'includeDefaultRules'
>;

export interface CachedCloudFormationValidateProps extends PublicCloudFormationValidatePluginProps {
  /**
   * Where findings are cached by template content.
   * @default - no cache: every template is validated
   */
  readonly cache?: ValidationCache;
  /**
   * Start the validation engine in a worker thread now, and validate there, so that its start-up
   * (seconds, nearly all of a cold validation) overlaps building the app. For a process that
   * synthesizes once (bin/app.ts); a process that synthesizes many apps shares one engine without it.
   *
   * With a cache, only when the last synth that used it had templates to validate (or there is no
   * such synth yet): when every template comes from the cache, the thread would only take CPU
   * from building the app.
   * @default false
   */
  readonly prewarm?: boolean;
}

/** Longer than the engine takes to start and validate every template of an environment on a loaded machine. */
const BACKGROUND_TIMEOUT_MS = 120_000;
/** Bumped when the shape of a cached entry changes (an edit of this file or its worker changes the key anyway: codeFingerprint). */
const CACHE_FORMAT = 'cloudformation-validate/1';
/** The cache note that says whether the last synth needed the engine (see `prewarm`). */
const ENGINE_NOTE = 'cloudformation-validate-engine';
const ENGINE_IDLE = 'idle';
const ENGINE_NEEDED = 'needed';

/** aws-cdk-lib's package.json, one of its public entry points: its version, and the engine's it pins. */
const AWS_CDK_LIB_PACKAGE_JSON = require.resolve('aws-cdk-lib/package.json');
/** The engine aws-cdk-lib's plugin validates with, a bundled dependency at the exact version aws-cdk-lib names. */
const ENGINE_PACKAGE = '@aws/cloudformation-validate';

/**
 * aws-cdk-lib's CloudFormation validation, with its findings cached by template content.
 *
 * Registered on the App, it counts as the user's own instance, so aws-cdk-lib does not add its
 * built-in one as well. It keeps the built-in's name, so `@aws-cdk/core:validateAgainstDefaultRules`
 * (errors or warnings) and the `CloudFormation-Validate::` acknowledgements work as before. The
 * templates the cache cannot answer are validated by an instance of aws-cdk-lib's plugin itself:
 * one per process and props, as aws-cdk-lib shares its built-in one, since an engine takes seconds
 * to start.
 */
export class CachedCloudFormationValidate extends CloudFormationValidatePlugin {
  private static readonly engines = new Map<string, CloudFormationValidatePlugin>();
  private static fingerprints = new Map<string, string>();

  private readonly pluginProps: PublicCloudFormationValidatePluginProps;
  private readonly cache?: ValidationCache;
  private worker?: BackgroundTask;
  /** The job `startInBackground` sent to the worker: its templates and the digests of their bytes then. */
  private pending?: readonly { readonly templatePath: string; readonly digest: string }[];

  constructor(props: CachedCloudFormationValidateProps = {}) {
    const { cache, prewarm, ...pluginProps } = props;
    super(pluginProps);
    this.pluginProps = pluginProps;
    this.cache = cache;
    if (prewarm && this.cache?.readNote(ENGINE_NOTE) !== ENGINE_IDLE) {
      this.worker = BackgroundTask.start('cloudformation-validate', { props: pluginProps, prewarm: true });
    }
  }

  /**
   * The engine's version, as the built-in reports it, but read from the version aws-cdk-lib pins:
   * the built-in's getter loads the 9 MB WebAssembly module, which a synth answered from the cache
   * never needs. (aws-cdk-lib reads it for every validation report.)
   */
  override get version(): string {
    return pinnedEngineVersion() ?? super.version ?? 'unknown';
  }

  override get ruleIds(): string[] {
    return [this.version];
  }

  /**
   * Sends the templates that the cache cannot answer to the worker thread started by `prewarm`, so
   * that they are validated while other plugins run; `validate` collects the findings. Without a
   * worker, `validate` does it all.
   */
  startInBackground(context: IPolicyValidationContext): void {
    if (!this.worker || this.pending) return;
    const templates = uncachedTemplates(
      context.stackTemplates,
      this.templateValidator(context, () => undefined),
      this.cache,
    );
    if (templates.length === 0) return;
    this.worker.send(toJob(templates));
    this.pending = templates.map((template) => ({ templatePath: template.templatePath, digest: digestOf(template.templatePath) }));
  }

  override validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    let validatedNow = false;
    const validator = this.templateValidator(context, () => (validatedNow = true));
    let violations: PolicyViolation[];
    try {
      violations = validateWithCache(context.stackTemplates, validator, { cache: this.cache, groupAcrossTemplates: true });
    } finally {
      this.worker?.stop();
      this.worker = undefined;
    }
    this.cache?.writeNote(ENGINE_NOTE, validatedNow ? ENGINE_NEEDED : ENGINE_IDLE);
    return { success: violations.every((v) => v.severity !== 'error' && v.severity !== 'fatal'), violations };
  }

  private templateValidator(context: IPolicyValidationContext, onValidate: () => void): TemplateValidator {
    return {
      fingerprint: () => this.fingerprint(),
      validate: (templates) => {
        onValidate();
        return this.validateNow(context, templates);
      },
    };
  }

  private validateNow(context: IPolicyValidationContext, templates: readonly PolicyValidationStack[]): PolicyViolation[] {
    const job = toJob(templates);
    if (this.worker) {
      const pending = this.pending;
      this.pending = undefined;
      // The job sent early holds these very templates, unchanged since: its answer is theirs.
      const sentEarly =
        pending !== undefined &&
        pending.length === templates.length &&
        pending.every((sent, index) => sent.templatePath === templates[index].templatePath && sent.digest === digestOf(sent.templatePath));
      if (pending && !sentEarly) this.worker.result<PolicyViolation[]>(BACKGROUND_TIMEOUT_MS);
      if (!sentEarly) this.worker.send(job);
      const violations = this.worker.result<PolicyViolation[]>(BACKGROUND_TIMEOUT_MS);
      if (violations) return violations;
    }
    return this.sharedEngine().validate({ ...context, ...job }).violations;
  }

  private sharedEngine(): CloudFormationValidatePlugin {
    const key = JSON.stringify(this.pluginProps);
    let engine = CachedCloudFormationValidate.engines.get(key);
    if (!engine) {
      engine = new CloudFormationValidatePlugin(this.pluginProps);
      CachedCloudFormationValidate.engines.set(key, engine);
    }
    return engine;
  }

  /**
   * What the findings depend on besides the template: aws-cdk-lib's package.json (its version, which
   * fixes the plugin's code, its default rules and the engine's version), and the props with the
   * rules they add. A copy of aws-cdk-lib patched in place keeps its version: clear the cache after
   * patching it.
   */
  private fingerprint(): string {
    const key = JSON.stringify(this.pluginProps);
    let fingerprint = CachedCloudFormationValidate.fingerprints.get(key);
    if (!fingerprint) {
      fingerprint = cacheKey(
        this.name,
        CACHE_FORMAT,
        // This module and its worker turn the engine's report into the cached findings.
        codeFingerprint(__filename, path.join(__dirname, 'background-worker.js')),
        fs.readFileSync(AWS_CDK_LIB_PACKAGE_JSON),
        key,
      );
      CachedCloudFormationValidate.fingerprints.set(key, fingerprint);
    }
    return fingerprint;
  }
}

function toJob(templates: readonly PolicyValidationStack[]) {
  return { stackTemplates: [...templates], templatePaths: templates.map((template) => template.templatePath) };
}

function digestOf(templatePath: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(templatePath)).digest('hex');
}

let pinned: { readonly version: string | undefined } | undefined;
/** The engine's exact version as aws-cdk-lib's package.json pins it, or undefined if it names a range. */
function pinnedEngineVersion(): string | undefined {
  if (!pinned) {
    const manifest = JSON.parse(fs.readFileSync(AWS_CDK_LIB_PACKAGE_JSON, 'utf8')) as { dependencies?: Record<string, string> };
    const version = manifest.dependencies?.[ENGINE_PACKAGE];
    pinned = { version: version !== undefined && /^\d+\.\d+\.\d+$/.test(version) ? version : undefined };
  }
  return pinned.version;
}
