import type { Client } from '../../../libs/sdk/index.js';

/** What every screen gets from the signed-in app. */
export interface Session {
  client: Client;
  /** The signed-in API key (only the upload, which cannot use the SDK's fetch, sends it itself). */
  key: string;
  /** The current media token, for URLs that <video> and <img> load; null until the first is minted. */
  mediaToken: string | null;
  /**
   * Reports a failed call: an invalid key signs out with a message, an unreachable API raises the banner (and the
   * page keeps retrying). Returns the message to show where the call was made.
   */
  fail(e: unknown): string;
  /** A call succeeded: the API is back, if it was gone. */
  reachable(): void;
}

/** A media URL of this API with the session's media token. */
export function mediaUrl(s: Session, path: string): string | undefined {
  if (!s.mediaToken) return undefined;
  return `${path}${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(s.mediaToken)}`;
}
