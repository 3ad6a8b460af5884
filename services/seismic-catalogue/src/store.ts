import pg from 'pg';
import type { PlannedBlast, SeismicEvent } from '@mine/contracts';

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

export interface EventQuery {
  startMs?: number;
  endMs?: number;
  site?: string;
  kind?: SeismicEvent['kind'];
  eventId?: string;
  minMagnitude?: number;
  maxMagnitude?: number;
  minLatitude?: number;
  maxLatitude?: number;
  minLongitude?: number;
  maxLongitude?: number;
  minDepthM?: number;
  maxDepthM?: number;
  orderBy?: 'time' | 'time-asc' | 'magnitude' | 'magnitude-asc';
  limit?: number;
  offset?: number;
}

/**
 * The catalogue in PostgreSQL: events (each with a delivered flag: the dispatcher publishes
 * and loads what is not yet delivered, so a crash between commit and publish loses nothing),
 * the blast register, and the leader lease (a session advisory lock).
 */
export class CatalogueStore {
  private readonly s: string;

  constructor(
    readonly pool: pg.Pool,
    private readonly schema: string,
  ) {
    this.s = ident(schema);
  }

  async migrate(): Promise<void> {
    const s = this.s;
    // Serialised by an advisory lock: replicas start together.
    const client = await this.pool.connect();
    try {
      await client.query('SELECT pg_advisory_lock(hashtext($1))', [`${this.schema}:migrate`]);
      await client.query(`
        CREATE SCHEMA IF NOT EXISTS ${s};
        CREATE TABLE IF NOT EXISTS ${s}.events (
          event_id text PRIMARY KEY,
          site text NOT NULL,
          origin_time timestamptz NOT NULL,
          kind text NOT NULL,
          magnitude double precision NOT NULL,
          latitude double precision NOT NULL,
          longitude double precision NOT NULL,
          depth_m double precision NOT NULL,
          easting double precision NOT NULL,
          northing double precision NOT NULL,
          elevation double precision NOT NULL,
          body jsonb NOT NULL,
          decided_at timestamptz NOT NULL,
          delivered_at timestamptz
        );
        CREATE INDEX IF NOT EXISTS events_time ON ${s}.events (site, origin_time);
        CREATE INDEX IF NOT EXISTS events_undelivered ON ${s}.events (decided_at) WHERE delivered_at IS NULL;
        CREATE TABLE IF NOT EXISTS ${s}.blasts (
          blast_id text PRIMARY KEY,
          site text NOT NULL,
          window_start timestamptz NOT NULL,
          window_end timestamptz NOT NULL,
          easting double precision NOT NULL,
          northing double precision NOT NULL,
          elevation double precision NOT NULL,
          charge_kg double precision NOT NULL,
          body jsonb NOT NULL,
          registered_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX IF NOT EXISTS blasts_window ON ${s}.blasts (site, window_start);
      `);
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`${this.schema}:migrate`]).catch(() => undefined);
      client.release();
    }
  }

  /**
   * Stores a newly decided event unless the catalogue already has it: the same id, or an event
   * of the same site within 50 ms of its origin (a new leader replaying packets may pick the
   * first arrival a sample apart). Returns false for a repeat.
   */
  async insertEvent(event: SeismicEvent): Promise<boolean> {
    const s = this.s;
    const result = await this.pool.query(
      `INSERT INTO ${s}.events (event_id, site, origin_time, kind, magnitude, latitude, longitude, depth_m, easting, northing, elevation, body, decided_at)
       SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13
       WHERE NOT EXISTS (SELECT 1 FROM ${s}.events WHERE site = $2 AND origin_time BETWEEN $3::timestamptz - interval '50 milliseconds' AND $3::timestamptz + interval '50 milliseconds')
       ON CONFLICT (event_id) DO NOTHING`,
      [event.eventId, event.site, event.originTime, event.kind, event.magnitude, event.latitude, event.longitude, event.depthM, event.easting, event.northing, event.elevation, event, event.decidedAt],
    );
    return (result.rowCount ?? 0) > 0;
  }

  /** Replaces an event's body (a relabel) and queues it for delivery again. */
  async updateEvent(event: SeismicEvent): Promise<void> {
    await this.pool.query(`UPDATE ${this.s}.events SET kind = $2, body = $3, decided_at = $4, delivered_at = NULL WHERE event_id = $1`, [event.eventId, event.kind, event, event.decidedAt]);
  }

  async undelivered(limit = 100): Promise<SeismicEvent[]> {
    const { rows } = await this.pool.query(`SELECT body FROM ${this.s}.events WHERE delivered_at IS NULL ORDER BY decided_at LIMIT $1`, [limit]);
    return rows.map((r) => r.body as SeismicEvent);
  }

  /** Marks delivered only the version that was delivered (a relabel in between stays pending). */
  async markDelivered(event: SeismicEvent): Promise<void> {
    await this.pool.query(`UPDATE ${this.s}.events SET delivered_at = now() WHERE event_id = $1 AND decided_at = $2`, [event.eventId, event.decidedAt]);
  }

  async events(q: EventQuery): Promise<SeismicEvent[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (q.startMs !== undefined) add('origin_time >= ?', new Date(q.startMs));
    if (q.endMs !== undefined) add('origin_time <= ?', new Date(q.endMs));
    if (q.site) add('site = ?', q.site);
    if (q.kind) add('kind = ?', q.kind);
    if (q.eventId) add('event_id = ?', q.eventId);
    if (q.minMagnitude !== undefined) add('magnitude >= ?', q.minMagnitude);
    if (q.maxMagnitude !== undefined) add('magnitude <= ?', q.maxMagnitude);
    if (q.minLatitude !== undefined) add('latitude >= ?', q.minLatitude);
    if (q.maxLatitude !== undefined) add('latitude <= ?', q.maxLatitude);
    if (q.minLongitude !== undefined) add('longitude >= ?', q.minLongitude);
    if (q.maxLongitude !== undefined) add('longitude <= ?', q.maxLongitude);
    if (q.minDepthM !== undefined) add('depth_m >= ?', q.minDepthM);
    if (q.maxDepthM !== undefined) add('depth_m <= ?', q.maxDepthM);
    const order = { time: 'origin_time DESC', 'time-asc': 'origin_time ASC', magnitude: 'magnitude DESC, origin_time DESC', 'magnitude-asc': 'magnitude ASC, origin_time DESC' }[q.orderBy ?? 'time'];
    params.push(q.limit ?? 10_000, q.offset ?? 0);
    const { rows } = await this.pool.query(
      `SELECT body FROM ${this.s}.events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order}, event_id LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
    return rows.map((r) => r.body as SeismicEvent);
  }

  /** Registers a blast: created, unchanged (the same entry again), or conflict (the id holds another blast). */
  async registerBlast(blast: PlannedBlast): Promise<'created' | 'unchanged' | 'conflict'> {
    const { rows } = await this.pool.query(
      `INSERT INTO ${this.s}.blasts (blast_id, site, window_start, window_end, easting, northing, elevation, charge_kg, body)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (blast_id) DO NOTHING RETURNING blast_id`,
      [blast.blastId, blast.site, blast.windowStart, blast.windowEnd, blast.easting, blast.northing, blast.elevation, blast.chargeKg, blast],
    );
    if (rows.length > 0) return 'created';
    const existing = await this.pool.query(`SELECT body FROM ${this.s}.blasts WHERE blast_id = $1`, [blast.blastId]);
    // jsonb keeps its own key order: compare with keys sorted (a blast is flat).
    const canonical = (b: object) => JSON.stringify(b, Object.keys(b).sort());
    return existing.rows[0] && canonical(existing.rows[0].body) === canonical(blast) ? 'unchanged' : 'conflict';
  }

  /** Blasts of a site whose window (widened by slack) holds the time. */
  async blastsAround(site: string, timeMs: number, slackMs: number): Promise<PlannedBlast[]> {
    const { rows } = await this.pool.query(
      `SELECT body FROM ${this.s}.blasts WHERE site = $1 AND window_start - $3 * interval '1 millisecond' <= $2 AND window_end + $3 * interval '1 millisecond' >= $2`,
      [site, new Date(timeMs), slackMs],
    );
    return rows.map((r) => r.body as PlannedBlast);
  }

  async blasts(site?: string): Promise<PlannedBlast[]> {
    const { rows } = await this.pool.query(`SELECT body FROM ${this.s}.blasts ${site ? 'WHERE site = $1' : ''} ORDER BY window_start DESC LIMIT 1000`, site ? [site] : []);
    return rows.map((r) => r.body as PlannedBlast);
  }
}

/**
 * One replica at a time is the catalogue's leader: it holds a session advisory lock on its own
 * connection. Association needs every station of a site in one process; the lock moves to a
 * standby when the leader's session ends (crash, drain, network loss).
 */
export class LeaderLease {
  private client: pg.Client | undefined;

  constructor(
    private readonly databaseUrl: string,
    private readonly key: string,
    private readonly onLost: (error: Error) => void,
  ) {}

  get held(): boolean {
    return this.client !== undefined;
  }

  async tryAcquire(): Promise<boolean> {
    if (this.client) return true;
    const client = new pg.Client({ connectionString: this.databaseUrl });
    await client.connect();
    const { rows } = await client.query('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [this.key]);
    if (!rows[0]?.locked) {
      await client.end();
      return false;
    }
    client.on('error', (error) => {
      this.client = undefined;
      this.onLost(error);
    });
    this.client = client;
    return true;
  }

  async release(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) await client.end().catch(() => undefined);
  }
}
