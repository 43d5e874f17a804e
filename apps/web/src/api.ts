// The app's one way to the API: the generated SDK's client (libs/sdk) with the signed-in key, and one translation of
// every failure into a message a person can act on.
import { createClient, postMediaTokens, type Client } from '../../../libs/sdk/index.js';

export type ProblemKind = 'unauthorized' | 'unreachable' | 'error';

/** A failed call, as the page shows it. */
export class ApiProblem extends Error {
  constructor(
    readonly kind: ProblemKind,
    readonly code: string,
    message: string,
    readonly status = 0,
  ) {
    super(message);
  }
}

export const UNREACHABLE_MESSAGE = 'The keycast API cannot be reached. Check the connection; the page retries by itself.';
export const EXPIRED_MESSAGE = 'Your session has ended: the API key was revoked or is no longer valid. Sign in again.';

/** A client of the API at `origin` (the page's own) that sends `key` as the bearer token, and only as that (never in a URL). */
export function clientFor(key: string, origin: string): Client {
  return createClient({ baseUrl: origin, auth: (a) => (a.scheme === 'bearer' ? key : undefined) });
}

interface SdkResult<T> {
  data?: T;
  error?: unknown;
  response?: Response;
}

/** The data of a successful answer; anything else becomes an ApiProblem with the API's code and message. */
export async function unwrap<T>(call: Promise<SdkResult<T>>): Promise<T> {
  let r: SdkResult<T>;
  try {
    r = await call;
  } catch {
    throw new ApiProblem('unreachable', 'UNREACHABLE', UNREACHABLE_MESSAGE);
  }
  if (!r.response) throw new ApiProblem('unreachable', 'UNREACHABLE', UNREACHABLE_MESSAGE);
  if (r.response.ok) return r.data as T;
  return problemOf(r.response.status, r.error);
}

export function problemOf(status: number, body: unknown): never {
  const e = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
  const code = e?.code ?? `HTTP_${status}`;
  if (status === 401) throw new ApiProblem('unauthorized', code, EXPIRED_MESSAGE, status);
  // A proxy's 502/504 when the API process is gone: the same as no answer at all.
  if (status === 502 || status === 504) throw new ApiProblem('unreachable', 'UNREACHABLE', UNREACHABLE_MESSAGE, status);
  throw new ApiProblem('error', code, e?.message ? `${e.message} (${code})` : `The API answered ${status} (${code}).`, status);
}

/** A media token for the URLs that <video> and <img> load (they cannot send Authorization). */
export async function mintMediaToken(client: Client): Promise<{ token: string; expiresAt: number }> {
  const t = await unwrap(postMediaTokens({ client, body: {} }));
  return { token: t.token, expiresAt: Date.parse(t.expires_at) };
}

export function messageOf(e: unknown): string {
  return e instanceof ApiProblem ? e.message : `Something went wrong: ${String((e as Error)?.message ?? e)}`;
}
