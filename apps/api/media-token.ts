import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Media tokens: what lets a <video> or <img> element, which cannot send an Authorization header, load a tenant's
 * video and thumbnails. A token is minted by an authenticated call (POST /media-tokens) and names the API key it
 * came from and when it expires; it is signed with that key's stored sha256, so it needs no secret of the service's
 * own (any replica verifies it), dies with the key when the key is revoked, and grants no more than the key: only
 * the GET routes marked `mediaToken`, only the key's tenant. It travels in URLs, so it is short-lived and the
 * answers it opens are `Cache-Control: private`.
 */
export const MEDIA_TOKEN_TTL_S = 30 * 60;

const VERSION = 'm1';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function signature(keyHash: string, keyId: string, exp: number): Buffer {
  return createHmac('sha256', keyHash).update(`keycast-media.${VERSION}.${keyId}.${exp}`).digest();
}

export function mintMediaToken(keyId: string, keyHash: string, nowMs = Date.now(), ttlS = MEDIA_TOKEN_TTL_S): { token: string; expiresAt: Date } {
  const exp = Math.floor(nowMs / 1000) + ttlS;
  return { token: `${VERSION}.${keyId}.${exp}.${signature(keyHash, keyId, exp).toString('base64url')}`, expiresAt: new Date(exp * 1000) };
}

/** The key id a well-formed, unexpired token claims (to look its key up), or null. Says nothing of the signature yet. */
export function mediaTokenClaim(token: string, nowMs = Date.now()): { keyId: string; exp: number; sig: string } | null {
  const parts = token.split('.');
  if (parts.length !== 4 || parts[0] !== VERSION || !UUID.test(parts[1]) || !/^\d{1,12}$/.test(parts[2])) return null;
  const exp = Number(parts[2]);
  if (exp * 1000 <= nowMs) return null;
  return { keyId: parts[1], exp, sig: parts[3] };
}

/** True when the claim's signature is the one the key's hash makes (constant-time comparison). */
export function mediaTokenSigned(claim: { keyId: string; exp: number; sig: string }, keyHash: string): boolean {
  const want = signature(keyHash, claim.keyId, claim.exp);
  const got = Buffer.from(claim.sig, 'base64url');
  return got.length === want.length && timingSafeEqual(got, want);
}
