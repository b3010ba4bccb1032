/**
 * What a change does before it is deployed, offline: the verdict first (safe, restarts tasks, reboot
 * or failover, replaces data, refused), then what happens, grouped by cause, and what each side costs
 * a month, per stack. Two comparisons:
 *
 * - the working tree (code and configuration) with a git ref: `--base <ref>`, by default the
 *   merge-base with main; the ref is synthesized in a temporary git worktree;
 * - the configuration with `-c` overrides, without `--base`: the same code, another value.
 *
 * Exit 3 when data is replaced or removed or CloudFormation would refuse the update (in any
 * environment); 0 otherwise; 1 when a ref does not build or git cannot find it; 2 on bad arguments or
 * configuration (README, Commands).
 *
 *   npm run impact -- --env <env|all> [--base <ref>] [-c <field>=<value> ...] [--format text|markdown]
 */
import * as path from 'path';
import { ENVIRONMENTS } from '../lib/config/environments';
import { loadConfig } from '../lib/config/load';
import { replacementReason } from '../lib/config/schema';
import { synthesizeTemplates } from './lib/cloud-assembly';
import { estimate, type Estimate } from './lib/cost/estimate';
import { priceTableFor } from './lib/cost/price-table';
import { idleUsage } from './lib/cost/usage';
import { resolveBase, synthesizeAtCommit, type BaseRef, type SynthesizedEnvironment } from './lib/git-base';
import { analyzeImpact, dangers, formatImpact, VERDICT_MEANING, type Impact } from './lib/impact';
import { argumentsOrExit, EXIT, parseCommandLine, UsageError } from './lib/command-line';
import { CONTEXT_OPTION, contextOverrides, ENV_OPTION, environmentName } from './lib/environment-argument';
import { runMain } from './lib/run-main';

/** The stand-in account both sides use: only the difference between them matters. */
const ACCOUNT = '111111111111';
const USAGE = 'usage: npm run impact -- --env <env|all> [--base <ref>] [-c <field>=<value> ...] [--format text|markdown]';
const ROOT = path.join(__dirname, '..');

export interface Arguments {
  readonly envNames: readonly string[];
  readonly base?: string;
  readonly overrides: Readonly<Record<string, string>>;
  readonly format: 'text' | 'markdown';
}

/** One environment's comparison. */
export interface EnvironmentImpact {
  readonly envName: string;
  readonly impact: Impact;
  readonly cost: { readonly before: Estimate; readonly after: Estimate };
}

/** How each side is built; tests pass ones that read templates synthesized once. */
export interface ImpactSources {
  /** The working tree's templates for a configuration. */
  readonly synthesize: typeof synthesizeTemplates;
  /** A ref's environments, as its own code builds them. */
  readonly synthesizeBase: (base: BaseRef, envNames: readonly string[]) => Map<string, SynthesizedEnvironment>;
  readonly resolveBase: (ref?: string) => BaseRef;
}

const DEFAULT_SOURCES: ImpactSources = {
  synthesize: synthesizeTemplates,
  synthesizeBase: (base, envNames) => synthesizeAtCommit(ROOT, base.commit, envNames, ACCOUNT),
  resolveBase: (ref) => resolveBase(ROOT, ref),
};

/** Throws UsageError or HelpRequested. */
export function parseImpactArguments(argv: readonly string[]): Arguments {
  const { values } = parseCommandLine(argv, {
    options: { ...ENV_OPTION, ...CONTEXT_OPTION, base: { type: 'string' }, format: { type: 'string', default: 'text' } },
  });
  const env = environmentName(values.env, { all: true });
  const format = values.format;
  if (format !== 'text' && format !== 'markdown') throw new UsageError(`--format is text or markdown (got ${format})`);
  if (values.base === '') throw new UsageError('--base takes a git ref');
  const known = Object.keys(ENVIRONMENTS);
  return { envNames: env === 'all' ? known : [env], base: values.base, overrides: contextOverrides(values.context), format };
}

/** Monthly cost of a side, per stack, with the same (current) price table for both. */
function costOf(templates: ReadonlyMap<string, any>, config: any): Estimate {
  const stacks = [...templates].map(([stackName, template]) => ({ stackName, template }));
  return estimate(stacks, priceTableFor(config.region), idleUsage(config));
}

/**
 * The comparisons: with a ref (`base`), or, with overrides and no ref, of the configuration with
 * the overrides.
 */
export function compare(
  args: Arguments,
  sources: ImpactSources = DEFAULT_SOURCES,
): { readonly base?: BaseRef; readonly results: EnvironmentImpact[] } {
  const against = args.base !== undefined || Object.keys(args.overrides).length === 0 ? sources.resolveBase(args.base) : undefined;
  const baseSides = against ? sources.synthesizeBase(against, args.envNames) : undefined;
  const results = args.envNames.map((envName) => {
    const afterConfig = loadConfig({ envName, overrides: { ...args.overrides }, defaultAccount: ACCOUNT });
    const after = sources.synthesize(afterConfig);
    let before: SynthesizedEnvironment;
    if (baseSides) {
      const side = baseSides.get(envName);
      // An environment the ref does not have: everything is new.
      before = side ?? { templates: new Map(), config: afterConfig };
    } else {
      const config = loadConfig({ envName, defaultAccount: ACCOUNT });
      before = { templates: sources.synthesize(config), config };
    }
    return {
      envName,
      impact: analyzeImpact(before.templates, after),
      cost: { before: costOf(before.templates, before.config), after: costOf(after, afterConfig) },
    };
  });
  return { base: against, results };
}

const usd = (amount: number) => amount.toFixed(2);
const signed = (amount: number) => `${amount >= 0 ? '+' : '-'}${usd(Math.abs(amount))}`;

/** Per stack: before, after, difference; stacks on either side, in the after side's order. */
function costRows(result: EnvironmentImpact): [string, number, number][] {
  const before = new Map(result.cost.before.stacks.map((stack) => [stack.stack, stack.monthlyUsd]));
  const after = new Map(result.cost.after.stacks.map((stack) => [stack.stack, stack.monthlyUsd]));
  const names = [...new Set([...after.keys(), ...before.keys()])];
  return names.map((name) => [name, before.get(name) ?? 0, after.get(name) ?? 0]);
}

export function formatText(results: readonly EnvironmentImpact[], base?: BaseRef): string {
  const blocks = results.map((result) => {
    const lines = [formatImpact(result.impact, result.envName)];
    const difference = result.cost.after.totalUsd - result.cost.before.totalUsd;
    lines.push(
      '',
      `${result.envName}: ${signed(difference)} USD/month (${usd(result.cost.before.totalUsd)} -> ${usd(result.cost.after.totalUsd)})`,
    );
    for (const [stack, before, after] of costRows(result)) {
      if (before !== after) lines.push(`  ${stack}: ${signed(after - before)} (${usd(before)} -> ${usd(after)})`);
    }
    return lines.join('\n');
  });
  const header = base ? [`compared with ${base.name} (${base.commit.slice(0, 12)})`, ''] : [];
  return [...header, blocks.join('\n\n')].join('\n');
}

export function formatMarkdown(results: readonly EnvironmentImpact[], base?: BaseRef): string {
  const lines = [
    '# Impact',
    '',
    base ? `Compared with ${base.name} (\`${base.commit.slice(0, 12)}\`).` : 'Compared with the configuration as it is.',
  ];
  lines.push('', '| environment | verdict | USD/month before | after | difference |', '|---|---|---:|---:|---:|');
  for (const result of results) {
    const { before, after } = result.cost;
    const verdict = result.impact.effects.length === 0 ? 'no resource changes' : result.impact.verdict;
    lines.push(
      `| ${result.envName} | ${verdict} | ${usd(before.totalUsd)} | ${usd(after.totalUsd)} | ${signed(after.totalUsd - before.totalUsd)} |`,
    );
  }
  for (const result of results) {
    lines.push('', `## ${result.envName}: ${result.impact.effects.length === 0 ? 'no resource changes' : result.impact.verdict}`);
    if (result.impact.effects.length > 0) lines.push('', VERDICT_MEANING[result.impact.verdict]);
    lines.push('', '| stack | USD/month before | after | difference |', '|---|---:|---:|---:|');
    for (const [stack, before, after] of costRows(result))
      lines.push(`| ${stack} | ${usd(before)} | ${usd(after)} | ${signed(after - before)} |`);
    if (result.impact.effects.length > 0) {
      lines.push(
        '',
        '<details><summary>What changes, by cause</summary>',
        '',
        '```text',
        formatImpact(result.impact, result.envName),
        '```',
        '',
        '</details>',
      );
    }
  }
  return lines.join('\n');
}

/**
 * @param sources how each side is built, for tests
 * @default DEFAULT_SOURCES: the working tree in this process, a ref in a temporary git worktree
 */
export async function main(argv: readonly string[], sources: Partial<ImpactSources> = {}): Promise<number> {
  let parsed;
  try {
    parsed = argumentsOrExit(USAGE, () => {
      const args = parseImpactArguments(argv);
      return { args, compared: compare(args, { ...DEFAULT_SOURCES, ...sources }) };
    });
  } catch (error) {
    if (/^(--base|no main|no origin\/main|the base)/.test((error as Error).message)) {
      console.error((error as Error).message);
      return EXIT.failed;
    }
    throw error;
  }
  if ('exit' in parsed) return parsed.exit;
  const { args } = parsed.value;
  const { results, base } = parsed.value.compared;
  console.log(args.format === 'markdown' ? formatMarkdown(results, base) : formatText(results, base));
  // What the schema says of a field whose change replaces or refuses: how to get there instead.
  for (const field of Object.keys(args.overrides)) {
    const reason = replacementReason(field);
    if (reason) console.log(`\n${field}: ${reason}`);
  }
  return results.some((result) => dangers(result.impact).length > 0) ? EXIT.danger : EXIT.ok;
}

runMain(module, main);
