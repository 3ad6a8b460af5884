import { qualityGates } from './quality.js';
import type { ViewSpec } from './types.js';

/** Issue events with redeliveries removed: streaming inserts may repeat a row, the event id may not. */
const dedupedIssueEvents = (project: string) => `
  SELECT * EXCEPT (eventCopy) FROM (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY eventId ORDER BY receivedAt) AS eventCopy
    FROM \`${project}.raw_mobile.machinery_issue_events\`)
  WHERE eventCopy = 1`;

/** The catalogue with each event once, as last decided (a blast label can arrive after the event). */
const latestSeismicEvents = (project: string) => `
  SELECT * EXCEPT (eventCopy) FROM (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY eventId ORDER BY decidedAt DESC) AS eventCopy
    FROM \`${project}.ops.seismic_events\`)
  WHERE eventCopy = 1`;

export const views: ViewSpec[] = [
  {
    dataset: 'marts',
    name: 'seismic_event_rate',
    description: 'located natural events, blasts, largest magnitude and natural energy per zone and day',
    owner: 'seismic-catalogue',
    query: (project) => `
      SELECT site, zone, DATE(originTime) AS day,
             SUM(CASE WHEN kind = 'natural' THEN 1 ELSE 0 END) AS naturalEvents,
             SUM(CASE WHEN kind = 'blast' THEN 1 ELSE 0 END) AS blasts,
             MAX(CASE WHEN kind = 'natural' THEN magnitude END) AS maxMagnitude,
             SUM(CASE WHEN kind = 'natural' THEN energyJ ELSE 0 END) AS naturalEnergyJ
      FROM (${latestSeismicEvents(project)})
      GROUP BY site, zone, DATE(originTime)`,
  },
  {
    dataset: 'marts',
    name: 'seismic_b_value',
    description:
      'Gutenberg–Richter b-value per zone and day: Aki–Utsu maximum likelihood over natural events at or above Mc (maximum curvature of 0.1 bins + 0.2), Shi–Bolt standard error; null below 25 events',
    owner: 'seismic-catalogue',
    query: (project) => `
      WITH natural AS (
        SELECT site, zone, DATE(originTime) AS day, ROUND(magnitude, 1) AS m FROM (${latestSeismicEvents(project)}) WHERE kind = 'natural'),
      bins AS (SELECT site, zone, day, m, COUNT(*) AS n FROM natural GROUP BY site, zone, day, m),
      ranked AS (SELECT site, zone, day, m, ROW_NUMBER() OVER (PARTITION BY site, zone, day ORDER BY n DESC, m) AS modeRank FROM bins),
      completeness AS (SELECT site, zone, day, m + 0.2 AS mc FROM ranked WHERE modeRank = 1),
      above AS (
        SELECT natural.site, natural.zone, natural.day, completeness.mc, natural.m
        FROM natural JOIN completeness ON natural.site = completeness.site AND natural.zone = completeness.zone AND natural.day = completeness.day
        WHERE natural.m >= completeness.mc - 0.05),
      fit AS (
        SELECT site, zone, day, mc, COUNT(*) AS events, AVG(m) AS meanMagnitude, VAR_POP(m) AS variance,
               0.4342944819 / (AVG(m) - (mc - 0.05)) AS b
        FROM above GROUP BY site, zone, day, mc)
      SELECT site, zone, day, mc, events, meanMagnitude,
             CASE WHEN events >= 25 THEN b END AS bValue,
             CASE WHEN events >= 25 THEN 2.3 * b * b * SQRT(variance / (events - 1)) END AS bValueError
      FROM fit`,
  },
  {
    dataset: 'marts',
    name: 'post_blast_decay',
    description:
      'per blast: natural events in the decades 0.1–1 h and 1–10 h after it in its site, the Omori decay exponent they imply (p = 1 − log10(N₁₋₁₀/N₀.₁₋₁), Utsu), and the background rate of the day before, for re-entry decisions',
    owner: 'seismic-catalogue',
    query: (project) => `
      WITH events AS (${latestSeismicEvents(project)}),
      blasts AS (SELECT eventId, blastId, site, zone, originTime, magnitude FROM events WHERE kind = 'blast'),
      counts AS (
        SELECT blasts.eventId, blasts.blastId, blasts.site, blasts.zone, blasts.originTime AS blastTime, blasts.magnitude AS blastMagnitude,
               SUM(CASE WHEN TIMESTAMP_DIFF(n.originTime, blasts.originTime, SECOND) BETWEEN 360 AND 3599 THEN 1 ELSE 0 END) AS eventsFirstDecade,
               SUM(CASE WHEN TIMESTAMP_DIFF(n.originTime, blasts.originTime, SECOND) BETWEEN 3600 AND 35999 THEN 1 ELSE 0 END) AS eventsSecondDecade,
               SUM(CASE WHEN TIMESTAMP_DIFF(n.originTime, blasts.originTime, SECOND) BETWEEN -86400 AND -1 THEN 1 ELSE 0 END) AS eventsDayBefore
        FROM blasts LEFT JOIN events AS n ON n.site = blasts.site AND n.kind = 'natural'
        GROUP BY blasts.eventId, blasts.blastId, blasts.site, blasts.zone, blasts.originTime, blasts.magnitude)
      SELECT counts.*, eventsDayBefore / 24 AS backgroundPerHour, eventsFirstDecade / 0.9 AS firstDecadePerHour,
             CASE WHEN eventsFirstDecade > 0 AND eventsSecondDecade > 0 THEN 1 - LOG10(eventsSecondDecade / eventsFirstDecade) END AS omoriP
      FROM counts`,
  },
  {
    dataset: 'marts',
    name: 'vibration_hourly_by_zone',
    description: 'largest PPV, seismic (STA/LTA) events, sensors reporting, packets and gaps per zone and hour',
    owner: 'lake-compactor',
    query: (project) => `
      SELECT site, zone, hourStart, MAX(ppvMaxMmS) AS ppvMaxMmS, SUM(seismicEvents) AS seismicEvents, COUNT(DISTINCT sensorId) AS sensorsReporting,
             SUM(packets) AS packets, SUM(gaps) AS gaps
      FROM \`${project}.curated.vibration_hourly\`
      GROUP BY site, zone, hourStart`,
  },
  {
    dataset: 'marts',
    name: 'sensors_offline',
    description: 'sensors whose last hour with data is more than two hours ago',
    owner: 'lake-compactor',
    query: (project) => `
      SELECT sensorId, ANY_VALUE(site) AS site, ANY_VALUE(zone) AS zone, MAX(hourStart) AS lastHourWithData,
             TIMESTAMP_DIFF(CURRENT_TIMESTAMP(), MAX(hourStart), HOUR) AS hoursSilent
      FROM \`${project}.curated.vibration_hourly\`
      GROUP BY sensorId
      HAVING TIMESTAMP_DIFF(CURRENT_TIMESTAMP(), MAX(hourStart), HOUR) > 2`,
  },
  {
    dataset: 'marts',
    name: 'pipeline_health',
    description: 'per stage: last successful run, last failure, rows of the last success, data-quality result',
    owner: 'operators',
    query: (project) => `
      WITH runs AS (SELECT * FROM \`${project}.ops.pipeline_runs\`),
      jobs AS (SELECT DISTINCT jobName FROM runs),
      completes AS (
        SELECT jobName, eventTime, rowCount, qualityPassed, ROW_NUMBER() OVER (PARTITION BY jobName ORDER BY eventTime DESC) AS recency
        FROM runs WHERE eventType = 'COMPLETE'),
      failures AS (SELECT jobName, MAX(eventTime) AS lastFailureAt FROM runs WHERE eventType = 'FAIL' GROUP BY jobName)
      SELECT jobs.jobName, completes.eventTime AS lastSuccessAt, failures.lastFailureAt, completes.rowCount AS lastRows,
             COALESCE(completes.qualityPassed, TRUE) AS qualityPassed
      FROM jobs
      LEFT JOIN completes ON completes.jobName = jobs.jobName AND completes.recency = 1
      LEFT JOIN failures ON failures.jobName = jobs.jobName`,
  },
  {
    dataset: 'marts',
    name: 'machinery_issues_current',
    description: 'latest state of every machinery issue (one row per issue)',
    owner: 'mobile-issues-sink',
    query: (project) => `
      SELECT * EXCEPT (latest) FROM (
        SELECT *, ROW_NUMBER() OVER (PARTITION BY issueId ORDER BY occurredAt DESC, receivedAt DESC) AS latest
        FROM (${dedupedIssueEvents(project)}))
      WHERE latest = 1`,
  },
  {
    dataset: 'marts',
    name: 'machinery_time_to_resolution',
    description: 'resolved issues and mean hours from report to resolution, per site and machine',
    owner: 'mobile-issues-sink',
    query: (project) => `
      WITH events AS (${dedupedIssueEvents(project)}),
      opened AS (SELECT issueId, ANY_VALUE(siteId) AS siteId, ANY_VALUE(machineId) AS machineId, MIN(occurredAt) AS openedAt FROM events WHERE type = 'created' GROUP BY issueId),
      resolved AS (SELECT issueId, MAX(occurredAt) AS resolvedAt FROM events WHERE type = 'resolved' GROUP BY issueId)
      SELECT opened.siteId, opened.machineId, COUNT(*) AS resolvedIssues,
             AVG(TIMESTAMP_DIFF(resolved.resolvedAt, opened.openedAt, SECOND)) / 3600 AS meanHoursToResolve,
             MAX(TIMESTAMP_DIFF(resolved.resolvedAt, opened.openedAt, SECOND)) / 3600 AS maxHoursToResolve
      FROM opened JOIN resolved USING (issueId)
      GROUP BY opened.siteId, opened.machineId`,
  },
  {
    dataset: 'marts',
    name: 'machinery_open_by_severity',
    description: 'open machinery issues per site and severity',
    owner: 'mobile-issues-sink',
    query: (project) => `
      SELECT siteId, severity, COUNT(*) AS openIssues
      FROM \`${project}.marts.machinery_issues_current\`
      WHERE status <> 'resolved'
      GROUP BY siteId, severity`,
  },
  {
    dataset: 'marts',
    name: 'production_daily',
    description: 'tonnage and extraction records per day and pit (production app), with SAP confirmed activity (ERP AFRU)',
    owner: 'db-extractor',
    // Reads the copies db-extractor makes once they pass their checks: their columns are the source systems' own.
    query: (project) => `
      WITH tonnage AS (
        SELECT shift_date AS day, pit, SUM(tonnes) AS tonnes, COUNT(*) AS records
        FROM \`${project}.curated.extraction_records\` GROUP BY shift_date, pit),
      confirmed AS (
        SELECT ERSDA AS day, SUM(ISM01) AS confirmedActivity, COUNT(*) AS confirmations
        FROM \`${project}.curated.afru\` GROUP BY ERSDA)
      SELECT tonnage.day, tonnage.pit, tonnage.tonnes, tonnage.records, confirmed.confirmedActivity, confirmed.confirmations
      FROM tonnage LEFT JOIN confirmed ON confirmed.day = tonnage.day`,
  },
  {
    dataset: 'marts',
    name: 'production_costs_daily',
    description: 'actual costs per posting day (SAP CO line items, controlling-area currency) beside the tonnage extracted, and cost per tonne',
    owner: 'db-extractor',
    // COEP holds the amounts, COBK the posting date; value type 04 and version 000 are the actuals.
    query: (project) => `
      WITH tonnage AS (
        SELECT shift_date AS day, SUM(tonnes) AS tonnes FROM \`${project}.curated.extraction_records\` GROUP BY shift_date)
      SELECT header.BUDAT AS day, ANY_VALUE(tonnage.tonnes) AS tonnes, SUM(item.WKGBTR) AS costs, COUNT(*) AS costLines,
             SAFE_DIVIDE(SUM(item.WKGBTR), ANY_VALUE(tonnage.tonnes)) AS costPerTonne
      FROM \`${project}.curated.coep\` AS item
      JOIN \`${project}.curated.cobk\` AS header USING (MANDT, KOKRS, BELNR)
      LEFT JOIN tonnage ON tonnage.day = header.BUDAT
      WHERE item.WRTTP = '04' AND item.VERSN = '000'
      GROUP BY header.BUDAT`,
  },
  {
    dataset: 'marts',
    name: 'rock_quality_by_bench',
    description: "the supplier's rock-quality analyses per pit, bench and day, beside the tonnage extracted there",
    owner: 's3-avro-sync',
    query: (project) => `
      WITH quality AS (
        SELECT siteId, pitId, bench, DATE(sampledAt) AS day, COUNT(*) AS samples, AVG(ucsMpa) AS ucsMpa,
               AVG(rqdPercent) AS rqdPercent, AVG(gradeCuPercent) AS gradeCuPercent
        FROM \`${project}.curated.rock_quality_analyses\` GROUP BY siteId, pitId, bench, DATE(sampledAt)),
      extracted AS (
        SELECT pit, bench, shift_date AS day, SUM(tonnes) AS tonnes
        FROM \`${project}.curated.extraction_records\` GROUP BY pit, bench, shift_date)
      SELECT quality.*, extracted.tonnes
      FROM quality LEFT JOIN extracted ON extracted.pit = quality.pitId AND extracted.bench = quality.bench AND extracted.day = quality.day`,
  },
  {
    dataset: 'marts',
    name: 'pipeline_run_history',
    description: 'every run of every stage, one row each (unfinished, failed, partial and quality-failed ones included), and whether a later run of the same job and inputs recovered it',
    owner: 'operators',
    // A run is its START and its last end event; a START alone is a run that was killed or is still going.
    query: (project) => `
      WITH events AS (SELECT * FROM \`${project}.ops.pipeline_runs\`),
      starts AS (SELECT runId, ANY_VALUE(jobName) AS jobName, MIN(eventTime) AS startedAt, ANY_VALUE(ARRAY_TO_STRING(inputs, ', ')) AS inputs FROM events WHERE eventType = 'START' GROUP BY runId),
      ends AS (
        SELECT * FROM (SELECT runId, jobName, eventType, eventTime, rowCount, qualityPassed, errorMessage, ARRAY_TO_STRING(inputs, ', ') AS inputs, ARRAY_TO_STRING(outputs, ', ') AS outputs,
                              ROW_NUMBER() OVER (PARTITION BY runId ORDER BY eventTime DESC) AS latest
                       FROM events WHERE eventType <> 'START')
        WHERE latest = 1),
      runs AS (
        SELECT COALESCE(ends.runId, starts.runId) AS runId, COALESCE(ends.jobName, starts.jobName) AS jobName, starts.startedAt, ends.eventTime AS endedAt,
               CASE WHEN ends.eventType IS NULL THEN 'UNFINISHED'
                    WHEN ends.eventType = 'FAIL' AND COALESCE(ends.rowCount, 0) > 0 THEN 'PARTIAL'
                    WHEN ends.eventType = 'COMPLETE' AND ends.qualityPassed = FALSE THEN 'QUALITY_FAILED'
                    ELSE ends.eventType END AS status,
               ends.rowCount, ends.qualityPassed, ends.errorMessage, COALESCE(ends.inputs, starts.inputs) AS inputs, ends.outputs
        FROM starts FULL OUTER JOIN ends ON ends.runId = starts.runId),
      successes AS (SELECT jobName, inputs, MAX(COALESCE(endedAt, startedAt)) AS lastSuccessAt FROM runs WHERE status = 'COMPLETE' GROUP BY jobName, inputs)
      SELECT runs.runId, runs.jobName, runs.startedAt, runs.endedAt, runs.status, TIMESTAMP_DIFF(runs.endedAt, runs.startedAt, SECOND) AS durationSeconds,
             runs.rowCount, runs.qualityPassed, runs.errorMessage, runs.inputs, runs.outputs,
             runs.status = 'COMPLETE' OR COALESCE(successes.lastSuccessAt > COALESCE(runs.endedAt, runs.startedAt), FALSE) AS recovered
      FROM runs LEFT JOIN successes ON successes.jobName = runs.jobName AND successes.inputs = runs.inputs`,
  },
  {
    dataset: 'marts',
    name: 'dataset_freshness',
    description: 'per gated dataset: its freshness objective, when it was last published to curated, its current lag, and whether its checks block it now',
    owner: 'operators',
    // The objectives come from the quality-gate declarations (packages/topology/src/quality.ts).
    query: (project) => `
      WITH objectives AS (
        SELECT * FROM UNNEST([${qualityGates.map((g) => `STRUCT('${g.table}' AS tableId, '${g.publishAs}' AS publishedAs, ${g.freshnessObjectiveSeconds} AS objectiveSeconds)`).join(', ')}])),
      gate AS (
        SELECT SUBSTR(jobName, ${'quality-gate.'.length + 1}) AS tableId, eventType, eventTime
        FROM \`${project}.ops.pipeline_runs\` WHERE STARTS_WITH(jobName, 'quality-gate.') AND eventType IN ('COMPLETE', 'FAIL')),
      published AS (SELECT tableId, MAX(eventTime) AS lastPublishedAt FROM gate WHERE eventType = 'COMPLETE' GROUP BY tableId),
      blocked AS (SELECT tableId, MAX(eventTime) AS lastBlockedAt FROM gate WHERE eventType = 'FAIL' GROUP BY tableId)
      SELECT objectives.tableId, objectives.publishedAs, objectives.objectiveSeconds, published.lastPublishedAt,
             TIMESTAMP_DIFF(CURRENT_TIMESTAMP(), published.lastPublishedAt, SECOND) AS lagSeconds,
             COALESCE(TIMESTAMP_DIFF(CURRENT_TIMESTAMP(), published.lastPublishedAt, SECOND) <= objectives.objectiveSeconds, FALSE) AS withinObjective,
             blocked.lastBlockedAt,
             COALESCE(blocked.lastBlockedAt > COALESCE(published.lastPublishedAt, TIMESTAMP '1970-01-01 00:00:00+00'), FALSE) AS blocked
      FROM objectives
      LEFT JOIN published ON published.tableId = objectives.tableId
      LEFT JOIN blocked ON blocked.tableId = objectives.tableId`,
  },
];
