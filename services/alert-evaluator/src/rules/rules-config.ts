import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { DEFAULT_HEALTH } from './health.js';
import { DEFAULT_TARP } from './limits.js';

const Fraction = Type.Number({ exclusiveMinimum: 0, maximum: 10 });

export const ZoneRules = Type.Object(
  {
    vibration: Type.Object({
      standard: Type.Union([Type.Literal('usbm'), Type.Literal('din4150')], { default: 'usbm' }),
      structureClass: Type.Union([Type.Literal(1), Type.Literal(2), Type.Literal(3)], { default: 1 }),
      tarp: Type.Object({ yellow: Fraction, orange: Fraction, red: Fraction }, { default: DEFAULT_TARP }),
    }),
    seismic: Type.Object({
      staSeconds: Type.Number({ exclusiveMinimum: 0, default: 0.5 }),
      ltaSeconds: Type.Number({ exclusiveMinimum: 0, default: 30 }),
      triggerRatio: Type.Number({ exclusiveMinimum: 1, default: 4 }),
      detriggerRatio: Type.Number({ exclusiveMinimum: 0, default: 1.5 }),
      rateWindowSeconds: Type.Integer({ minimum: 1, default: 600, description: 'window the event rate per zone is counted over' }),
      rateOrange: Type.Integer({ minimum: 1, default: 5, description: 'events per window that raise orange' }),
      rateRed: Type.Integer({ minimum: 1, default: 15, description: 'events per window that raise red' }),
      eventOrangeMagnitude: Type.Number({ default: 1, description: 'a located natural event of this local magnitude raises orange (below: yellow)' }),
      eventRedMagnitude: Type.Number({ default: 2, description: 'a located natural event of this local magnitude raises red' }),
    }),
    forecast: Type.Object({
      windowSeconds: Type.Integer({ minimum: 1, default: 600, description: 'width of each rate window in the inverse-rate fit' }),
      windows: Type.Integer({ minimum: 3, default: 12 }),
      minPoints: Type.Integer({ minimum: 3, default: 4 }),
      minConfidence: Type.Number({ minimum: 0, maximum: 1, default: 0.8, description: 'R² below which no forecast is raised' }),
      horizonHours: Type.Number({ exclusiveMinimum: 0, default: 72, description: 'forecasts further out are not alarms' }),
    }),
    health: Type.Object({
      silentAfterSeconds: Type.Integer({ minimum: 1, default: 120 }),
      flatLinePeakToPeakMmS: Type.Number({ minimum: 0, default: DEFAULT_HEALTH.flatLinePeakToPeakMmS }),
      clipLevelMmS: Type.Number({ exclusiveMinimum: 0, default: DEFAULT_HEALTH.clipLevelMmS }),
      clipShare: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: DEFAULT_HEALTH.clipShare }),
    }),
    machinery: Type.Object({
      highSeveritySlaHours: Type.Number({ exclusiveMinimum: 0, default: 4, description: 'unresolved high-severity issues escalate after this' }),
    }),
    holdSeconds: Type.Integer({ minimum: 0, default: 60, description: 'a condition must be normal this long before its alarm clears' }),
  },
  { additionalProperties: false },
);
export type ZoneRules = Static<typeof ZoneRules>;

const PartialDeep = Type.Record(Type.String(), Type.Unknown());

/** Rules for the whole mine: defaults, overridden per site and per zone. */
export const RulesConfig = Type.Object(
  {
    defaults: Type.Optional(PartialDeep),
    sites: Type.Optional(
      Type.Record(
        Type.String(),
        Type.Object({ defaults: Type.Optional(PartialDeep), zones: Type.Optional(Type.Record(Type.String(), PartialDeep)) }, { additionalProperties: false }),
      ),
    ),
  },
  { additionalProperties: false },
);
export type RulesConfig = Static<typeof RulesConfig>;

function merge(base: unknown, override: unknown): unknown {
  if (override === undefined) return base;
  if (typeof base !== 'object' || base === null || typeof override !== 'object' || override === null || Array.isArray(override)) return override;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(override)) out[key] = merge(out[key], value);
  return out;
}

export class RulesConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid alarm rules:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Resolved rules per (site, zone); every combination is validated when the config is loaded. */
export class Rules {
  private readonly cache = new Map<string, ZoneRules>();

  constructor(private readonly config: RulesConfig) {
    const problems: string[] = [];
    if (!Value.Check(RulesConfig, config)) for (const e of Value.Errors(RulesConfig, config)) problems.push(`${e.path}: ${e.message}`);
    const combos: [string, string][] = [['*', '*']];
    for (const [site, spec] of Object.entries(config.sites ?? {})) {
      combos.push([site, '*']);
      for (const zone of Object.keys(spec.zones ?? {})) combos.push([site, zone]);
    }
    for (const [site, zone] of combos) {
      const resolved = this.build(site, zone);
      for (const e of Value.Errors(ZoneRules, resolved)) problems.push(`${site}/${zone}${e.path}: ${e.message}`);
      const r = resolved as ZoneRules;
      if (r.vibration?.tarp && !(r.vibration.tarp.yellow < r.vibration.tarp.orange && r.vibration.tarp.orange < r.vibration.tarp.red))
        problems.push(`${site}/${zone}/vibration/tarp: yellow < orange < red is required`);
      if (r.seismic && !(r.seismic.detriggerRatio < r.seismic.triggerRatio)) problems.push(`${site}/${zone}/seismic: detriggerRatio must be below triggerRatio`);
      if (r.seismic && !(r.seismic.rateOrange < r.seismic.rateRed)) problems.push(`${site}/${zone}/seismic: rateOrange must be below rateRed`);
    }
    if (problems.length) throw new RulesConfigError(problems);
  }

  private build(site: string, zone: string): unknown {
    const defaults = Value.Default(ZoneRules, merge({ vibration: {}, seismic: {}, forecast: {}, health: {}, machinery: {} }, this.config.defaults ?? {}));
    const siteSpec = this.config.sites?.[site];
    const withSite = merge(defaults, siteSpec?.defaults);
    return merge(withSite, siteSpec?.zones?.[zone]);
  }

  for(site: string, zone = '*'): ZoneRules {
    const key = `${site}\u0000${zone}`;
    let rules = this.cache.get(key);
    if (!rules) {
      rules = this.build(site, zone) as ZoneRules;
      this.cache.set(key, rules);
    }
    return rules;
  }
}
