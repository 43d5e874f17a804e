import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { pinnedLookup, type WebhookTarget } from '../../libs/webhooks/index.js';

export interface PostResult {
  /** HTTP status, null when no answer came (refused connection, timeout, reset). */
  statusCode: number | null;
  /** Why the attempt failed, null when it succeeded (a 2xx). */
  error: string | null;
}

/**
 * POSTs `body` to a checked webhook target. The connection goes to `target.address` only: the lookup the socket
 * makes returns that address, so no second DNS answer is ever used (TLS still verifies the certificate against the
 * URL's host name). Redirects are never followed: a 3xx is a failed attempt, like any non-2xx. `timeoutMs` bounds
 * the whole attempt, connection to answer. The answer's body is not read.
 */
export function postWebhook(target: WebhookTarget, headers: Record<string, string>, body: string, timeoutMs: number): Promise<PostResult> {
  const u = target.url;
  const options: RequestOptions = {
    method: 'POST',
    hostname: target.hostname,
    port: u.port || undefined,
    path: `${u.pathname}${u.search}`,
    headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
    lookup: pinnedLookup(target.address),
    signal: AbortSignal.timeout(timeoutMs),
    agent: false,
  };
  const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: PostResult) => {
      if (settled) return;
      settled = true;
      resolve(r);
    };
    const req = send(options, (res) => {
      const status = res.statusCode ?? 0;
      res.destroy();
      if (status >= 200 && status < 300) done({ statusCode: status, error: null });
      else if (status >= 300 && status < 400)
        done({
          statusCode: status,
          error: `HTTP ${status}: redirects are not followed${res.headers.location ? ` (to ${String(res.headers.location).slice(0, 200)})` : ''}`,
        });
      else done({ statusCode: status, error: `HTTP ${status}` });
    });
    req.on('error', (e: NodeJS.ErrnoException) => {
      const timedOut = e.name === 'AbortError' || e.name === 'TimeoutError' || (e.cause as Error | undefined)?.name === 'TimeoutError';
      done({ statusCode: null, error: timedOut ? `timeout: no answer within ${timeoutMs} ms` : `${e.code ?? e.name}: ${e.message}` });
    });
    req.end(body);
  });
}
