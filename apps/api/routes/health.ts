import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { databaseUnavailableMessage } from '../../../libs/store/index.js';

const Check = Type.Object({ ok: Type.Boolean(), latency_ms: Type.Number(), error: Type.Optional(Type.String()) });
const Checks = Type.Object({ database: Check, redis: Check });
const Readiness = Type.Object({ status: Type.Literal('ready'), checks: Checks }, { title: 'Readiness' });
/** Not ready: the shared error shape (code UNAVAILABLE) plus the checks that failed. */
const NotReady = Type.Object(
  {
    error: Type.Object({ code: Type.Literal('UNAVAILABLE'), message: Type.String() }),
    status: Type.Literal('unavailable'),
    checks: Checks,
  },
  { title: 'NotReady', description: 'PostgreSQL or Redis does not answer (UNAVAILABLE)' },
);

const TIMEOUT_MS = 2000;

class NoAnswer extends Error {}

/**
 * Runs one probe with a deadline. `describe` turns a failure into what /ready may say: these answers are public,
 * so a driver's message (a query, a code location, a server's address) stays in the logs.
 */
async function check(fn: () => Promise<void>, describe: (e: unknown) => string) {
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new NoAnswer(`no answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
      }),
    ]);
    return { ok: true, latency_ms: Math.round((performance.now() - t0) * 10) / 10 };
  } catch (e) {
    return { ok: false, latency_ms: Math.round((performance.now() - t0) * 10) / 10, error: e instanceof NoAnswer ? e.message : describe(e) };
  } finally {
    clearTimeout(timer);
  }
}

/** GET /health: the process answers (liveness). GET /ready: PostgreSQL and Redis answer too (readiness), else 503. */
export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/health',
    {
      schema: { tags: ['health'], summary: 'Liveness', response: { 200: Type.Object({ status: Type.Literal('ok') }) } },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/ready',
    {
      schema: { tags: ['health'], summary: 'Readiness: database and Redis reachable', response: { 200: Readiness, 503: NotReady } },
    },
    async (_req, reply) => {
      const { store, queues } = app.keycast;
      const [database, redis] = await Promise.all([
        check(() => store.ping(), databaseUnavailableMessage),
        check(
          () => queues.ping(),
          () => 'Redis is unreachable',
        ),
      ]);
      if (database.ok && redis.ok) return reply.code(200).send({ status: 'ready' as const, checks: { database, redis } });
      const down = Object.entries({ database, redis })
        .filter(([, c]) => !c.ok)
        .map(([name, c]) => `${name}: ${c.error}`);
      return reply.code(503).send({
        error: { code: 'UNAVAILABLE' as const, message: `not ready: ${down.join('; ')}` },
        status: 'unavailable' as const,
        checks: { database, redis },
      });
    },
  );
};
