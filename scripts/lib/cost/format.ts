import type { Estimate } from './estimate';

const usd = (value: number, digits = 2) => value.toFixed(digits);

/**
 * The estimate as printed by `npm run cost`: assumptions, one line per priced item
 * (stack, resource, quantity, unit price, USD/month), one line per stack, and the total last.
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
  out.push(`total ${envName}: ${usd(estimate.totalUsd)} USD/month`);
  return out.join('\n');
}
