import type { ClientBase } from 'pg';
import type { ArchiveTarget } from './archive';
import type { ConvertReport } from './convert';
import type { RetryPolicy } from './retry';

/** One table the pass looks after. Names are exact and case-sensitive, as the migrations wrote them. */
export interface TableSettings {
  readonly schema: string;
  readonly table: string;
  /** The partition column, e.g. `createdAt`. */
  readonly column: string;
  /** Months created after the current one. */
  readonly futureMonths: number;
  /** Months kept before the current one: the original ARCHIVAL_THRESHOLD_MONTHS. */
  readonly retentionMonths: number;
  /** Export a partition to S3 (and check it) before dropping it. */
  readonly archive: boolean;
  /**
   * Convert the table to monthly partitions when the pass finds it plain (as the app's migrations
   * create it): no row is copied, the exclusive lock lasts milliseconds (see convert.ts).
   * @default false: a plain table is an error
   */
  readonly convertIfPlain?: boolean;
}

export interface RetiredPartition {
  readonly partition: string;
  /** `YYYY-MM`, or `…-YYYY-MM` for a partition that starts at MINVALUE. */
  readonly range: string;
  readonly archivedRows?: number;
  readonly archiveUri?: string;
}

export interface TableSummary {
  readonly schema: string;
  readonly table: string;
  readonly column: string;
  created: string[];
  retired: RetiredPartition[];
  archived: { partition: string; rows: number; uri: string }[];
  /** Dry run: what a real pass would do. */
  planned?: { create: string[]; retire: string[]; convert?: boolean };
  /** The table does not exist yet (missingTables `wait`): nothing was done, and nothing failed. */
  waiting?: boolean;
  /** The pass found the table plain and converted it first. */
  converted?: ConvertReport;
  monthsAhead: number | null;
  lockRetries: number;
  durationMs: number;
  errors: string[];
}

/** What every table's pass shares: the clock, the mode, the retry policy, the log. */
export interface RunContext {
  readonly now: Date;
  readonly dryRun: boolean;
  readonly policy: RetryPolicy;
  readonly log: (event: Record<string, unknown>) => void;
  readonly archiveTarget?: ArchiveTarget;
  readonly missingTables: 'wait' | 'fail';
}

/** Runs one step, retrying it (bounded, with backoff) while it waits for a lock. */
export type Retry = <T>(step: string, attempt: () => Promise<T>) => Promise<T>;

/** One table's pass in progress: where it runs, what it maintains, and where it reports. */
export interface TableRun {
  readonly client: ClientBase;
  readonly settings: TableSettings;
  /** The partitioned table, quoted and qualified. */
  readonly parent: string;
  readonly context: RunContext;
  /** Filled in as the pass goes. */
  readonly summary: TableSummary;
  readonly retry: Retry;
}
