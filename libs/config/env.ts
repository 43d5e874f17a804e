import { randomBytes } from 'node:crypto';
import { KeycastError } from './errors.js';
import { DEFAULT_TREE_MEMORY_BYTES } from './tree-shaping.js';

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
  /** ffprobe format names an upload's container may have (any of the comma-separated names ffprobe gives it). */
  allowedContainers: string[];
  /** Codec names (ffprobe's codec_name) the video stream may have. */
  allowedVideoCodecs: string[];
  /** Longest accepted video, seconds (0 = no limit). */
  maxVideoSeconds: number;
  /** Requests per API key (unauthenticated: per client address) in rateLimitWindowMs; 0 = no limit. Counted in Redis, shared by every API replica. */
  rateLimitMax: number;
  rateLimitWindowMs: number;
  /** Videos one tenant may have queued or processing at once; 0 = no limit. */
  maxActiveJobsPerTenant: number;
  /** Largest non-multipart request body, bytes (uploads are bounded by maxUploadBytes). */
  bodyLimitBytes: number;
  /** Longest query string, bytes. */
  maxQueryBytes: number;
  /** A connection (an upload included) silent for this long is closed, ms. */
  idleTimeoutMs: number;
  /** A whole request (an upload included) must arrive within this, ms (0 = no limit). */
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** Origins allowed by CORS; empty = CORS off (no Access-Control-* headers). */
  corsOrigins: string[];
  /** Whether X-Forwarded-* headers are believed (client address for rate limits and logs): on behind a proxy you control. */
  trustProxy: boolean;
  /** Deliver webhooks to private, loopback and link-local addresses too (never in production on a shared network). */
  webhookAllowPrivate: boolean;
  /** Host names or IP addresses (CIDR allowed) webhooks may reach even when they are private. */
  webhookAllowedHosts: string[];
  /** One webhook attempt's deadline, ms. */
  webhookTimeoutMs: number;
  /** Download videos given by `url` from private, loopback and link-local addresses too (local use only). */
  ingestAllowPrivate: boolean;
  /** Host names or IP addresses (CIDR allowed) videos may be downloaded from even when they are private. */
  ingestAllowedHosts: string[];
  /** A download that receives nothing for this long (connecting included) is a stalled attempt, ms. */
  ingestReadTimeoutMs: number;
  /** A whole download, every retry included, must finish within this, ms (0 = no limit). */
  ingestTimeoutMs: number;
  /** Tries of one download in all: network errors, stalls and 5xx answers are retried (resuming with Range where the server allows). */
  ingestAttempts: number;
  /** Wait before the first download retry, ms; doubled at each further one. */
  ingestBackoffMs: number;
  /** Bearer token of the admin routes (/admin/…); empty = admin routes refuse every request. */
  adminToken: string;
  /**
   * HMAC key of the media tokens (apps/api/media-token.ts); never stored in the database. Unset outside production: a
   * random one per process (tokens then work only on the API process that minted them).
   */
  mediaTokenSecret: string;
  /**
   * A clustering request whose linkage no cache holds computes it in the request only for videos of at most this
   * many faces (milliseconds); bigger ones answer 202 and the worker computes it. 0 = always in the worker.
   */
  syncLinkageMaxFaces: number;
  /** Videos older than this many days are deleted with all their faces by the worker (0 = kept until deleted). */
  retentionDays: number;
  /** Bytes kept between the trees a process computes (libs/flow TreeMemory; 0 = none), from TREE_MEMORY_MB. */
  treeMemoryBytes: number;
}

function intEnv(env: NodeJS.ProcessEnv, name: string, dflt: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < 0)
    throw new KeycastError('INVALID_OPTION', `environment variable ${name} must be a non-negative number, got ${JSON.stringify(raw)}`);
  return v;
}

function boolEnv(env: NodeJS.ProcessEnv, name: string, dflt: boolean): boolean {
  const raw = (env[name] ?? '').trim().toLowerCase();
  if (raw === '') return dflt;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new KeycastError('INVALID_OPTION', `environment variable ${name} must be true or false, got ${JSON.stringify(env[name])}`);
}

/** A comma-separated list; unset gives the default, an empty string an empty list. */
function listEnv(env: NodeJS.ProcessEnv, name: string, dflt: readonly string[], { lower = true } = {}): string[] {
  const raw = env[name];
  if (raw === undefined) return [...dflt];
  return raw
    .split(',')
    .map((x) => (lower ? x.trim().toLowerCase() : x.trim()))
    .filter(Boolean);
}

/** ffprobe's names of the containers a video platform gets (mp4/mov family, Matroska/WebM, AVI, MPEG-TS/PS, FLV, Ogg, ASF). */
export const DEFAULT_ALLOWED_CONTAINERS = ['mov', 'mp4', 'm4a', '3gp', '3g2', 'mj2', 'matroska', 'webm', 'avi', 'mpegts', 'mpeg', 'flv', 'ogg', 'asf'] as const;
/** Video codecs ffmpeg decodes well and cameras, phones and editors produce. */
export const DEFAULT_ALLOWED_VIDEO_CODECS = [
  'h264',
  'hevc',
  'vp8',
  'vp9',
  'av1',
  'mpeg4',
  'mpeg2video',
  'mpeg1video',
  'mjpeg',
  'prores',
  'theora',
  'h263',
  'wmv3',
  'vc1',
  'dnxhd',
  'ffv1',
] as const;

/** Values of WEBHOOK_SECRET that are placeholders, never secrets: refused when NODE_ENV=production. */
const PLACEHOLDER_SECRET = /change[-_ ]?me|^dev-secret/i;
const DEV_WEBHOOK_SECRET = 'dev-secret-change-me';

export const ENV_VARS = [
  'DATABASE_URL',
  'REDIS_URL',
  'HOST',
  'PORT',
  'STORAGE_DIR',
  'MAX_UPLOAD_BYTES',
  'PUBLIC_BASE_URL',
  'WEBHOOK_SECRET',
  'WEBHOOK_MAX_ATTEMPTS',
  'WORKER_CONCURRENCY',
  'SEGMENT_SECONDS',
  'LOG_LEVEL',
  'KEYCAST_TF_BACKEND',
  'QUEUE_PREFIX',
  'WORKER_LOCK_MS',
  'WEBHOOK_BACKOFF_MS',
  // Read where they act: the pipeline's thread pool, libs/vision's face-net runtime and libs/media's tool lookup.
  'KEYCAST_WORKERS',
  'KEYCAST_DETECTOR',
  'FFMPEG_PATH',
  'FFPROBE_PATH',
  // Limits and hygiene (docs/DEPLOY.md).
  'ALLOWED_CONTAINERS',
  'ALLOWED_VIDEO_CODECS',
  'MAX_VIDEO_SECONDS',
  'RATE_LIMIT_MAX',
  'RATE_LIMIT_WINDOW_MS',
  'MAX_ACTIVE_JOBS_PER_TENANT',
  'BODY_LIMIT_BYTES',
  'MAX_QUERY_BYTES',
  'IDLE_TIMEOUT_MS',
  'REQUEST_TIMEOUT_MS',
  'KEEP_ALIVE_TIMEOUT_MS',
  'CORS_ORIGINS',
  'TRUST_PROXY',
  'WEBHOOK_ALLOW_PRIVATE',
  'WEBHOOK_ALLOWED_HOSTS',
  'WEBHOOK_TIMEOUT_MS',
  // Videos given by URL (README, "Ingest by URL").
  'INGEST_ALLOW_PRIVATE',
  'INGEST_ALLOWED_HOSTS',
  'INGEST_READ_TIMEOUT_MS',
  'INGEST_TIMEOUT_MS',
  'INGEST_ATTEMPTS',
  'INGEST_BACKOFF_MS',
  // The biometric data lifecycle (README, Service): admin purges and retention.
  'ADMIN_TOKEN',
  'RETENTION_DAYS',
  // Media tokens (apps/api/media-token.ts): the API's own signing key.
  'MEDIA_TOKEN_SECRET',
  // What a process keeps between the trees it computes (libs/flow TreeMemory).
  'TREE_MEMORY_MB',
] as const;

/**
 * The webhook secret, from the environment only. In production (NODE_ENV=production, as the images set it) a missing
 * or placeholder secret is a start-up error: anyone could otherwise forge keycast's signatures.
 */
function webhookSecretOf(env: NodeJS.ProcessEnv): string {
  const secret = env.WEBHOOK_SECRET ?? '';
  if (env.NODE_ENV === 'production') {
    if (secret === '') throw new KeycastError('INVALID_OPTION', 'WEBHOOK_SECRET must be set when NODE_ENV=production (e.g. `openssl rand -hex 32`)');
    if (PLACEHOLDER_SECRET.test(secret))
      throw new KeycastError('INVALID_OPTION', 'WEBHOOK_SECRET is a placeholder: set a real secret when NODE_ENV=production (e.g. `openssl rand -hex 32`)');
    if (secret.length < 16)
      throw new KeycastError('INVALID_OPTION', `WEBHOOK_SECRET must be at least 16 characters when NODE_ENV=production, got ${secret.length}`);
  }
  return secret || DEV_WEBHOOK_SECRET;
}

/** The admin token: at least 32 characters (it can purge every tenant), or empty to disable the admin routes. */
function adminTokenOf(env: NodeJS.ProcessEnv): string {
  const token = (env.ADMIN_TOKEN ?? '').trim();
  if (token !== '' && token.length < 32)
    throw new KeycastError('INVALID_OPTION', `ADMIN_TOKEN must be at least 32 characters (e.g. \`openssl rand -hex 32\`), got ${token.length}`);
  return token;
}

/** One random media-token secret per process, for development and tests when MEDIA_TOKEN_SECRET is unset. */
let processMediaTokenSecret: string | undefined;

/**
 * The media tokens' signing key. Set: at least 32 characters, and no placeholder in production. Unset: a start-up error
 * for the API in production (every replica must verify every other's tokens, so they share one secret), else a random
 * secret of this process.
 */
function mediaTokenSecretOf(env: NodeJS.ProcessEnv, requireSet: boolean): string {
  const secret = (env.MEDIA_TOKEN_SECRET ?? '').trim();
  if (secret === '') {
    if (requireSet && env.NODE_ENV === 'production')
      throw new KeycastError(
        'INVALID_OPTION',
        'MEDIA_TOKEN_SECRET must be set when NODE_ENV=production, the same on every API replica (e.g. `openssl rand -hex 32`)',
      );
    return (processMediaTokenSecret ??= randomBytes(32).toString('hex'));
  }
  if (env.NODE_ENV === 'production' && PLACEHOLDER_SECRET.test(secret))
    throw new KeycastError('INVALID_OPTION', 'MEDIA_TOKEN_SECRET is a placeholder: set a real secret when NODE_ENV=production (e.g. `openssl rand -hex 32`)');
  if (secret.length < 32)
    throw new KeycastError('INVALID_OPTION', `MEDIA_TOKEN_SECRET must be at least 32 characters (e.g. \`openssl rand -hex 32\`), got ${secret.length}`);
  return secret;
}

export interface LoadConfigOptions {
  /** The API signs and verifies media tokens: in production it must be given MEDIA_TOKEN_SECRET (the worker need not). */
  api?: boolean;
}

export function loadServiceConfig(env: NodeJS.ProcessEnv = process.env, { api = false }: LoadConfigOptions = {}): ServiceConfig {
  return {
    databaseUrl: env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/keycast',
    redisUrl: env.REDIS_URL || 'redis://127.0.0.1:6379',
    host: env.HOST || '0.0.0.0',
    port: intEnv(env, 'PORT', 3000),
    storageDir: env.STORAGE_DIR || './var/storage',
    maxUploadBytes: intEnv(env, 'MAX_UPLOAD_BYTES', 2 * 1024 ** 3),
    publicBaseUrl: (env.PUBLIC_BASE_URL || '').replace(/\/$/, ''),
    webhookSecret: webhookSecretOf(env),
    webhookMaxAttempts: intEnv(env, 'WEBHOOK_MAX_ATTEMPTS', 6),
    webhookBackoffMs: intEnv(env, 'WEBHOOK_BACKOFF_MS', 2000),
    workerConcurrency: intEnv(env, 'WORKER_CONCURRENCY', 1),
    segmentSeconds: intEnv(env, 'SEGMENT_SECONDS', 600),
    logLevel: env.LOG_LEVEL || 'info',
    queuePrefix: env.QUEUE_PREFIX || 'keycast',
    workerLockMs: intEnv(env, 'WORKER_LOCK_MS', 30000),
    allowedContainers: listEnv(env, 'ALLOWED_CONTAINERS', DEFAULT_ALLOWED_CONTAINERS),
    allowedVideoCodecs: listEnv(env, 'ALLOWED_VIDEO_CODECS', DEFAULT_ALLOWED_VIDEO_CODECS),
    maxVideoSeconds: intEnv(env, 'MAX_VIDEO_SECONDS', 4 * 3600),
    rateLimitMax: intEnv(env, 'RATE_LIMIT_MAX', 600),
    rateLimitWindowMs: intEnv(env, 'RATE_LIMIT_WINDOW_MS', 60_000),
    maxActiveJobsPerTenant: intEnv(env, 'MAX_ACTIVE_JOBS_PER_TENANT', 20),
    bodyLimitBytes: intEnv(env, 'BODY_LIMIT_BYTES', 1024 * 1024),
    maxQueryBytes: intEnv(env, 'MAX_QUERY_BYTES', 2048),
    idleTimeoutMs: intEnv(env, 'IDLE_TIMEOUT_MS', 60_000),
    requestTimeoutMs: intEnv(env, 'REQUEST_TIMEOUT_MS', 3_600_000),
    keepAliveTimeoutMs: intEnv(env, 'KEEP_ALIVE_TIMEOUT_MS', 72_000),
    corsOrigins: listEnv(env, 'CORS_ORIGINS', [], { lower: false }),
    trustProxy: boolEnv(env, 'TRUST_PROXY', false),
    webhookAllowPrivate: boolEnv(env, 'WEBHOOK_ALLOW_PRIVATE', false),
    webhookAllowedHosts: listEnv(env, 'WEBHOOK_ALLOWED_HOSTS', []),
    webhookTimeoutMs: intEnv(env, 'WEBHOOK_TIMEOUT_MS', 5000),
    ingestAllowPrivate: boolEnv(env, 'INGEST_ALLOW_PRIVATE', false),
    ingestAllowedHosts: listEnv(env, 'INGEST_ALLOWED_HOSTS', []),
    ingestReadTimeoutMs: intEnv(env, 'INGEST_READ_TIMEOUT_MS', 30_000),
    ingestTimeoutMs: intEnv(env, 'INGEST_TIMEOUT_MS', 3_600_000),
    ingestAttempts: Math.max(1, intEnv(env, 'INGEST_ATTEMPTS', 4)),
    ingestBackoffMs: intEnv(env, 'INGEST_BACKOFF_MS', 1000),
    adminToken: adminTokenOf(env),
    mediaTokenSecret: mediaTokenSecretOf(env, api),
    retentionDays: intEnv(env, 'RETENTION_DAYS', 0),
    treeMemoryBytes: Math.floor(intEnv(env, 'TREE_MEMORY_MB', DEFAULT_TREE_MEMORY_BYTES / 2 ** 20) * 2 ** 20),
    // Measured (shared 2-core machine): a new linkage + cut takes ~60-130 ms at 100 faces, ~0.25-0.3 s at 200, ~1 s at 400.
    syncLinkageMaxFaces: intEnv(env, 'SYNC_LINKAGE_MAX_FACES', 100),
  };
}

/**
 * loadServiceConfig for a process's start: a bad or missing setting ends the process with one line on stderr naming
 * it (exit code 1), not a stack trace.
 */
export function configOrExit(program: string, env: NodeJS.ProcessEnv = process.env, options: LoadConfigOptions = {}): ServiceConfig {
  try {
    return loadServiceConfig(env, options);
  } catch (e) {
    process.stderr.write(`${program}: configuration error: ${(e as Error).message}\n`);
    process.exit(1);
  }
}
