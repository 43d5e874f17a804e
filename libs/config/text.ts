/**
 * The rules for text that comes from clients (issue 20): one definition each, used by every way text comes in (JSON
 * bodies, query strings, path parameters, multipart fields) and every kind of display text (file names, names).
 */

// eslint-disable-next-line no-control-regex
const NUL = /\u0000/;
/** A UTF-16 surrogate without its pair: not a Unicode character, and not storable as UTF-8. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Why `text` cannot be accepted as text at all, or null when it can: a NUL byte (PostgreSQL text cannot hold one)
 * or a lone surrogate (not Unicode; no UTF-8 spelling). Anything else is text; what display text keeps is
 * {@link cleanDisplayText}'s to say.
 */
export function unacceptableText(text: string): string | null {
  if (NUL.test(text)) return 'contains a NUL character (U+0000)';
  const s = LONE_SURROGATE.exec(text);
  if (s) return `contains a lone surrogate (U+${s[0].charCodeAt(0).toString(16).toUpperCase()}), which is not Unicode text`;
  return null;
}

/**
 * Control characters (C0, DEL, C1) and the invisible bidirectional controls (marks, embeddings, overrides,
 * isolates) that make displayed text read other than it is ("\u202egnp.exe" shows as "exe.png").
 */
// eslint-disable-next-line no-control-regex
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Display text as it is kept and shown (file names, names of people): NFC, without control or bidi characters, trimmed; '' when nothing visible is left. */
export function cleanDisplayText(raw: string): string {
  return raw.normalize('NFC').replace(INVISIBLE, '').trim();
}

/**
 * A message that may quote client text (an id, a value, a parameter's name), with every control or bidi character
 * spelled as an escape (`\u202e`): the message shows what was sent and cannot be made to read other than it is. The
 * API's messages have none of their own, so it applies to whole messages, once, where an error answer is made.
 */
export function escapeInvisible(message: string): string {
  return message.replace(INVISIBLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
