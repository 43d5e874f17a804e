// Applies prisma/migrations/ to DATABASE_URL (creating the database if needed): `npm run migrate`.
import { loadServiceConfig } from '../libs/config/node.js';
import { createLogger } from '../libs/logger/index.js';
import { migrate } from '../libs/store/index.js';

const config = loadServiceConfig();
const r = await migrate(config.databaseUrl, { log: createLogger({ level: config.logLevel, component: 'migrate' }) });
console.log(
  `migrations: ${r.applied.length} applied, ${r.alreadyApplied.length} already applied${r.modified.length ? `, modified since applied: ${r.modified.join(', ')}` : ''}`,
);
