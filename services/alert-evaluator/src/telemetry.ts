import type pg from 'pg';
import type { StaLtaSnapshot } from '@mine/vibration';
import type { PacketEvaluation, SeismicEvent, SensorMemory } from './rules/engine.js';

/**
 * Sensor telemetry in PostgreSQL: each sensor's memory (stream position, detector), the
 * per-minute zone PPV and the seismic events, written inside a packet's transaction.
 */
export class TelemetryTx {
  constructor(
    private readonly client: pg.PoolClient,
    private readonly s: string,
  ) {}

  /** What the rules remember of a sensor: its stream position and STA/LTA detector. */
  async sensorMemory(sensorId: string): Promise<SensorMemory> {
    const { rows } = await this.client.query(`SELECT boot_id, last_sequence, last_packet_at, detector FROM ${this.s}.sensors WHERE sensor_id = $1`, [sensorId]);
    const row = rows[0];
    if (!row) return {};
    return {
      position: { bootId: (row.boot_id as string | null) ?? undefined, lastSequence: Number(row.last_sequence), lastPacketAtMs: (row.last_packet_at as Date).getTime() },
      ...(row.detector ? { detector: row.detector as StaLtaSnapshot } : {}),
    };
  }

  /** Stores the sensor's memory after a packet, with the packet's PPV when it is the newest. */
  async recordPacket(p: { sensorId: string; site: string; zone: string; ppv: number; newest: boolean; reset: boolean }, memory: PacketEvaluation['memory']): Promise<void> {
    const { position } = memory;
    await this.client.query(
      `INSERT INTO ${this.s}.sensors (sensor_id, site, zone, last_sequence, last_packet_at, last_ppv, received_at, boot_id, detector)
       VALUES ($1, $2, $3, $4, $5, $6, now(), $7, $8)
       ON CONFLICT (sensor_id) DO UPDATE SET site = EXCLUDED.site, zone = EXCLUDED.zone,
         last_sequence = EXCLUDED.last_sequence, last_packet_at = EXCLUDED.last_packet_at, boot_id = EXCLUDED.boot_id, detector = EXCLUDED.detector,
         last_ppv = CASE WHEN $9 THEN EXCLUDED.last_ppv ELSE ${this.s}.sensors.last_ppv END,
         sequence_resets = ${this.s}.sensors.sequence_resets + CASE WHEN $10 THEN 1 ELSE 0 END,
         received_at = now()`,
      [p.sensorId, p.site, p.zone, position.lastSequence, new Date(position.lastPacketAtMs), p.ppv, position.bootId ?? null, memory.detector ? JSON.stringify(memory.detector) : null, p.newest, p.reset],
    );
  }

  async recordZonePpv(site: string, zone: string, at: string, ppv: number): Promise<void> {
    await this.client.query(
      `INSERT INTO ${this.s}.zone_ppv_minutes (site, zone, minute, max_ppv) VALUES ($1, $2, date_trunc('minute', $3::timestamptz), $4)
       ON CONFLICT (site, zone, minute) DO UPDATE SET max_ppv = GREATEST(${this.s}.zone_ppv_minutes.max_ppv, EXCLUDED.max_ppv)`,
      [site, zone, at, ppv],
    );
  }

  async recordEvents(events: SeismicEvent[]): Promise<void> {
    for (const e of events) {
      await this.client.query(
        `INSERT INTO ${this.s}.seismic_events (sensor_id, site, zone, on_time, peak_ratio) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
        [e.sensorId, e.site, e.zone, new Date(e.onTimeMs), e.peakRatio],
      );
    }
  }

  async zoneEventTimes(site: string, zone: string, sinceMs: number): Promise<number[]> {
    const { rows } = await this.client.query(`SELECT on_time FROM ${this.s}.seismic_events WHERE site = $1 AND zone = $2 AND on_time >= $3 ORDER BY on_time`, [site, zone, new Date(sinceMs)]);
    return rows.map((r) => (r.on_time as Date).getTime());
  }
}

/** Telemetry read outside transactions: the control room's sensor grid and PPV trend. */
export class Telemetry {
  constructor(
    private readonly pool: pg.Pool,
    private readonly s: string,
  ) {}

  async sensors() {
    const { rows } = await this.pool.query(`SELECT sensor_id, site, zone, boot_id, last_sequence, sequence_resets, last_packet_at, last_ppv, received_at FROM ${this.s}.sensors ORDER BY sensor_id`);
    return rows.map((r) => ({
      sensorId: r.sensor_id as string,
      site: r.site as string,
      zone: r.zone as string,
      bootId: (r.boot_id as string | null) ?? undefined,
      lastSequence: Number(r.last_sequence),
      sequenceResets: Number(r.sequence_resets),
      lastPacketAt: (r.last_packet_at as Date).toISOString(),
      lastPpvMmS: r.last_ppv as number | null,
      receivedAt: (r.received_at as Date).toISOString(),
    }));
  }

  /** The largest PPV per zone and minute since `since`, for the control room's trend. */
  async zonePpv(since: Date) {
    const { rows } = await this.pool.query(`SELECT site, zone, minute, max_ppv FROM ${this.s}.zone_ppv_minutes WHERE minute >= $1 ORDER BY site, zone, minute`, [since]);
    return rows.map((r) => ({ site: r.site as string, zone: r.zone as string, minute: (r.minute as Date).toISOString(), ppvMmS: r.max_ppv as number }));
  }
}
