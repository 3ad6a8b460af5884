// Baseline for the gateway benchmark: fastify parsing the same JSON bodies on the same route, and nothing else.
import Fastify from 'fastify';

const app = Fastify({ bodyLimit: 16 * 1024 * 1024 });
app.post('/v1/packets', async (request, reply) => {
  const body = request.body as unknown[];
  return reply.code(202).send({ accepted: Array.isArray(body) ? body.length : 1, rejected: [] });
});
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
