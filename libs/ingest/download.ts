import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { dirname } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isKeycastError, KeycastError, type ErrorCode } from '../config/index.js';
import { INGEST_RULES, parseTargetUrl, pinnedLookup, resolveTarget, type Resolve, type TargetPolicy, type WebhookTarget } from '../webhooks/index.js';

/** Redirects followed at most, each to an address that passes the same check as the first. */
export const MAX_REDIRECTS = 5;
/** Longest wait between two tries, ms. */
const MAX_BACKOFF_MS = 30_000;

export interface DownloadProgress {
  /** Bytes of the body stored so far. */
  received: number;
  /** The whole body's size when the server said it (Content-Length, Content-Range), else null. */
  total: number | null;
}

/** One failed try that will be retried: what logs may show (the host, never the URL). */
export interface DownloadRetry {
  attempt: number;
  code: ErrorCode;
  message: string;
  delayMs: number;
  /** The byte the next try asks for with Range (0: from the start). */
  resumeFrom: number;
}

export interface DownloadOptions {
  policy: TargetPolicy;
  /** Largest body accepted, bytes (0 = no limit): refused from Content-Length, aborted once exceeded. */
  maxBytes: number;
  /** A try that receives nothing for this long (connecting included) has stalled, ms. */
  readTimeoutMs: number;
  /** The whole download, retries included, ms (0 = no limit). */
  totalTimeoutMs: number;
  /** Tries in all (network errors, stalls and 5xx answers are retried). */
  attempts: number;
  /** Wait before the first retry, ms; doubled at each further one. */
  backoffMs: number;
  maxRedirects?: number;
  /** DNS resolver (tests play other answers with it). */
  resolve?: Resolve;
  onProgress?: (p: DownloadProgress) => void;
  onRetry?: (r: DownloadRetry) => void;
}

export interface DownloadResult {
  bytes: number;
  contentType: string | null;
  /** The first URL's host: all a video resource or a log line shows of the URL. */
  host: string;
  /** Tries that resumed a partial body with Range. */
  resumed: number;
  attempts: number;
}

/** A failed try: its code, and whether another try may do better. */
class TryFailure extends KeycastError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly retryable: boolean,
    details?: unknown,
  ) {
    super(code, message, details);
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const TLS_PERMANENT = /^(ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_SSL_)/;

/** The host as a video resource or a log line may show it (the port included when not the scheme's default). */
export function urlHost(raw: string | URL): string {
  try {
    return (typeof raw === 'string' ? new URL(raw) : raw).host;
  } catch {
    return '(not a URL)';
  }
}

function networkFailure(e: unknown, host: string): TryFailure {
  if (e instanceof TryFailure) return e;
  const err = e as NodeJS.ErrnoException;
  const code = err.code ?? '';
  if (code === 'ENOSPC' || code === 'EDQUOT')
    return new TryFailure('STORAGE_FULL', 'no space left in file storage for this video; nothing of it was kept', false);
  if (TLS_PERMANENT.test(code)) return new TryFailure('SOURCE_UNREACHABLE', `TLS with ${host} failed (${code})`, false);
  const what = code || (err.message === 'aborted' ? 'ECONNRESET' : err.name);
  const during = /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN/.test(what) ? 'could not connect to' : 'lost the connection to';
  return new TryFailure('SOURCE_UNREACHABLE', `${during} ${host} (${what})`, true);
}

/** Total size from a Content-Range header (`bytes a-b/total`), with the first byte; null when malformed. */
function contentRange(h: string | undefined): { start: number; total: number | null } | null {
  const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(h ?? '');
  return m ? { start: Number(m[1]), total: m[3] === '*' ? null : Number(m[3]) } : null;
}

interface TryState {
  /** Bytes already in the part file (what a Range asks to continue from). */
  offset: number;
  /** ETag or Last-Modified of the first answer: a resumed body must be the same version (If-Range). */
  validator: string | null;
  total: number | null;
  contentType: string | null;
}

type TryOutcome = { kind: 'done' } | { kind: 'redirect'; location: URL } | { kind: 'restart' };

/**
 * Downloads `rawUrl` into `dest` (through `dest.<uuid>.part`, renamed at the end; removed on failure): the address rules
 * of `policy` checked at every connection (redirects included, at most MAX_REDIRECTS) and the connection made to
 * the checked address; a byte limit, a read timeout and an overall deadline; network errors, stalls and 5xx answers
 * retried with exponential backoff, a partial body resumed with Range where the server honours it. Nothing here
 * logs: the URL may carry a signature; callers log `host` and what onRetry reports.
 * Throws KeycastError: INVALID_URL, URL_NOT_ALLOWED, SOURCE_UNREACHABLE, SOURCE_HTTP_ERROR (details.status),
 * SOURCE_TOO_LARGE, SOURCE_STALLED.
 */
export async function downloadToFile(rawUrl: string, dest: string, o: DownloadOptions): Promise<DownloadResult> {
  const first = parseTargetUrl(rawUrl, INGEST_RULES);
  const host = urlHost(first);
  // A name of its own: a job run twice at once (a lock lost under load) must not write one file from two sockets.
  const part = `${dest}.${randomUUID()}.part`;
  await mkdir(dirname(dest), { recursive: true });
  const deadline = o.totalTimeoutMs > 0 ? Date.now() + o.totalTimeoutMs : Infinity;
  const state: TryState = { offset: 0, validator: null, total: null, contentType: null };
  let url = first;
  let redirects = 0;
  let failures = 0;
  let tries = 0;
  let resumed = 0;
  let best = 0;
  try {
    for (;;) {
      if (Date.now() >= deadline) throw new KeycastError('SOURCE_STALLED', `the download from ${host} did not finish within ${o.totalTimeoutMs} ms`);
      tries++;
      let outcome: TryOutcome;
      try {
        const target = await resolveTarget(url, o.policy, { resolve: o.resolve, timeoutMs: o.readTimeoutMs, rules: INGEST_RULES }).catch((e: unknown) => {
          // A name that does not resolve now may tomorrow (DNS trouble): worth another try; a refused address never is.
          if (isKeycastError(e) && e.code === 'SOURCE_UNREACHABLE') throw new TryFailure(e.code, e.message, true);
          if (isKeycastError(e) && redirects > 0) throw new KeycastError(e.code, `redirected to a URL whose ${e.message.replace(/^url /, '')}`);
          throw e;
        });
        if (state.offset > 0) resumed++;
        outcome = await oneTry(target, part, state, o, deadline);
      } catch (e) {
        const f = e instanceof TryFailure ? e : isKeycastError(e) ? e : networkFailure(e, urlHost(url));
        if (!(f instanceof TryFailure) || !f.retryable) throw f;
        // A try that got further than any before is progress, not a failure to count against the limit.
        state.offset = await stat(part).then(
          (s) => s.size,
          () => 0,
        );
        if (state.offset > best) best = state.offset;
        else failures++;
        if (failures >= o.attempts) throw f;
        const delayMs = Math.min(MAX_BACKOFF_MS, o.backoffMs * 2 ** Math.max(0, failures - 1));
        if (Date.now() + delayMs >= deadline) throw f;
        o.onRetry?.({ attempt: tries, code: f.code, message: f.message, delayMs, resumeFrom: state.offset });
        await new Promise((r) => setTimeout(r, delayMs));
        continue;
      }
      if (outcome.kind === 'done') break;
      if (outcome.kind === 'restart') {
        state.offset = 0;
        state.validator = null;
        continue;
      }
      if (++redirects > (o.maxRedirects ?? MAX_REDIRECTS))
        throw new KeycastError('SOURCE_HTTP_ERROR', `${host} redirected more than ${o.maxRedirects ?? MAX_REDIRECTS} times`);
      url = parseTargetUrl(outcome.location.toString(), { ...INGEST_RULES, field: 'a redirect' });
      state.offset = 0;
      state.validator = null;
    }
    const bytes = (await stat(part)).size;
    await rename(part, dest);
    return { bytes, contentType: state.contentType, host, resumed, attempts: tries };
  } catch (e) {
    await rm(part, { force: true });
    throw e;
  }
}

/** One request and, for a 2xx, its body into the part file (appended from state.offset, or from 0). */
async function oneTry(target: WebhookTarget, part: string, state: TryState, o: DownloadOptions, deadline: number): Promise<TryOutcome> {
  const u = target.url;
  const host = u.host;
  const headers: Record<string, string> = { 'user-agent': 'keycast-ingest', accept: '*/*', 'accept-encoding': 'identity' };
  if (state.offset > 0) {
    headers.range = `bytes=${state.offset}-`;
    if (state.validator) headers['if-range'] = state.validator;
  }
  const options: RequestOptions = {
    method: 'GET',
    hostname: target.hostname,
    port: u.port || undefined,
    path: `${u.pathname}${u.search}`,
    headers,
    lookup: pinnedLookup(target.address),
    agent: false,
  };
  const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
  const req = send(options);
  // Connecting and every read: nothing for readTimeoutMs is a stall. The deadline bounds the whole try.
  let stalled = false;
  let overdue = false;
  req.setTimeout(o.readTimeoutMs, () => {
    stalled = true;
    req.destroy();
  });
  const left = deadline - Date.now();
  const overall = Number.isFinite(left)
    ? setTimeout(() => {
        overdue = true;
        req.destroy();
      }, left)
    : undefined;
  try {
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      req.once('response', resolve);
      req.once('error', reject);
      req.end();
    });
    req.removeAllListeners('error');
    req.on('error', () => {}); // later errors surface through the body stream
    return await answer(res, part, state, o, host);
  } catch (e) {
    // Destroying the request surfaces as a reset on the body: the flags say why it was destroyed.
    if (overdue) throw new KeycastError('SOURCE_STALLED', `the download from ${host} did not finish within ${o.totalTimeoutMs} ms`);
    if (stalled) throw new TryFailure('SOURCE_STALLED', `${host} sent nothing for ${o.readTimeoutMs} ms`, true);
    throw e;
  } finally {
    clearTimeout(overall);
    req.destroy();
  }
}

async function answer(res: IncomingMessage, part: string, state: TryState, o: DownloadOptions, host: string): Promise<TryOutcome> {
  const status = res.statusCode ?? 0;
  const drop = () => res.resume();
  if (REDIRECTS.has(status)) {
    drop();
    const location = res.headers.location;
    if (!location) throw new TryFailure('SOURCE_HTTP_ERROR', `${host} answered HTTP ${status} without a Location`, false, { status });
    try {
      return { kind: 'redirect', location: new URL(location, `http://${host}/`) };
    } catch {
      throw new TryFailure('SOURCE_HTTP_ERROR', `${host} answered HTTP ${status} with a Location that is not a URL`, false, { status });
    }
  }
  if (status === 416 && state.offset > 0) {
    drop();
    // Asked past the end: the part file already holds the whole body when the server says that is its size.
    const r = /\/(\d+)$/.exec(String(res.headers['content-range'] ?? ''));
    return r && Number(r[1]) === state.offset ? { kind: 'done' } : { kind: 'restart' };
  }
  if (status < 200 || status >= 300) {
    drop();
    const retryable = status >= 500 || status === 429 || status === 408;
    throw new TryFailure('SOURCE_HTTP_ERROR', `${host} answered HTTP ${status}${res.statusMessage ? ` ${res.statusMessage.slice(0, 100)}` : ''}`, retryable, {
      status,
    });
  }
  const length = res.headers['content-length'] !== undefined ? Number(res.headers['content-length']) : null;
  let append = false;
  if (status === 206 && state.offset > 0) {
    const range = contentRange(res.headers['content-range']);
    if (!range || range.start !== state.offset) {
      drop();
      return { kind: 'restart' };
    }
    append = true;
    state.total = range.total;
  } else {
    // A 200 (the server ignored Range, or the version changed under If-Range) is the whole body again.
    state.total = status === 200 && length !== null && Number.isFinite(length) ? length : null;
    state.validator = strongValidator(res);
    state.contentType = res.headers['content-type'] ?? null;
  }
  if (o.maxBytes > 0 && state.total !== null && state.total > o.maxBytes) {
    drop();
    throw new TryFailure('SOURCE_TOO_LARGE', `${host} says the video is ${state.total} bytes, more than the limit of ${o.maxBytes} (MAX_UPLOAD_BYTES)`, false);
  }
  let received = append ? state.offset : 0;
  const expectEnd = length !== null && Number.isFinite(length) ? received + length : null;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      received += chunk.length;
      if (o.maxBytes > 0 && received > o.maxBytes) {
        cb(new TryFailure('SOURCE_TOO_LARGE', `the video from ${host} is larger than the limit of ${o.maxBytes} bytes (MAX_UPLOAD_BYTES)`, false));
        return;
      }
      o.onProgress?.({ received, total: state.total });
      cb(null, chunk);
    },
  });
  const sink: WriteStream = createWriteStream(part, { flags: append ? 'a' : 'w' });
  try {
    await pipeline(res, counter, sink);
  } catch (e) {
    // The next try measures the part file to resume from: every write of this one must have landed.
    if (!sink.closed) await once(sink, 'close');
    throw e;
  }
  // A body shorter than its Content-Length: the connection ended early without an error event.
  if (expectEnd !== null && received < expectEnd) throw new TryFailure('SOURCE_UNREACHABLE', `lost the connection to ${host} (body ended early)`, true);
  return { kind: 'done' };
}

/** An ETag that is strong, else Last-Modified: what If-Range accepts to resume the same version. */
function strongValidator(res: IncomingMessage): string | null {
  const etag = res.headers.etag;
  if (etag && !etag.startsWith('W/')) return etag;
  return res.headers['last-modified'] ?? null;
}
