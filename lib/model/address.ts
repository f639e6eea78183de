// IPv4 addresses as unsigned 32-bit numbers: the data path compares and masks millions of them,
// so parsing happens once, at the edge; ip-num judges whatever is not plain dotted decimal.
import { IPv4, Validator } from "ip-num";

export type Ipv4 = number;

export interface Prefix {
  readonly network: Ipv4;
  readonly length: number;
  /** Canonical `a.b.c.d/len` text, as `ip route` prints it. */
  readonly text: string;
}

/** Dotted decimal as Kubernetes writes it: each octet 0-255, no leading zero. */
const OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
const CANONICAL = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);

/**
 * The address, or undefined if `text` is not one. The canonical form (every address a cluster dump
 * holds: 300,000 of them at Kubernetes' limits) is read directly, a subset of what ip-num accepts
 * with the same value; anything else is ip-num's to judge.
 */
export function parseIpv4(text: string): Ipv4 | undefined {
  if (typeof text !== "string") return undefined;
  const m = CANONICAL.exec(text);
  if (m) return ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(text)) return undefined;
  const [ok] = Validator.isValidIPv4String(text);
  if (!ok) return undefined;
  return Number(IPv4.fromDecimalDottedString(text).getValue());
}

export function formatIpv4(ip: Ipv4): string {
  return `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
}

export function maskOf(length: number): number {
  return length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0;
}

export function makePrefix(network: Ipv4, length: number): Prefix {
  const net = (network & maskOf(length)) >>> 0;
  return { network: net, length, text: `${formatIpv4(net)}/${length}` };
}

/** Parses `a.b.c.d/len`; `strict` rejects host bits set (as `ip route` would for a route's destination). */
export function parsePrefix(text: string, strict = true): Prefix | undefined {
  if (typeof text !== "string") return undefined;
  const m = /^([^/]+)\/(\d{1,2})$/.exec(text);
  if (!m) return undefined;
  const ip = parseIpv4(m[1]!);
  const length = Number(m[2]);
  if (ip === undefined || length > 32) return undefined;
  const p = makePrefix(ip, length);
  if (strict && p.network !== ip) return undefined;
  return p;
}

export function hostPrefix(ip: Ipv4): Prefix {
  return makePrefix(ip, 32);
}

export function prefixContains(p: Prefix, ip: Ipv4): boolean {
  return (ip & maskOf(p.length)) >>> 0 === p.network;
}

export function prefixesOverlap(a: Prefix, b: Prefix): boolean {
  const len = Math.min(a.length, b.length);
  const m = maskOf(len);
  return (a.network & m) >>> 0 === (b.network & m) >>> 0;
}

export function prefixSize(p: Prefix): number {
  return 2 ** (32 - p.length);
}

/** The n-th sub-prefix of length `length` inside `p` (IPAM hands these out in order). */
export function subPrefix(p: Prefix, length: number, n: number): Prefix | undefined {
  if (length < p.length || n < 0 || n >= 2 ** (length - p.length)) return undefined;
  return makePrefix((p.network + n * 2 ** (32 - length)) >>> 0, length);
}
