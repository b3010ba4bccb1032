/**
 * Instance families: how a family's on-demand price scales with size, how many vCPUs a size has, and
 * how a family's entry in the price table (one figure and the sizes offered) becomes a price per class.
 */
import type { InstancePrices, Price } from './price';

/**
 * A size in normalized units, the unit AWS counts size-flexible reservations in: micro 0.5, small 1,
 * medium 2, large 4, xlarge 8, and 8 per xlarge above (RDS user guide, "Size-flexible reserved DB
 * instances", whose table also counts a Multi-AZ instance as twice its Single-AZ units; ElastiCache's
 * reserved nodes are size-flexible the same way). On demand, a family's price is linear in these units:
 * the price table relies on that wherever it prices a size from another size of its family.
 * @returns NaN for a size that is no multiple of a nano (e.g. `metal`)
 */
export function sizeUnits(size: string): number {
  const named: Record<string, number> = { nano: 0.25, micro: 0.5, small: 1, medium: 2, large: 4, xlarge: 8 };
  if (size in named) return named[size];
  const multiple = /^(\d+)xlarge$/.exec(size);
  return multiple ? 8 * Number(multiple[1]) : NaN;
}

/**
 * The vCPUs of a database instance class (`db.r6g.2xlarge`): 2 for every size up to large, 4 for
 * xlarge and 4 per xlarge above; burstable classes (T3, T4g) have 2 up to large as well. RDS Proxy
 * charges per vCPU of the instances it fronts (RDS Proxy pricing), so every class needs its count.
 * @returns undefined for a class whose size has no such count (e.g. `metal`)
 */
export function instanceVcpus(instanceClass: string): number | undefined {
  const size = instanceClass.split('.').pop() ?? '';
  const units = sizeUnits(size);
  if (!Number.isFinite(units) || units < sizeUnits('micro')) return undefined;
  return Math.max(2, units / 2);
}

/** One family's prices in one region: the sizes offered there, a figure, and where it comes from. */
export interface FamilyPrices {
  /** With its prefix, e.g. `db.r6g`, `cache.t4g`, `t4g`. */
  readonly family: string;
  /** The sizes offered in the region (the AWS Price List's offerings, see the table's `offerings`). */
  readonly sizes: readonly string[];
  /** The AWS pricing page the figures are read from (or, where derived, would be read from). */
  readonly page: string;
  /** The figure the family's other sizes scale from; its size need not be offered (it is then a unit price). */
  readonly base: { readonly size: string; readonly usd: number };
  /**
   * How `base.usd` was arrived at, where the page showed no figure for the region.
   * @default - read from the page for the region
   */
  readonly baseDerived?: string;
  /** Figures of other sizes, which take precedence over scaling. @default - none */
  readonly figures?: Readonly<Record<string, number>>;
  /**
   * How `figures` were arrived at.
   * @default - read from the page for the region
   */
  readonly figuresDerived?: string;
}

/** Rounds away binary noise (0.1 x 3), keeping every digit a price table figure has. */
const exact = (usd: number) => Math.round(usd * 1e6) / 1e6;

/**
 * Every offered size of every family as a price: a figure where the family has one for the size,
 * else the base figure scaled by normalized units, saying so in `derived`.
 */
export function familyPrices(families: readonly FamilyPrices[], unit = 'hour'): InstancePrices {
  const prices: Record<string, Price> = {};
  for (const family of families) {
    const baseUnits = sizeUnits(family.base.size);
    for (const size of family.sizes) {
      const units = sizeUnits(size);
      if (!Number.isFinite(units)) throw new Error(`${family.family}.${size}: a size the price table cannot scale`);
      const figure = family.figures?.[size];
      let price: Price;
      if (figure !== undefined) {
        price = { usd: figure, unit, page: family.page, ...(family.figuresDerived ? { derived: family.figuresDerived } : {}) };
      } else if (size === family.base.size) {
        price = { usd: family.base.usd, unit, page: family.page, ...(family.baseDerived ? { derived: family.baseDerived } : {}) };
      } else {
        const scaled = `scales with size from ${family.base.size} at ${family.base.usd}`;
        price = {
          usd: exact((family.base.usd * units) / baseUnits),
          unit,
          page: family.page,
          derived: family.baseDerived ? `${family.base.size}: ${family.baseDerived}; ${scaled}` : scaled,
        };
      }
      prices[`${family.family}.${size}`] = price;
    }
  }
  return prices;
}

/**
 * The same families at `factor` times their prices (Multi-AZ, Valkey), each price saying why and, where
 * the original was derived too, how (`of` names the original, e.g. `Single-AZ`).
 */
export function scaledFamilies(families: readonly FamilyPrices[], factor: number, why: string, of: string): FamilyPrices[] {
  const explain = (derived: string | undefined) => (derived ? `${why}; ${of}: ${derived}` : why);
  return families.map((family) => ({
    ...family,
    base: { size: family.base.size, usd: exact(family.base.usd * factor) },
    baseDerived: explain(family.baseDerived),
    ...(family.figures
      ? {
          figures: Object.fromEntries(Object.entries(family.figures).map(([size, usd]) => [size, exact(usd * factor)])),
          figuresDerived: explain(family.figuresDerived),
        }
      : {}),
  }));
}
