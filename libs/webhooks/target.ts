import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { KeycastError, type ErrorCode } from '../config/index.js';

/**
 * Where an outbound call of the service may go beyond the public internet: webhooks (WEBHOOK_ALLOW_PRIVATE,
 * WEBHOOK_ALLOWED_HOSTS) and video downloads (INGEST_ALLOW_PRIVATE, INGEST_ALLOWED_HOSTS) each have their own.
 */
export interface TargetPolicy {
  /** Any address at all, private and loopback included. */
  allowPrivate: boolean;
  /** Host names (exact, case-insensitive), IP addresses or CIDR ranges allowed even when private. */
  allowedHosts: readonly string[];
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** A DNS resolver: every address of a host name. Injected in tests to play a rebinding DNS server. */
export type Resolve = (hostname: string) => Promise<ResolvedAddress[]>;

export type WebhookTargetPolicy = TargetPolicy;

/**
 * Who an address check is for: the field its refusals name, the settings that widen the rules, the codes it throws,
 * and whether a refusal may quote the URL (a callback URL may; a video's URL may carry a signature and never is).
 */
export interface TargetRules {
  field: string;
  settings: string;
  /** Not a URL, not http(s), too long, credentials. */
  invalid: ErrorCode;
  /** An address outside the public internet that the policy does not allow. */
  refused: ErrorCode;
  /** The host does not resolve. */
  unresolved: ErrorCode;
  /** What a refused user:password@ should use instead. */
  credentialsHint: string;
  quoteUrl: boolean;
}

export const CALLBACK_RULES: TargetRules = {
  field: 'callback_url',
  settings: 'WEBHOOK_ALLOWED_HOSTS or WEBHOOK_ALLOW_PRIVATE',
  invalid: 'INVALID_CALLBACK_URL',
  refused: 'INVALID_CALLBACK_URL',
  unresolved: 'INVALID_CALLBACK_URL',
  credentialsHint: 'authenticate deliveries with the x-keycast-signature header instead',
  quoteUrl: true,
};

export const INGEST_RULES: TargetRules = {
  field: 'url',
  settings: 'INGEST_ALLOWED_HOSTS or INGEST_ALLOW_PRIVATE',
  invalid: 'INVALID_URL',
  refused: 'URL_NOT_ALLOWED',
  unresolved: 'SOURCE_UNREACHABLE',
  credentialsHint: 'give a presigned URL (its signature in the query string) instead',
  quoteUrl: false,
};

export interface WebhookTarget {
  url: URL;
  /** Host name as the URL gives it (brackets removed for IPv6 literals). */
  hostname: string;
  /** The checked address to connect to; nothing else may be dialled for this delivery. */
  address: ResolvedAddress;
}

const systemResolve: Resolve = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

/** Address ranges a webhook must not reach unless allowed, each with the name a refusal gives. */
const RANGES: [string, number, 'ipv4' | 'ipv6', string][] = [
  ['0.0.0.0', 8, 'ipv4', 'unspecified'],
  ['10.0.0.0', 8, 'ipv4', 'private'],
  ['100.64.0.0', 10, 'ipv4', 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'ipv4', 'loopback'],
  ['169.254.0.0', 16, 'ipv4', 'link-local'],
  ['172.16.0.0', 12, 'ipv4', 'private'],
  ['192.0.0.0', 24, 'ipv4', 'reserved'],
  ['192.0.2.0', 24, 'ipv4', 'documentation'],
  ['192.168.0.0', 16, 'ipv4', 'private'],
  ['198.18.0.0', 15, 'ipv4', 'benchmarking'],
  ['198.51.100.0', 24, 'ipv4', 'documentation'],
  ['203.0.113.0', 24, 'ipv4', 'documentation'],
  ['224.0.0.0', 4, 'ipv4', 'multicast'],
  ['240.0.0.0', 4, 'ipv4', 'reserved'],
  ['::', 128, 'ipv6', 'unspecified'],
  ['::1', 128, 'ipv6', 'loopback'],
  // IPv4-compatible (deprecated), Teredo and 6to4 carry IPv4 addresses a relay may route anywhere.
  ['::', 96, 'ipv6', 'reserved'],
  ['100::', 64, 'ipv6', 'discard'],
  ['2001::', 32, 'ipv6', 'Teredo'],
  ['2001:db8::', 32, 'ipv6', 'documentation'],
  ['2002::', 16, 'ipv6', '6to4'],
  ['fc00::', 7, 'ipv6', 'private'],
  ['fe80::', 10, 'ipv6', 'link-local'],
  ['fec0::', 10, 'ipv6', 'site-local'],
  ['ff00::', 8, 'ipv6', 'multicast'],
];

const LISTS = RANGES.map(([net, prefix, type, name]) => {
  const list = new BlockList();
  list.addSubnet(net, prefix, type);
  return { list, name };
});

/** Expands an IPv6 address into its 16 bytes (dotted IPv4 tails included). */
function ipv6Bytes(ip: string): number[] {
  let s = ip.toLowerCase().replace(/%.*$/, '');
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (dotted) {
    const [a, b, c, d] = dotted[1].split('.').map(Number);
    s = s.slice(0, -dotted[1].length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = s.includes('::') ? s.split('::') : [s, null];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === null ? h : [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.flatMap((g) => {
    const v = parseInt(g || '0', 16);
    return [v >> 8, v & 0xff];
  });
}

/** The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d) or NAT64 (64:ff9b::a.b.c.d) IPv6 address, else null. */
function embeddedIpv4(ip: string): string | null {
  const b = ipv6Bytes(ip);
  const mapped = b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
  const nat64 = b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && b.slice(4, 12).every((x) => x === 0);
  return mapped || nat64 ? b.slice(12).join('.') : null;
}

/**
 * Why `ip` is not a public unicast address ('loopback', 'private', 'link-local', …), or null when it is public.
 * IPv4 addresses inside IPv6 ones (mapped, NAT64) are judged as the IPv4 address they carry.
 */
export function forbiddenRange(ip: string): string | null {
  const v = isIP(ip);
  if (v === 0) return 'not an IP address';
  if (v === 6) {
    const inner = embeddedIpv4(ip);
    if (inner) return forbiddenRange(inner);
  }
  const type = v === 4 ? 'ipv4' : 'ipv6';
  for (const { list, name } of LISTS) if (list.check(ip.replace(/%.*$/, ''), type)) return name;
  return null;
}

function cidrContains(entry: string, ip: string): boolean {
  const [net, bits] = entry.split('/');
  const type = isIP(net);
  if (type === 0) return false;
  const list = new BlockList();
  const prefix = bits === undefined ? (type === 4 ? 32 : 128) : Number(bits);
  if (!Number.isInteger(prefix)) return false;
  try {
    list.addSubnet(net, prefix, type === 4 ? 'ipv4' : 'ipv6');
    return list.check(ip, isIP(ip) === 4 ? 'ipv4' : 'ipv6');
  } catch {
    return false;
  }
}

/** Whether the policy lets a call reach `ip` (reached through the URL's host name `hostname`). */
export function addressAllowed(policy: TargetPolicy, hostname: string, ip: string): boolean {
  if (policy.allowPrivate || forbiddenRange(ip) === null) return true;
  const host = hostname.toLowerCase();
  return policy.allowedHosts.some((e) => e.toLowerCase() === host || cidrContains(e, ip));
}

function fail(code: ErrorCode, message: string): never {
  throw new KeycastError(code, message);
}

/** Parses a URL the service will call: absolute, http or https, with a host, no credentials. Throws `rules.invalid`. */
export function parseTargetUrl(raw: string, rules: TargetRules): URL {
  const refuse = (message: string): never => fail(rules.invalid, message);
  const { field } = rules;
  if (raw.length > 2048) refuse(`${field} is longer than 2048 characters`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refuse(`${field} is not a URL${rules.quoteUrl ? `: ${JSON.stringify(raw.slice(0, 200))}` : ' (an absolute http or https URL is expected)'}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') refuse(`${field} must be http or https, got ${url.protocol.replace(/:$/, '')}`);
  if (!url.hostname) refuse(`${field} has no host`);
  // Credentials in a URL end up wherever the URL goes (answers, logs, queue payloads).
  if (url.username || url.password) refuse(`${field} must not contain credentials (user:password@): ${rules.credentialsHint}`);
  return url;
}

/** Parses a callback URL: absolute, http or https, with a host. Throws INVALID_CALLBACK_URL. */
export function parseCallbackUrl(raw: string): URL {
  return parseTargetUrl(raw, CALLBACK_RULES);
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Resolves a URL's host and checks every address it resolves to against the policy: one forbidden address refuses
 * the URL (a name that resolves both ways would let the attacker pick). Returns the address to connect to. Done when
 * the URL is given and again before each connection, which then goes to the address checked here and to no other
 * (pinnedLookup): a DNS answer that changes in between (rebinding) cannot send the request inside. Throws
 * KeycastError with `rules`' codes.
 */
export async function resolveTarget(
  raw: string | URL,
  policy: TargetPolicy,
  { resolve = systemResolve, timeoutMs = 5000, rules }: { resolve?: Resolve; timeoutMs?: number; rules: TargetRules },
): Promise<WebhookTarget> {
  const url = typeof raw === 'string' ? parseTargetUrl(raw, rules) : raw;
  const { field } = rules;
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: ResolvedAddress[];
  const literal = isIP(hostname);
  if (literal) addresses = [{ address: hostname, family: literal === 6 ? 6 : 4 }];
  // RFC 6761 6.4: a .invalid name never resolves, so it is refused without a query leaving the machine.
  else if (/(^|\.)invalid\.?$/i.test(hostname))
    throw new KeycastError(rules.unresolved, `${field} host ${hostname} does not resolve (.invalid is reserved, RFC 6761)`);
  else {
    try {
      addresses = await withTimeout(resolve(hostname), timeoutMs, `resolving ${hostname}`);
    } catch (e) {
      throw new KeycastError(rules.unresolved, `${field} host ${hostname} does not resolve (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    if (addresses.length === 0) throw new KeycastError(rules.unresolved, `${field} host ${hostname} does not resolve`);
  }
  for (const a of addresses) {
    if (!addressAllowed(policy, hostname, a.address)) {
      const range = forbiddenRange(a.address) ?? 'forbidden';
      const where = literal ? `${hostname} is` : `${hostname} resolves to ${a.address},`;
      throw new KeycastError(rules.refused, `${field} host ${where} a ${range} address: refused unless ${rules.settings} allows it`);
    }
  }
  return { url, hostname, address: addresses[0] };
}

/** resolveTarget for a webhook's callback URL (INVALID_CALLBACK_URL). */
export function resolveWebhookTarget(raw: string | URL, policy: TargetPolicy, opts: { resolve?: Resolve; timeoutMs?: number } = {}): Promise<WebhookTarget> {
  return resolveTarget(raw, policy, { ...opts, rules: CALLBACK_RULES });
}

/**
 * A socket lookup that answers `address` whatever name it is asked: a connection made with it goes to the checked
 * address only, while the request keeps the URL's host name (Host header, TLS SNI and certificate check).
 */
export function pinnedLookup({ address, family }: ResolvedAddress): LookupFunction {
  return (_hostname, opts, cb) => {
    if ((opts as { all?: boolean }).all) (cb as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address, family }]);
    else cb(null, address, family);
  };
}
