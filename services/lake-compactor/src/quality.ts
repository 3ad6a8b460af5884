import type { QualityAssertion } from '@mine/platform';
import type { CompactionResult } from './compact.js';

/**
 * What an hour's compaction is checked against, from its own counts: every
 * spooled packet is either in the lake or was a dropped redelivery (a packet
 * whose site matches no partition would vanish here), and every site with
 * packets has raw samples and per-sensor features.
 */
export function compactionQuality(result: Omit<CompactionResult, 'carryOut'>): QualityAssertion[] {
  const kept = result.sites.reduce((sum, site) => sum + site.packets, 0);
  return [
    { assertion: 'spool_packets_accounted', success: kept + result.duplicates === result.spoolPackets },
    { assertion: 'raw_samples_per_site', success: result.sites.every((site) => site.packets === 0 || site.rawRows > 0) },
    { assertion: 'hourly_features_per_site', success: result.sites.every((site) => site.packets === 0 || site.sensors > 0) },
  ];
}

/** An hour with no spool compacted nothing: a failure to report, never a COMPLETE. */
export function emptyHourError(result: Omit<CompactionResult, 'carryOut'>): Error | undefined {
  return result.spoolFiles === 0 ? new Error(`no spool files for ${result.hourStart}: nothing was compacted`) : undefined;
}
