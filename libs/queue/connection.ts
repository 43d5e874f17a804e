import { Redis, type RedisOptions } from 'ioredis';

/**
 * A Redis connection for BullMQ. `maxRetriesPerRequest: null` is what BullMQ requires of the
 * connections its workers block on: a command waits through a Redis restart instead of failing.
 */
export function createRedisConnection(url: string, opts: RedisOptions = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, ...opts });
}

export type { Redis };
