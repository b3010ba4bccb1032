import type { Estimate } from './estimate';

const usd = (value: number, digits = 2) => value.toFixed(digits);

/** One environment's estimate, as a column of the summary. */
export interface EnvironmentEstimate {
  readonly envName: string;
  readonly estimate: Estimate;
}

/**
 * The estimate as printed by `npm run cost`: assumptions, one line per priced item
 * (stack, resource, quantity, unit price, USD/month), one line per stack, the total, and last the
 * summary table of USD/month per stack (formatSummary).
 */
export function formatEstimate(envName: string, estimate: Estimate, assumptions: readonly string[]): string {
  const out: string[] = [
    `CS2 Analytics ${envName}: estimated monthly cost in ${estimate.region}, on-demand USD, prices of ${estimate.priceDate}`,
    ...assumptions.map((assumption) => `assumes: ${assumption}`),
    '',
  ];
  for (const { stack, monthlyUsd } of estimate.stacks) {
    const lines = estimate.lines.filter((line) => line.stack === stack);
    for (const line of lines) {
      out.push(
        [
          stack,
          `${line.resource} (${line.type})`,
          line.item,
          `${line.quantity} ${line.unit}`,
          `x ${line.unitUsd} USD`,
          `= ${usd(line.monthlyUsd)} USD/month`,
        ].join('  '),
      );
    }
    out.push(`stack ${stack}: ${usd(monthlyUsd)} USD/month`, '');
  }
  out.push(`total ${envName}: ${usd(estimate.totalUsd)} USD/month`, '', formatSummary([{ envName, estimate }]));
  return out.join('\n');
}

/**
 * Every environment side by side, as `npm run cost -- --env all` prints it: the price table's region and
 * date, the assumptions (those that differ between environments once per environment), and the summary.
 */
export function formatEnvironments(environments: readonly (EnvironmentEstimate & { readonly assumptions: readonly string[] })[]): string {
  const tables = [...new Set(environments.map(({ estimate }) => `${estimate.region}, on-demand USD, prices of ${estimate.priceDate}`))];
  const names = environments.map(({ envName }) => envName).join(', ');
  const out: string[] =
    tables.length === 1
      ? [`CS2 Analytics ${names}: estimated monthly cost in ${tables[0]}`]
      : [
          `CS2 Analytics ${names}: estimated monthly cost, on-demand USD`,
          ...environments.map(({ envName, estimate }) => `${envName}: prices of ${estimate.region}, read ${estimate.priceDate}`),
        ];
  const shared = environments[0]?.assumptions.filter((line) => environments.every(({ assumptions }) => assumptions.includes(line))) ?? [];
  out.push(...shared.map((line) => `assumes: ${line}`));
  for (const { envName, assumptions } of environments) {
    out.push(...assumptions.filter((line) => !shared.includes(line)).map((line) => `assumes (${envName}): ${line}`));
  }
  out.push('', formatSummary(environments));
  return out.join('\n');
}

/** A stack's name without the app's and the environment's prefix: `Cs2Analytics-dev-network` is `network`. */
export function stackLabel(envName: string, stack: string): string {
  const prefix = `Cs2Analytics-${envName}-`;
  return stack.startsWith(prefix) ? stack.slice(prefix.length) : stack;
}

/**
 * USD/month per stack, one column per environment, one row per stack (by its name without the
 * environment's prefix, in the order the stacks come), and the total row last. A stack one environment
 * lacks shows `-`. The table is Markdown, aligned for a terminal.
 */
export function formatSummary(environments: readonly EnvironmentEstimate[]): string {
  const rows: string[] = [];
  for (const { envName, estimate } of environments) {
    for (const { stack } of estimate.stacks) {
      const label = stackLabel(envName, stack);
      if (!rows.includes(label)) rows.push(label);
    }
  }
  const cell = (env: EnvironmentEstimate, label: string) => {
    const stack = env.estimate.stacks.find((candidate) => stackLabel(env.envName, candidate.stack) === label);
    return stack ? usd(stack.monthlyUsd) : '-';
  };
  const header = ['stack', ...environments.map(({ envName }) => envName)];
  const body = [
    ...rows.map((label) => [label, ...environments.map((env) => cell(env, label))]),
    ['total', ...environments.map(({ estimate }) => usd(estimate.totalUsd))],
  ];
  const widths = header.map((title, column) => Math.max(title.length, ...body.map((row) => row[column].length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((text, column) => (column === 0 ? text.padEnd(widths[column]) : text.padStart(widths[column]))).join(' | ')} |`;
  const rule = `|${widths.map((width, column) => (column === 0 ? '-'.repeat(width + 2) : `${'-'.repeat(width + 1)}:`)).join('|')}|`;
  return ['USD/month by stack:', line(header), rule, ...body.map(line)].join('\n');
}
