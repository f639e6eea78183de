// Annotation values as ingress-nginx's parser reads them (internal/ingress/annotations/parser,
// internal/net/ipnet.go at kubernetes/ingress-nginx dbb11b92): Go's strconv for booleans and
// integers, nginx's sizes, comma-separated CIDRs and addresses.
import { hostPrefix, type Prefix, parseIpv4, parsePrefix } from "../model/address.ts";

/** Go's strconv.ParseBool. */
export function goBool(v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  if (["1", "t", "T", "TRUE", "true", "True"].includes(v)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(v)) return false;
  return undefined;
}

/** Go's strconv.Atoi: an optional sign and decimal digits, nothing else. */
export function goInt(v: string | undefined): number | undefined {
  if (v === undefined || !/^[+-]?\d+$/.test(v)) return undefined;
  return Number(v);
}

/** nginx's size syntax (parser.SizeRegex `^(?i)\d+[bkmg]?$`), in bytes; 0 turns the check off. */
export function byteSize(v: string): number | undefined {
  const m = /^(\d+)([bkmg]?)$/i.exec(v.trim());
  if (!m) return undefined;
  const unit = { "": 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase()]!;
  return Number(m[1]) * unit;
}

export interface SourceRanges {
  /** As nginx renders them, sorted: a CIDR by its network, an address bare. */
  readonly text: readonly string[];
  /** The IPv4 entries; an address is its /32. */
  readonly prefixes: readonly Prefix[];
}

/**
 * ingress-nginx's ParseIPNets over a comma-separated list: undefined when an entry is neither a CIDR nor
 * an address (the controller then denies the location). IPv6 entries are kept as text and match no
 * client: kubehop's clients are IPv4.
 */
export function sourceRanges(v: string): SourceRanges | undefined {
  const text = new Set<string>();
  const prefixes: Prefix[] = [];
  for (const raw of v.split(",")) {
    const spec = raw.trim();
    // Go's net.ParseCIDR keeps the network only: 10.0.0.5/8 is 10.0.0.0/8.
    const prefix = spec.includes("/") ? parsePrefix(spec, false) : undefined;
    const ip = CANONICAL_V4.test(spec) ? parseIpv4(spec) : undefined;
    if (prefix) {
      prefixes.push(prefix);
      text.add(prefix.text);
    } else if (ip !== undefined) {
      prefixes.push(hostPrefix(ip));
      text.add(spec);
    } else if (IPV6.test(spec)) text.add(spec.toLowerCase());
    else return undefined;
  }
  return { text: [...text].sort(), prefixes };
}

/** Go's net.ParseIP refuses leading zeros in an octet. */
const CANONICAL_V4 = /^(0|[1-9]\d{0,2})(\.(0|[1-9]\d{0,2})){3}$/;
const IPV6 = /^[0-9a-f]*:[0-9a-f:.]*(\/\d{1,3})?$/i;
