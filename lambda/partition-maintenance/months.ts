/** A calendar month in UTC, counted from year 0 so that arithmetic is plain integer addition. */
export type MonthIndex = number;

export function monthOf(date: Date): MonthIndex {
  return date.getUTCFullYear() * 12 + date.getUTCMonth();
}

export function monthStart(month: MonthIndex): Date {
  return new Date(Date.UTC(Math.floor(month / 12), month % 12, 1));
}

/** `YYYY-MM`. */
export function monthLabel(month: MonthIndex): string {
  return `${Math.floor(month / 12)}-${String((month % 12) + 1).padStart(2, '0')}`;
}

/** `YYYY-MM-DD` of the month's first day, as PostgreSQL's `date` reads it. */
export function monthDate(month: MonthIndex): string {
  return `${monthLabel(month)}-01`;
}
