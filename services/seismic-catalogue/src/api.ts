import type { FastifyInstance } from 'fastify';
import { PlannedBlast, compileValidator, type SeismicEvent } from '@mine/contracts';
import { requireRole, type TokenAuth } from '@mine/platform';
import { median, quantile } from '@mine/seismology';
import { matchBlast } from './catalogue.js';
import { FDSN_EVENT_VERSION, FdsnRequestError, degreesBetween, eventWadl, fdsnErrorBody, parseFdsnEventQuery, toFdsnText, toQuakeMl } from './fdsn-event.js';
import type { NetworkLayout } from './network-layout.js';
import type { CatalogueStore } from './store.js';

export interface ApiDependencies {
  store: CatalogueStore;
  layout: NetworkLayout;
  auth: TokenAuth;
  blastMatchRadiusM: number;
  blastWindowSlackMs: number;
  /** an event was relabelled: deliver it again */
  onChanged: () => void;
}

const validateBlast = compileValidator(PlannedBlast);

export async function catalogueRoutes(app: FastifyInstance, deps: ApiDependencies): Promise<void> {
  const { store, layout, auth } = deps;
  const viewer = requireRole(auth, 'viewer');
  const operator = requireRole(auth, 'operator');

  // fdsnws-event 1.2: public and read-only, like the FDSN services of any seismic network.
  app.get('/fdsnws/event/1/query', async (request, reply) => {
    let parsed;
    try {
      parsed = parseFdsnEventQuery(request.query as Record<string, string>);
    } catch (error) {
      if (error instanceof FdsnRequestError) return reply.code(400).type('text/plain').send(fdsnErrorBody(400, error.message, request.url));
      throw error;
    }
    let events = await store.events(parsed.query);
    const circle = parsed.circle;
    if (circle) events = events.filter((e) => {
      const d = degreesBetween(circle.latitude, circle.longitude, e.latitude, e.longitude);
      return d >= circle.minRadius && d <= circle.maxRadius;
    });
    if (events.length === 0) return reply.code(parsed.nodata).type('text/plain').send(parsed.nodata === 404 ? fdsnErrorBody(404, 'no events match the request', request.url) : '');
    if (parsed.format === 'text') return reply.type('text/plain').send(toFdsnText(events));
    return reply.type('application/xml').send(toQuakeMl(events, layout.stations, parsed.includeArrivals));
  });
  app.get('/fdsnws/event/1/version', async (_request, reply) => reply.type('text/plain').send(FDSN_EVENT_VERSION));
  app.get('/fdsnws/event/1/application.wadl', async (request, reply) => reply.type('application/xml').send(eventWadl(`${request.protocol}://${request.host}`)));
  app.get('/fdsnws/event/1/catalogs', async (_request, reply) => reply.type('application/xml').send('<?xml version="1.0" encoding="UTF-8"?>\n<Catalogs><Catalog>mine-platform</Catalog></Catalogs>\n'));
  app.get('/fdsnws/event/1/contributors', async (_request, reply) => reply.type('application/xml').send('<?xml version="1.0" encoding="UTF-8"?>\n<Contributors><Contributor>seismic-catalogue</Contributor></Contributors>\n'));

  app.get('/events', { preHandler: viewer }, async (request) => {
    const q = request.query as { site?: string; minutes?: string; limit?: string };
    const minutes = Number(q.minutes ?? 60);
    const events = await store.events({ ...(q.site ? { site: q.site } : {}), startMs: Date.now() - minutes * 60_000, limit: Math.min(1000, Number(q.limit ?? 200)) });
    return { events };
  });

  app.get('/stations', { preHandler: viewer }, async () => ({ stations: [...layout.stations.values()] }));

  app.post('/blasts', { preHandler: operator }, async (request, reply) => {
    const result = validateBlast.validate(request.body);
    if (!result.ok) return reply.code(400).send({ error: 'invalid blast', issues: result.issues });
    const blast = result.value;
    if (Date.parse(blast.windowEnd) < Date.parse(blast.windowStart)) return reply.code(400).send({ error: 'invalid blast', reason: 'windowEnd is before windowStart' });
    if (!layout.sites.has(blast.site)) return reply.code(400).send({ error: 'invalid blast', reason: `unknown site ${blast.site}` });
    const outcome = await store.registerBlast(blast);
    if (outcome === 'conflict') return reply.code(409).send({ error: 'conflict', reason: `blast ${blast.blastId} is registered with other values` });
    // A blast registered after it was fired relabels the event already in the catalogue.
    const relabelled = await relabel(blast);
    return reply.code(outcome === 'created' ? 201 : 200).send({ blast, relabelled });
  });

  app.get('/blasts', { preHandler: viewer }, async (request) => {
    const site = (request.query as { site?: string }).site;
    const blasts = await store.blasts(site);
    const events = await store.events({ kind: 'blast', ...(site ? { site } : {}), limit: 5000 });
    const byBlast = new Map(events.filter((e) => e.blastId).map((e) => [e.blastId!, e]));
    const offsets = events.map((e) => e.blastOffsetM!).filter((v) => v !== undefined);
    return {
      blasts: blasts.map((b) => ({ ...b, event: byBlast.get(b.blastId) ?? null })),
      // The running check of location accuracy: located blasts against their planned positions.
      locationAccuracy: { located: offsets.length, medianOffsetM: offsets.length ? median(offsets) : null, p90OffsetM: offsets.length ? quantile(offsets, 0.9) : null },
    };
  });

  async function relabel(blast: PlannedBlast): Promise<string[]> {
    const slack = deps.blastWindowSlackMs;
    const candidates = await store.events({ site: blast.site, startMs: Date.parse(blast.windowStart) - slack, endMs: Date.parse(blast.windowEnd) + slack, limit: 1000 });
    const changed: string[] = [];
    for (const event of candidates) {
      if (event.kind === 'blast') continue;
      const match = matchBlast([blast], event, deps.blastMatchRadiusM);
      if (!match) continue;
      const updated: SeismicEvent = { ...event, kind: 'blast', blastId: blast.blastId, blastOffsetM: match.offsetM, decidedAt: new Date().toISOString() };
      await store.updateEvent(updated);
      changed.push(event.eventId);
    }
    if (changed.length > 0) deps.onChanged();
    return changed;
  }
}
