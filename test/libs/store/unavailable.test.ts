// Which errors mean "the database is not there right now": real errors from a real client against a port with no server, plus the shapes seen when a server restarts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { createPrismaClient, databaseUnavailableMessage, isDatabaseUnavailable } from '../../../libs/store/index.js';
import { KeycastError } from '../../../libs/config/index.js';
import { freePort } from '../../e2e/support/throwaway.js';

async function errorOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

test('a Prisma query against a port where no PostgreSQL listens: unavailable, described without the address', async () => {
  const port = await freePort();
  const db = createPrismaClient(`postgresql://postgres@127.0.0.1:${port}/nothing`, { max: 1 });
  try {
    const e = await errorOf(db.$queryRaw`SELECT 1`);
    assert.equal(isDatabaseUnavailable(e), true, String(e));
    assert.equal(databaseUnavailableMessage(e), 'the database is unreachable');
    assert.doesNotMatch(databaseUnavailableMessage(e), new RegExp(String(port)));
  } finally {
    await db.$disconnect();
  }
});

test('shapes seen while a server restarts: pooled connection cut, admin shutdown, starting up', () => {
  // An idle pooled connection the server closed: node-postgres' message, passed through by Prisma with its clientVersion.
  assert.equal(isDatabaseUnavailable(Object.assign(new Error('Connection terminated unexpectedly'), { clientVersion: '7' })), true);
  // Driver-adapter classification with a SQLSTATE: 57P01 admin_shutdown, 57P03 cannot_connect_now.
  for (const originalCode of ['57P01', '57P03', '08006']) {
    const e = {
      name: 'PrismaClientKnownRequestError',
      code: 'P2010',
      clientVersion: '7',
      message: 'Raw query failed',
      meta: { driverAdapterError: { cause: { kind: 'postgres', originalCode } } },
    };
    assert.equal(isDatabaseUnavailable(e), true, originalCode);
  }
  assert.equal(
    databaseUnavailableMessage(Object.assign(new Error('the database system is starting up'), { clientVersion: '7' })),
    'the database is starting up',
  );
});

test('not unavailable: constraint violations, bad input, and another service refusing connections', async () => {
  assert.equal(isDatabaseUnavailable({ name: 'PrismaClientKnownRequestError', code: 'P2002', clientVersion: '7', message: 'Unique constraint failed' }), false);
  assert.equal(isDatabaseUnavailable(new KeycastError('INVALID_OPTION', 'sim must be <= 1')), false);
  assert.equal(isDatabaseUnavailable(null), false);
  // What a Redis client reports when nothing listens: a socket ECONNREFUSED, not from Prisma or node-postgres.
  const port = await freePort();
  const e = await new Promise<Error>((resolve) => connect(port, '127.0.0.1').once('error', resolve));
  assert.equal((e as NodeJS.ErrnoException).code, 'ECONNREFUSED');
  assert.equal(isDatabaseUnavailable(e), false, "a socket error of another service is not the database's");
  assert.equal(isDatabaseUnavailable(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED', syscall: 'connect' })), false);
});
