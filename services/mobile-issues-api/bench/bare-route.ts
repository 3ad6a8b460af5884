// Baseline: fastify parsing the same event bodies and answering, nothing else.
import Fastify from 'fastify';

const app = Fastify();
app.post('/v1/issues/events', async (_request, reply) => reply.code(202).send({ status: 'accepted' }));
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
