// Event texts repeat the same few addresses and marks across every branch of a walk; number to
// string conversion is a visible share of a walk's time, so the texts are memoised. The caches
// only ever map a number to the same text, so they cannot change a result.
import { formatIpv4 } from "../model/address.ts";

const LIMIT = 1 << 16;
const ips = new Map<number, string>();
const hexes = new Map<number, string>();

export function ipText(ip: number): string {
  let text = ips.get(ip);
  if (text === undefined) {
    if (ips.size >= LIMIT) ips.clear();
    ips.set(ip, (text = formatIpv4(ip)));
  }
  return text;
}

/** `0x4000`, as iptables prints marks. */
export function hexText(n: number): string {
  let text = hexes.get(n);
  if (text === undefined) {
    if (hexes.size >= LIMIT) hexes.clear();
    hexes.set(n, (text = `0x${n.toString(16)}`));
  }
  return text;
}

const nats = new WeakMap<object, string>();

/**
 * `10.0.0.10:8080`. For NAT targets a rule set shares between the branches that go through one
 * statement (nft's `dnat to` with a port): kept per object, as long as the object lives.
 */
export function natText(to: { readonly ip: number; readonly port: number }): string {
  let text = nats.get(to);
  if (text === undefined) nats.set(to, (text = `${ipText(to.ip)}:${to.port}`));
  return text;
}
