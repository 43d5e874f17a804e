import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Media tokens: what lets a <video> or <img> element, which cannot send an Authorization header, load a tenant's
 * video and thumbnails. A token is minted by an authenticated call (POST /media-tokens) and names the tenant, the API
 * key it came from, its scope and when it expires; it is signed (HMAC-SHA256) with the service's MEDIA_TOKEN_SECRET,
 * which lives in the environment and never in the database, so reading every table forges nothing. Verification
 * checks the signature, the scope, an expiry no later than now + MEDIA_TOKEN_TTL_S (a token claiming a longer life was
 * not minted here), then that the key is still unrevoked and still the tenant's: revoking the key kills its tokens.
 * It grants no more than the key: only the GET routes marked `mediaToken`, only that tenant. The threat model is in
 * docs/RELIABILITY.md ("Media tokens").
 */
export const MEDIA_TOKEN_TTL_S = 30 * 60;
/** Clocks of API replicas may differ by this much: a token minted by a replica a little ahead is still accepted. */
export const MEDIA_TOKEN_CLOCK_SKEW_S = 60;

/** What a token opens: the GET routes a media element loads (a video, a thumbnail, a montage). */
export type MediaTokenScope = 'media';
export const MEDIA_SCOPE: MediaTokenScope = 'media';

const VERSION = 'm2';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SCOPE = /^[a-z][a-z0-9:-]{0,31}$/;

export interface MediaTokenClaim {
  tenantId: string;
  keyId: string;
  scope: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

function signature(secret: string, c: MediaTokenClaim): Buffer {
  return createHmac('sha256', secret).update(`keycast-media-token.${VERSION}.${c.tenantId}.${c.keyId}.${c.scope}.${c.exp}`).digest();
}

/** A token for `tenantId`'s key `keyId`, valid for `ttlS` seconds (at most MEDIA_TOKEN_TTL_S). */
export function mintMediaToken(
  who: { tenantId: string; keyId: string },
  secret: string,
  { nowMs = Date.now(), ttlS = MEDIA_TOKEN_TTL_S, scope = MEDIA_SCOPE }: { nowMs?: number; ttlS?: number; scope?: string } = {},
): { token: string; expiresAt: Date } {
  const exp = Math.floor(nowMs / 1000) + Math.min(ttlS, MEDIA_TOKEN_TTL_S);
  const claim = { tenantId: who.tenantId, keyId: who.keyId, scope, exp };
  const sig = signature(secret, claim).toString('base64url');
  return { token: `${VERSION}.${claim.tenantId}.${claim.keyId}.${scope}.${exp}.${sig}`, expiresAt: new Date(exp * 1000) };
}

/**
 * The claim of a token that is well formed, signed with `secret`, of `scope`, and neither expired nor claiming to live
 * beyond now + MEDIA_TOKEN_TTL_S; null otherwise. Whether its key is still unrevoked is the caller's question (a
 * database read), asked only of tokens that pass here.
 */
export function verifyMediaToken(token: string, secret: string, scope: MediaTokenScope, nowMs = Date.now()): MediaTokenClaim | null {
  const parts = token.split('.');
  if (parts.length !== 6 || parts[0] !== VERSION) return null;
  const [, tenantId, keyId, claimedScope, expRaw, sig] = parts;
  if (!UUID.test(tenantId) || !UUID.test(keyId) || !SCOPE.test(claimedScope) || !/^\d{1,12}$/.test(expRaw)) return null;
  const claim = { tenantId, keyId, scope: claimedScope, exp: Number(expRaw) };
  const want = signature(secret, claim);
  const got = Buffer.from(sig, 'base64url');
  // Node's decoder forgives padding, `+`/`/` and stray bits: a token is valid in the one spelling minted, no other.
  if (got.toString('base64url') !== sig) return null;
  if (got.length !== want.length || !timingSafeEqual(got, want)) return null;
  if (claim.scope !== scope) return null;
  const now = Math.floor(nowMs / 1000);
  if (claim.exp <= now || claim.exp > now + MEDIA_TOKEN_TTL_S + MEDIA_TOKEN_CLOCK_SKEW_S) return null;
  return claim;
}
