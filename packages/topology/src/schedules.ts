/**
 * When each batch job runs: the CronJobs' schedules (Helm values default to
 * these) and the local dev runner's, so both run the same thing. A schedule
 * only says when to look: each job finds its pending work from durable state,
 * so a missed or failed run is caught up by the next one.
 */
export interface JobSchedule {
  /** CronJob name */
  job: string;
  /** standard five-field cron, UTC */
  cron: string;
  description: string;
  /**
   * How late the CronJob may still start a run it missed (controller down, cluster busy).
   * One period: a start later than that overlaps the next one, which catches up anyway.
   */
  startingDeadlineSeconds: number;
  /**
   * The cadence `./dev up` runs the job at: the same job, on the same kind of schedule,
   * only more often, so a fresh local stack fills its marts within minutes.
   */
  localCron: string;
}

export const schedules: JobSchedule[] = [
  { job: 'lake-compactor-hourly', cron: '5 * * * *', description: 'compacts spooled packets into the hourly lake and ops.vibration_hourly', startingDeadlineSeconds: 3300, localCron: '*/2 * * * *' },
  { job: 'db-extractor', cron: '15 */2 * * *', description: 'copies the production app and SAP tables into raw_production and raw_erp', startingDeadlineSeconds: 6600, localCron: '*/2 * * * *' },
  { job: 's3-avro-sync', cron: '*/30 * * * *', description: "copies the supplier's new Avro files into the landing bucket and raw_rock_quality", startingDeadlineSeconds: 1500, localCron: '*/3 * * * *' },
];

export const scheduleOf = (job: string): JobSchedule => {
  const found = schedules.find((s) => s.job === job);
  if (!found) throw new Error(`no schedule declared for ${job}`);
  return found;
};
