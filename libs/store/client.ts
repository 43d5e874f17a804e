import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/client.js';

export type { PrismaClient };

/** A Prisma client over node-postgres (Prisma 7 talks to the database only through a driver adapter). */
export function createPrismaClient(databaseUrl: string, { max = 10 }: { max?: number } = {}): PrismaClient {
  const adapter = new PrismaPg({ connectionString: databaseUrl, max });
  return new PrismaClient({ adapter });
}
