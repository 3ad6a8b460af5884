import type pg from 'pg';
import type { MachineryIssueEvent } from '@mine/contracts';

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

export interface IssueState {
  issueId: string;
  siteId: string;
  machineId: string;
  severity: MachineryIssueEvent['severity'];
  status: MachineryIssueEvent['status'];
  title: string | null;
  assignee: string | null;
  reporterSub: string;
  openedAt: string;
  updatedAt: string;
}

/**
 * The API's operational store: every accepted event id (the idempotency
 * record) and a small read model of each issue's current state, so the app
 * reads its own writes at once — the warehouse's views lag behind the stream.
 */
export class IssueStore {
  readonly s: string;
  constructor(
    readonly pool: pg.Pool,
    schema: string,
  ) {
    this.s = ident(schema);
  }

  async migrate(): Promise<void> {
    await this.pool.query(`
      CREATE SCHEMA IF NOT EXISTS ${this.s};
      CREATE TABLE IF NOT EXISTS ${this.s}.issues (
        issue_id text PRIMARY KEY, site_id text NOT NULL, machine_id text NOT NULL, severity text NOT NULL, status text NOT NULL,
        title text, assignee text, reporter_sub text NOT NULL, opened_at timestamptz NOT NULL, updated_at timestamptz NOT NULL);
      CREATE INDEX IF NOT EXISTS issues_open ON ${this.s}.issues (site_id, machine_id) WHERE status <> 'resolved';
      CREATE TABLE IF NOT EXISTS ${this.s}.events (
        event_id uuid PRIMARY KEY, issue_id text NOT NULL, body jsonb NOT NULL, received_at timestamptz NOT NULL DEFAULT now());
      CREATE INDEX IF NOT EXISTS events_issue ON ${this.s}.events (issue_id, received_at);
    `);
  }

  async connect(): Promise<pg.PoolClient> {
    return this.pool.connect();
  }

  async issue(client: pg.PoolClient | pg.Pool, issueId: string, lock = false): Promise<IssueState | undefined> {
    const { rows } = await client.query(`SELECT * FROM ${this.s}.issues WHERE issue_id = $1 ${lock ? 'FOR UPDATE' : ''}`, [issueId]);
    return rows[0] ? toIssue(rows[0]) : undefined;
  }

  /** True if the event id is new (and now recorded in this transaction). */
  async recordEvent(client: pg.PoolClient, event: MachineryIssueEvent): Promise<boolean> {
    const { rowCount } = await client.query(`INSERT INTO ${this.s}.events (event_id, issue_id, body) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [
      event.eventId,
      event.issueId,
      event,
    ]);
    return rowCount === 1;
  }

  async applyEvent(client: pg.PoolClient, event: MachineryIssueEvent, reporterSub: string, assigneeRaw: string | null): Promise<void> {
    await client.query(
      `INSERT INTO ${this.s}.issues (issue_id, site_id, machine_id, severity, status, title, assignee, reporter_sub, opened_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
       ON CONFLICT (issue_id) DO UPDATE SET severity = EXCLUDED.severity, status = EXCLUDED.status,
         title = COALESCE(EXCLUDED.title, ${this.s}.issues.title), assignee = EXCLUDED.assignee, updated_at = GREATEST(${this.s}.issues.updated_at, EXCLUDED.updated_at)`,
      [event.issueId, event.siteId, event.machineId, event.severity, event.status, event.title ?? null, assigneeRaw, reporterSub, event.occurredAt],
    );
  }

  async openIssues(filter: { siteId?: string; machineId?: string; limit: number }) {
    const where = [`status <> 'resolved'`];
    const params: unknown[] = [];
    if (filter.siteId) where.push(`site_id = $${params.push(filter.siteId)}`);
    if (filter.machineId) where.push(`machine_id = $${params.push(filter.machineId)}`);
    const { rows } = await this.pool.query(
      `SELECT * FROM ${this.s}.issues WHERE ${where.join(' AND ')} ORDER BY CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END, opened_at LIMIT $${params.push(filter.limit)}`,
      params,
    );
    return rows.map(toIssue);
  }

  async history(issueId: string): Promise<MachineryIssueEvent[]> {
    const { rows } = await this.pool.query(`SELECT body FROM ${this.s}.events WHERE issue_id = $1 ORDER BY (body->>'occurredAt')::timestamptz, received_at`, [issueId]);
    return rows.map((r) => r.body);
  }
}

function toIssue(row: Record<string, any>): IssueState {
  return {
    issueId: row.issue_id,
    siteId: row.site_id,
    machineId: row.machine_id,
    severity: row.severity,
    status: row.status,
    title: row.title,
    assignee: row.assignee,
    reporterSub: row.reporter_sub,
    openedAt: (row.opened_at as Date).toISOString(),
    updatedAt: (row.updated_at as Date).toISOString(),
  };
}
