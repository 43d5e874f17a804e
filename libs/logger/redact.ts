/**
 * What a log line may not carry: secrets (API keys, media tokens, the admin token, webhook secrets, passwords) and
 * the parts of URLs that can hold one (a callback's or an ingest URL's query string, path and user info; a request's
 * `token=` parameter). One rule for every logger of keycast (createLogger applies it to every line: fields, errors and
 * messages) and for anyone who builds a string that may be logged or stored (a job's error message): `redactUrl`.
 */
export const REDACTED = '[REDACTED]';

/** Query parameters and fields whose value is a secret, by name: whole words of the name (`token`, `media_token`, `X-Amz-Signature`). */
const SECRET_WORD =
  /(?:^|[-_.])(?:token|tokens|secret|secrets|sig|signature|password|passwd|pwd|pass|auth|authorization|credential|credentials|session|sessionid|jwt|apikey|ticket|otp|cookie)(?:$|[-_.])/i;
const SECRET_NAME = /^(?:key|api[-_]?key|access[-_]?key|private[-_]?key|x-api-key|x-amz-.*|x-goog-.*)$/i;

/** keycast's own API keys (`kc_` + 43 base64url characters) and media tokens (`m2.…`), wherever they appear. */
const OWN_SECRETS = /\bkc_[A-Za-z0-9_-]{20,}|\bm[0-9]+\.[A-Za-z0-9_.-]{40,}/g;

/** True when a query parameter or field of this name carries a secret. */
export function isSecretName(name: string): boolean {
  return SECRET_WORD.test(name) || SECRET_NAME.test(name) || /[a-z](?:Token|Secret|Password|Signature)$/.test(name);
}

/**
 * A URL as it may be logged. An absolute URL points at someone else's service (a webhook receiver, a video to
 * ingest): its path and query can be the secret (a signed URL, a Slack-style hook path), so only its scheme and host
 * remain (`https://hooks.example.com/…`). A path of this API (`/videos/…?token=…`, a request's URL) keeps its path and
 * its parameters, except the values of those named like secrets (`?token=[REDACTED]&sim=0.5`).
 */
export function redactUrl(raw: unknown): string {
  if (typeof raw !== 'string' && !(raw instanceof URL)) return REDACTED;
  const s = String(raw);
  // A key pasted into a path (`/videos/kc_…`) is a secret wherever it stands.
  if (s.startsWith('/') && !s.startsWith('//')) return redactPath(s).replace(OWN_SECRETS, REDACTED);
  try {
    const u = new URL(s);
    if (!u.host) return `${u.protocol}…`;
    const rest = u.pathname !== '/' || u.search || u.hash ? '/…' : '/';
    return `${u.protocol}//${u.host}${rest}`;
  } catch {
    return REDACTED;
  }
}

function redactPath(s: string): string {
  const hash = s.indexOf('#');
  const noHash = hash >= 0 ? s.slice(0, hash) : s;
  const q = noHash.indexOf('?');
  if (q < 0) return noHash;
  const params = noHash
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const rawName = eq >= 0 ? pair.slice(0, eq) : pair;
      let name = rawName;
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, ' '));
      } catch {
        /* a malformed escape: judged as written */
      }
      return eq >= 0 && isSecretName(name) ? `${rawName}=${REDACTED}` : pair;
    });
  return `${noHash.slice(0, q)}?${params.join('&')}`;
}

const ABSOLUTE_URL = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi;
const QUERY_PARAM = /([?&;]([^=&;\s"'?#]+)=)([^&;\s"'#]*)/g;
const BEARER = /\b(Bearer|Basic)\s+[^\s"',;]+/gi;

/** Free text (a message, an error) with every URL, secret-named parameter, credential header and keycast key in it redacted. */
export function redactText(s: string): string {
  if (s.length > 100_000) s = `${s.slice(0, 100_000)}…`;
  return s
    .replace(ABSOLUTE_URL, (u) => redactUrl(u))
    .replace(QUERY_PARAM, (all: string, head: string, name: string) => (isSecretName(name) ? `${head}${REDACTED}` : all))
    .replace(BEARER, (_all: string, scheme: string) => `${scheme} ${REDACTED}`)
    .replace(OWN_SECRETS, REDACTED);
}

/** Field names whose value is a URL: logged as `redactUrl` gives it. */
const URL_FIELD = /^(?:url|href|uri|location|referer|referrer|callback|callbackUrl|callback_url|sourceUrl|source_url|target)$/i;

/**
 * A value about to be logged, with its secrets redacted: secret-named fields replaced, URL fields shortened, every
 * other string scrubbed as free text. Walks plain objects and arrays (a few levels); other objects (errors,
 * requests) are left to their serializers, whose output is redacted by path (createLogger).
 */
export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (isSecretName(k)) out[k] = v === undefined || v === null || v === '' ? v : REDACTED;
    else if (URL_FIELD.test(k) && (typeof v === 'string' || v instanceof URL)) out[k] = redactUrl(v);
    else out[k] = redactValue(v, depth + 1);
  }
  return out;
}
