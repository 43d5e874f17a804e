// keycast worker: `npm run start:worker`. Configured by environment (libs/config/env.ts).
import { configOrExit } from '../../libs/config/node.js';
import { serviceToolsOrExit } from '../../libs/media/index.js';
import { migrate } from '../../libs/store/index.js';
import { createWorkerDeps } from './deps.js';
import { startRetention } from './retention.js';
import { startWorkers } from './workers.js';

const config = configOrExit('keycast-worker');
// ffmpeg/ffprobe decode every upload: a missing one, or the bundled static build in production, stops the start in one line.
serviceToolsOrExit();
const deps = createWorkerDeps(config);
await migrate(config.databaseUrl, { log: deps.log });
const running = startWorkers(deps);
const retention = startRetention(deps);
deps.log.info({ prefix: config.queuePrefix, concurrency: config.workerConcurrency, segmentSeconds: config.segmentSeconds, pid: process.pid }, 'worker started');

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) {
    deps.log.warn({ signal }, 'second signal: exiting now');
    process.exit(1);
  }
  stopping = true;
  deps.log.info({ signal }, 'shutting down: finishing the running jobs');
  retention.stop();
  await running.close();
  await deps.close();
  deps.log.info('worker stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
