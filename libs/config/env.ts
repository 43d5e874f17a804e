import { KeycastError } from './errors.js';

/** Service settings, read from the environment once. Every variable the deployment files set is read here. */
export interface ServiceConfig {
  databaseUrl: string;
  redisUrl: string;
  host: string;
  port: number;
  /** Where uploaded videos and thumbnails are kept. */
  storageDir: string;
  maxUploadBytes: number;
  /** Public base URL used to build links (thumbnails, self links). Empty = relative links. */
  publicBaseUrl: string;
  webhookSecret: string;
  webhookMaxAttempts: number;
  /** Delay before the first webhook retry, ms; doubled at each further attempt. */
  webhookBackoffMs: number;
  workerConcurrency: number;
  /** Videos longer than this are split into segments processed as child jobs. */
  segmentSeconds: number;
  logLevel: string;
  /** Prefix of every BullMQ key in Redis: several deployments (or test runs) can share one Redis. */
  queuePrefix: string;
  /** BullMQ lock duration of a running job, ms: a worker that dies is detected (job stalled and retried) within about this time. */
  workerLockMs: number;
}

function intEnv(env: NodeJS.ProcessEnv, name: string, dflt: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < 0) throw new KeycastError('INVALID_OPTION', `environment variable ${name} must be a non-negative number, got ${JSON.stringify(raw)}`);
  return v;
}

export const ENV_VARS = [
  'DATABASE_URL', 'REDIS_URL', 'HOST', 'PORT', 'STORAGE_DIR', 'MAX_UPLOAD_BYTES', 'PUBLIC_BASE_URL',
  'WEBHOOK_SECRET', 'WEBHOOK_MAX_ATTEMPTS', 'WORKER_CONCURRENCY', 'SEGMENT_SECONDS', 'LOG_LEVEL', 'KEYCAST_TF_BACKEND',
  'QUEUE_PREFIX', 'WORKER_LOCK_MS', 'WEBHOOK_BACKOFF_MS',
  // Read where they act: the pipeline's thread pool and libs/media's tool lookup.
  'KEYCAST_WORKERS', 'FFMPEG_PATH', 'FFPROBE_PATH',
] as const;

export function loadServiceConfig(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  return {
    databaseUrl: env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/keycast',
    redisUrl: env.REDIS_URL || 'redis://127.0.0.1:6379',
    host: env.HOST || '0.0.0.0',
    port: intEnv(env, 'PORT', 3000),
    storageDir: env.STORAGE_DIR || './var/storage',
    maxUploadBytes: intEnv(env, 'MAX_UPLOAD_BYTES', 2 * 1024 ** 3),
    publicBaseUrl: (env.PUBLIC_BASE_URL || '').replace(/\/$/, ''),
    webhookSecret: env.WEBHOOK_SECRET || 'dev-secret-change-me',
    webhookMaxAttempts: intEnv(env, 'WEBHOOK_MAX_ATTEMPTS', 6),
    webhookBackoffMs: intEnv(env, 'WEBHOOK_BACKOFF_MS', 2000),
    workerConcurrency: intEnv(env, 'WORKER_CONCURRENCY', 1),
    segmentSeconds: intEnv(env, 'SEGMENT_SECONDS', 600),
    logLevel: env.LOG_LEVEL || 'info',
    queuePrefix: env.QUEUE_PREFIX || 'keycast',
    workerLockMs: intEnv(env, 'WORKER_LOCK_MS', 30000),
  };
}
