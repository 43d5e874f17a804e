import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/client.js';

export type { PrismaClient };

/** How long opening a connection may take: an unreachable database (a dropped route, a host that never answers) fails a request in this time instead of hanging it. */
const CONNECT_TIMEOUT_MS = 5000;

/** A Prisma client over node-postgres (Prisma 7 talks to the database only through a driver adapter). */
export function createPrismaClient(databaseUrl: string, { max = 10 }: { max?: number } = {}): PrismaClient {
  const adapter = new PrismaPg({ connectionString: databaseUrl, max, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  return new PrismaClient({ adapter });
}
