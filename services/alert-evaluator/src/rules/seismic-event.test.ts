import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SeismicEvent } from '@mine/contracts';
import { Rules } from './rules-config.js';
import { SEISMIC_EVENT_RULE, seismicEventObservation } from './seismic-event.js';
import { locatedEvent } from './seismic-event.fixture.js';

const seismic = new Rules({}).for('south-decline', 'zone-2').seismic;
const event = (kind: SeismicEvent['kind'], magnitude: number): SeismicEvent =>
  locatedEvent({
    eventId: 'south-decline.geo-036.1795489209130',
    kind,
    originTime: '2026-11-24T03:00:09.120Z',
    magnitude,
    ...(kind === 'blast' ? { blastId: 'SD-L2-0412', blastOffsetM: 3.2 } : {}),
    stations: Array.from({ length: 12 }, (_, i) => ({ sensorId: `geo-${100 + i}`, zone: 'zone-2', distanceM: 50 + 10 * i, ppvMmS: 30 - i, pvsMmS: 31 - i, magnitude, energyJ: 1e5 })),
    decidedAt: '2026-11-24T03:00:11.000Z',
  });

test('one alarm per event, graded by magnitude, with every station and its PPV as details', () => {
  const small = seismicEventObservation(event('natural', 0.4), seismic);
  assert.equal(small.ruleId, SEISMIC_EVENT_RULE);
  assert.equal(small.subject, 'south-decline.geo-036.1795489209130');
  assert.equal(small.level, 'yellow');
  assert.equal(seismicEventObservation(event('natural', 1.2), seismic).level, 'orange');
  assert.equal(seismicEventObservation(event('natural', 2.3), seismic).level, 'red');
  assert.equal((small.details.stations as unknown[]).length, 12);
  assert.match(small.message, /12 stations, largest PPV 30\.00 mm\/s at geo-100/);
});

test('a blast from the register is one yellow alarm naming the blast, however large and however many stations saw it', () => {
  const blast = seismicEventObservation(event('blast', 2.5), seismic);
  assert.equal(blast.level, 'yellow');
  assert.equal(blast.details.blastId, 'SD-L2-0412');
  assert.match(blast.message, /blast SD-L2-0412 located 3 m from plan/);
});
