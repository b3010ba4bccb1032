/** One price, and where it comes from: the unit both the price table and the instance families speak. */
export interface Price {
  readonly usd: number;
  /** What one unit is, e.g. `hour`, `GB-month`, `million requests`. */
  readonly unit: string;
  /** The AWS pricing page the figure was read from. */
  readonly page: string;
  /**
   * How a figure the page did not show for this region was arrived at.
   * @default - read for this region
   */
  readonly derived?: string;
}

/** Prices of one kind of instance, by instance class. */
export type InstancePrices = Readonly<Record<string, Price>>;
