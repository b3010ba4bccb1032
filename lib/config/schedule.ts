/**
 * When AWS and this app act on an environment by themselves, in UTC: one place, so that nothing
 * scheduled runs into something else (the timeline rehearsal checks the synthesized windows against
 * each other). No import: the config schema checks the daily maintenance hour against it.
 *
 *   00:00-01:00  credential rotations (database master and app logins, Redis token), on their day
 *   02:00-03:00  RDS automated backups; ElastiCache snapshots (no ElastiCache change is accepted meanwhile)
 *   03:00        AWS Backup's daily recovery point (04:00 on the 1st: the monthly one)
 *   HH:30        the daily partition maintenance (maintenance.scheduleHourUtc), at most 15 minutes
 *   Sun 04:30-05:30  RDS and ElastiCache maintenance (patches may restart the database or a node)
 */
/**
 * Minutes a service stopped by its run hours may take to serve again after its scheduled start:
 * placing a task, pulling the image, the container health check's start period and the target
 * group's healthy threshold. Alarms on targets and tasks of such a service wait this long.
 */
export const SCHEDULED_START_MINUTES = 10;

export const SCHEDULE = {
  /** Secrets Manager's rotation window: a rate() schedule's window starts at midnight; this many hours long. */
  rotationWindowHours: 1,
  databaseBackupWindow: '02:00-03:00',
  cacheSnapshotWindow: '02:00-03:00',
  backupPlanDailyHourUtc: 3,
  backupPlanMonthlyHourUtc: 4,
  databaseMaintenanceWindow: 'sun:04:30-sun:05:30',
  cacheMaintenanceWindow: 'sun:04:30-sun:05:30',
} as const;

/** Minutes since Monday 00:00 UTC of a weekly window's ends (`ddd:hh:mm-ddd:hh:mm`). */
export function weeklyWindowMinutes(window: string): { start: number; end: number } {
  const days = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
  const minutes = (point: string) => {
    const [day, hours, mins] = point.split(':');
    return days.indexOf(day) * 1440 + Number(hours) * 60 + Number(mins);
  };
  const [start, end] = window.split('-').map(minutes);
  return { start, end };
}
