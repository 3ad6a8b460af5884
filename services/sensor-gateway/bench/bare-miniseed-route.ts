// Baseline for the miniSEED benchmark: fastify reading the same miniSEED bodies on the same route and decoding every record, and nothing else.
import Fastify from 'fastify';
import { decodeRecords } from '@mine/miniseed';

const app = Fastify({ bodyLimit: 16 * 1024 * 1024 });
app.addContentTypeParser('application/vnd.fdsn.mseed', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
app.post('/v1/packets', async (request, reply) => {
  const { records, errors } = decodeRecords(request.body as Buffer);
  return reply.code(202).send({ accepted: records.length, rejected: errors });
});
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
