import type { ViewSpec } from './types.js';

/** Issue events with redeliveries removed: streaming inserts may repeat a row, the event id may not. */
const dedupedIssueEvents = (project: string) => `
  SELECT * EXCEPT (eventCopy) FROM (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY eventId ORDER BY receivedAt) AS eventCopy
    FROM \`${project}.raw_mobile.machinery_issue_events\`)
  WHERE eventCopy = 1`;

export const views: ViewSpec[] = [
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
];
