import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

const Check = Type.Object({ ok: Type.Boolean(), latency_ms: Type.Number(), error: Type.Optional(Type.String()) });
const Readiness = Type.Object({ status: Type.Union([Type.Literal('ready'), Type.Literal('unavailable')]), checks: Type.Object({ database: Check, redis: Check }) }, { title: 'Readiness' });

const TIMEOUT_MS = 2000;

async function check(fn: () => Promise<void>) {
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([fn(), new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS); })]);
    return { ok: true, latency_ms: Math.round((performance.now() - t0) * 10) / 10 };
  } catch (e) {
    return { ok: false, latency_ms: Math.round((performance.now() - t0) * 10) / 10, error: (e as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

/** GET /health: the process answers (liveness). GET /ready: PostgreSQL and Redis answer too (readiness), else 503. */
export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/health', {
    schema: { tags: ['health'], summary: 'Liveness', response: { 200: Type.Object({ status: Type.Literal('ok') }) } },
  }, async () => ({ status: 'ok' as const }));

  app.get('/ready', {
    schema: { tags: ['health'], summary: 'Readiness: database and Redis reachable', response: { 200: Readiness, 503: Readiness } },
  }, async (_req, reply) => {
    const { store, queues } = app.keycast;
    const [database, redis] = await Promise.all([check(() => store.ping()), check(() => queues.ping())]);
    const ok = database.ok && redis.ok;
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'unavailable', checks: { database, redis } });
  });
};
