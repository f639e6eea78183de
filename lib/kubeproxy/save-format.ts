// How iptables-save (iptables-nft 1.8) prints what kube-proxy feeds to iptables-restore: the
// kernel keeps no argument order, so the printer puts the fixed header (-s -d -i -o -p) first,
// then each match module in the order it was loaded, then the target with its defaults spelled out.
import { formatIpv4, type Prefix } from "../model/address.ts";
import { saveString } from "../netfilter/save-string.ts";

export function comment(text: string): string {
  return `-m comment --comment ${saveString(text)}`;
}

/** iptables-save prints single addresses with /32. */
export function host(ip: number): string {
  return `${formatIpv4(ip)}/32`;
}

export function cidr(p: Prefix): string {
  return p.text;
}

const probabilityCache = new Map<number, string>();

/**
 * The statistic match of the rule that picks one of `n` remaining endpoints. kube-proxy writes
 * `%0.10f` of 1/n; libxt_statistic stores lround(2^31 * p) and prints that back with `%.11f`,
 * which is what iptables-save shows (0.3333333333 -> 0.33333333349).
 */
export function probability(n: number): string {
  let text = probabilityCache.get(n);
  if (text === undefined) {
    const written = Number((1 / n).toFixed(10));
    text = `-m statistic --mode random --probability ${fixed11(Math.round(written * 0x80000000))}`;
    probabilityCache.set(n, text);
  }
  return text;
}

/** printf("%.11f", k / 2^31) computed exactly (glibc rounds exact ties to even). */
function fixed11(k: number): string {
  const scaled = BigInt(k) * 10n ** 11n;
  const denominator = 1n << 31n;
  let q = scaled / denominator;
  const twiceRemainder = (scaled % denominator) * 2n;
  if (twiceRemainder > denominator || (twiceRemainder === denominator && q % 2n === 1n)) q += 1n;
  const digits = q.toString().padStart(12, "0");
  return `${digits.slice(0, -11)}.${digits.slice(-11)}`;
}

/** One `-A` line; empty parts are skipped so callers can pass optional pieces as "". */
export function rule(chain: string, ...parts: string[]): string {
  let line = `-A ${chain}`;
  for (const part of parts) if (part !== "") line += ` ${part}`;
  return line;
}
