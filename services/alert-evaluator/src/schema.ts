import type pg from 'pg';

/** Creates or brings up to date the alert-evaluator's tables in schema `s` (quoted). */
export async function migrateSchema(pool: pg.Pool, s: string): Promise<void> {
  await pool.query(`
      CREATE SCHEMA IF NOT EXISTS ${s};
      CREATE TABLE IF NOT EXISTS ${s}.alarms (
        alarm_id uuid PRIMARY KEY,
        rule_id text NOT NULL,
        subject text NOT NULL,
        site text NOT NULL,
        zone text,
        level text NOT NULL,
        state text NOT NULL,
        message text NOT NULL,
        details jsonb NOT NULL DEFAULT '{}',
        count integer NOT NULL,
        first_seen_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      );
      CREATE UNIQUE INDEX IF NOT EXISTS alarms_one_open ON ${s}.alarms (rule_id, subject) WHERE state <> 'CLEARED_ACK';
      CREATE TABLE IF NOT EXISTS ${s}.transitions (
        seq bigserial PRIMARY KEY,
        transition_id uuid NOT NULL UNIQUE,
        alarm_id uuid NOT NULL REFERENCES ${s}.alarms,
        body jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        dispatched_at timestamptz
      );
      CREATE INDEX IF NOT EXISTS transitions_pending ON ${s}.transitions (seq) WHERE dispatched_at IS NULL;
      CREATE TABLE IF NOT EXISTS ${s}.notifications (
        transition_id uuid NOT NULL,
        target text NOT NULL,
        status text NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (transition_id, target)
      );
      CREATE TABLE IF NOT EXISTS ${s}.processed_messages (
        source text NOT NULL,
        key text NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (source, key)
      );
      CREATE TABLE IF NOT EXISTS ${s}.sensors (
        sensor_id text PRIMARY KEY,
        site text NOT NULL,
        zone text NOT NULL,
        last_sequence bigint NOT NULL,
        last_packet_at timestamptz NOT NULL,
        last_ppv double precision,
        received_at timestamptz NOT NULL
      );
      CREATE TABLE IF NOT EXISTS ${s}.seismic_events (
        sensor_id text NOT NULL,
        site text NOT NULL,
        zone text NOT NULL,
        on_time timestamptz NOT NULL,
        peak_ratio double precision NOT NULL,
        PRIMARY KEY (sensor_id, on_time)
      );
      CREATE INDEX IF NOT EXISTS seismic_events_zone ON ${s}.seismic_events (site, zone, on_time);
      CREATE TABLE IF NOT EXISTS ${s}.zone_ppv_minutes (
        site text NOT NULL,
        zone text NOT NULL,
        minute timestamptz NOT NULL,
        max_ppv double precision NOT NULL,
        PRIMARY KEY (site, zone, minute)
      );
      ALTER TABLE ${s}.sensors ADD COLUMN IF NOT EXISTS boot_id text;
      ALTER TABLE ${s}.sensors ADD COLUMN IF NOT EXISTS detector jsonb;
      ALTER TABLE ${s}.sensors ADD COLUMN IF NOT EXISTS sequence_resets integer NOT NULL DEFAULT 0;
      CREATE TABLE IF NOT EXISTS ${s}.deliveries (
        channel text NOT NULL,
        transition_seq bigint NOT NULL REFERENCES ${s}.transitions (seq),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        claimed_until timestamptz,
        delivered_at timestamptz,
        last_error text,
        PRIMARY KEY (channel, transition_seq)
      );
      CREATE INDEX IF NOT EXISTS deliveries_due ON ${s}.deliveries (channel, transition_seq) WHERE delivered_at IS NULL;
      CREATE TABLE IF NOT EXISTS ${s}.history_written (
        transition_id uuid PRIMARY KEY,
        written_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE IF NOT EXISTS ${s}.issue_positions (
        issue_id text PRIMARY KEY,
        occurred_at timestamptz NOT NULL,
        status text NOT NULL
      );
      CREATE TABLE IF NOT EXISTS ${s}.open_issues (
        issue_id text PRIMARY KEY,
        site_id text NOT NULL,
        machine_id text NOT NULL,
        severity text NOT NULL,
        opened_at timestamptz NOT NULL
      );
    `);
}
