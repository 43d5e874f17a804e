import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures. Every callback keycast POSTs carries
 *
 *   x-keycast-timestamp: <unix seconds>
 *   x-keycast-signature: sha256=<hex HMAC-SHA256(secret, `${timestamp}.${body}`)>
 *
 * The timestamp is inside the signed bytes so a captured request cannot be replayed later with a
 * fresh timestamp; receivers reject timestamps outside a tolerance window (default 5 minutes).
 * Receivers must verify the raw body bytes exactly as received, before any JSON re-serialisation.
 */

export const WEBHOOK_SIGNATURE_HEADER = 'x-keycast-signature';
export const WEBHOOK_TIMESTAMP_HEADER = 'x-keycast-timestamp';

const SIGNATURE_PREFIX = 'sha256=';
const SIGNATURE_RE = /^sha256=[0-9a-f]{64}$/;
const TIMESTAMP_RE = /^[0-9]{1,15}$/;

export type WebhookHeaderBag = Record<string, string | string[] | undefined>;

export interface VerifyWebhookOptions {
  /** Largest accepted |now - timestamp|, in seconds. Default 300. */
  toleranceSec?: number;
  /** The receiver's clock, in milliseconds since the epoch. Default Date.now(). */
  now?: number;
}

/**
 * Signature of one delivery: `sha256=` followed by the lowercase hex HMAC-SHA256, keyed by `secret`,
 * of the UTF-8 bytes of `${timestamp}.${body}`. `timestamp` is in whole Unix seconds.
 */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new RangeError(`webhook timestamp must be a non-negative integer number of seconds, got ${timestamp}`);
  }
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
  return SIGNATURE_PREFIX + mac;
}

/** The two headers to send with `body`, signed at `nowMs` (milliseconds, default Date.now()). */
export function webhookHeaders(secret: string, body: string, nowMs: number = Date.now()): Record<string, string> {
  const timestamp = Math.floor(nowMs / 1000);
  return {
    [WEBHOOK_TIMESTAMP_HEADER]: String(timestamp),
    [WEBHOOK_SIGNATURE_HEADER]: signWebhook(secret, timestamp, body),
  };
}

/** One header value, looked up case-insensitively; a header sent several times is ambiguous and yields undefined. */
function singleHeader(headers: WebhookHeaderBag, name: string): string | undefined {
  let found: string | string[] | undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue;
    if (found !== undefined) return undefined;
    found = value;
  }
  if (Array.isArray(found)) return found.length === 1 ? found[0] : undefined;
  return found;
}

/**
 * True when `headers` carry a well-formed timestamp within `toleranceSec` of `now` and a signature
 * equal to `signWebhook(secret, timestamp, body)`. False for missing, repeated or malformed headers,
 * stale or future timestamps beyond the tolerance, and any other body or secret. The signature is
 * compared in constant time.
 */
export function verifyWebhook(
  secret: string,
  headers: WebhookHeaderBag,
  body: string,
  { toleranceSec = 300, now = Date.now() }: VerifyWebhookOptions = {},
): boolean {
  const rawTimestamp = singleHeader(headers, WEBHOOK_TIMESTAMP_HEADER)?.trim();
  const rawSignature = singleHeader(headers, WEBHOOK_SIGNATURE_HEADER)?.trim().toLowerCase();
  if (rawTimestamp === undefined || rawSignature === undefined) return false;
  if (!TIMESTAMP_RE.test(rawTimestamp) || !SIGNATURE_RE.test(rawSignature)) return false;

  const timestamp = Number(rawTimestamp);
  if (Math.abs(now / 1000 - timestamp) > toleranceSec) return false;

  const expected = Buffer.from(signWebhook(secret, timestamp, body), 'utf8');
  const received = Buffer.from(rawSignature, 'utf8');
  // Both are `sha256=` + 64 hex digits here, so the lengths match and timingSafeEqual cannot throw.
  return expected.length === received.length && timingSafeEqual(expected, received);
}
