// keycast API server: `npm run start:api`. Configured by environment (libs/config/env.ts); migrations apply at start-up.
import { configOrExit } from '../../libs/config/node.js';
import { serviceToolsOrExit } from '../../libs/media/index.js';
import { migrate } from '../../libs/store/index.js';
import { buildApp } from './app.js';
import { createApiDeps } from './deps.js';

const config = configOrExit('keycast-api', process.env, { api: true });
// ffmpeg/ffprobe decode every upload: a missing one, or the bundled static build in production, stops the start in one line.
serviceToolsOrExit();
const deps = createApiDeps(config);
const app = await buildApp(deps);
const m = await migrate(config.databaseUrl, { log: deps.log });
app.log.info({ applied: m.applied.length, already: m.alreadyApplied.length }, 'migrations');
await app.listen({ port: config.port, host: config.host });

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) process.exit(1);
  stopping = true;
  app.log.info({ signal }, 'shutting down: finishing in-flight requests');
  await app.close();
  await deps.close();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
