// nft's values as numbers the walk compares: addresses, prefixes and ranges as closed ranges,
// protocol and service names as their numbers, conntrack states as the kernel's bits.
import { maskOf, parseIpv4 } from "../../model/address.ts";
import type { Dim, ValueKind } from "./model.ts";

export const PROTOCOLS: Readonly<Record<string, number>> = { icmp: 1, tcp: 6, udp: 17, sctp: 132 };
export const PROTOCOL_NAMES: Readonly<Record<number, string>> = { 1: "icmp", 6: "tcp", 17: "udp", 132: "sctp" };

/** /etc/services names nft prints for well-known ports. */
const SERVICES: Readonly<Record<string, number>> = {
  ssh: 22,
  domain: 53,
  http: 80,
  https: 443,
  bootps: 67,
  bootpc: 68,
  ntp: 123,
  bgp: 179,
  "http-alt": 8080,
};

/** nf_conntrack's state bits (NF_CT_STATE_BIT) as `ct state` names them. */
export const CT_STATES: Readonly<Record<string, number>> = {
  invalid: 1,
  established: 2,
  related: 4,
  new: 8,
  untracked: 64,
};

/** The `ct status` bits kubehop knows: whether the connection was DNATed or SNATed. */
export const CT_STATUS = ["dnat", "snat", "seen-reply", "assured", "confirmed"];

export const FIB_TYPES = ["unicast", "local", "broadcast", "multicast", "unreachable", "blackhole"];

/** The key type names of `type a . b : verdict` and what they compare as. */
export const KEY_TYPES: Readonly<Record<string, ValueKind>> = {
  ipv4_addr: "ip",
  inet_proto: "proto",
  inet_service: "port",
  mark: "int",
  ifname: "ifname",
  ct_state: "ctstate",
};

function number(text: string): number | undefined {
  if (/^0x[0-9a-f]+$/i.test(text)) return Number.parseInt(text, 16);
  if (/^\d+$/.test(text)) return Number(text);
  return undefined;
}

function range(lo: string, hi: string | undefined, one: (t: string) => number | undefined): Dim | undefined {
  const a = one(lo);
  const b = hi === undefined ? a : one(hi);
  if (a === undefined || b === undefined || b < a) return undefined;
  return { lo: a, hi: b };
}

function ipDim(text: string): Dim | undefined {
  const slash = /^([^/]+)\/(\d{1,2})$/.exec(text);
  if (slash) {
    const ip = parseIpv4(slash[1]!);
    const len = Number(slash[2]);
    if (ip === undefined || len > 32) return undefined;
    const lo = (ip & maskOf(len)) >>> 0;
    return { lo, hi: (lo | ~maskOf(len)) >>> 0 };
  }
  const [a, b] = text.split("-");
  return range(a!, b, parseIpv4);
}

/** One value of `kind` as written, or undefined when it is not one. */
export function parseDim(kind: ValueKind, text: string, quoted: boolean): Dim | undefined {
  switch (kind) {
    case "ip":
      return ipDim(text);
    case "proto": {
      const n = PROTOCOLS[text] ?? number(text);
      return n === undefined || n > 255 ? undefined : { lo: n, hi: n };
    }
    case "port": {
      const [a, b] = text.split("-");
      const d = range(a!, b, (t) => SERVICES[t] ?? number(t));
      return d && "hi" in d && d.hi <= 65535 ? d : undefined;
    }
    case "int": {
      const [a, b] = text.split("-");
      const d = range(a!, b, number);
      return d && "hi" in d && d.hi <= 0xffffffff ? d : undefined;
    }
    case "ifname":
      if (!quoted && !/^[\w.:@*-]+$/.test(text)) return undefined;
      return text.endsWith("*") ? { name: text.slice(0, -1), wildcard: true } : { name: text, wildcard: false };
    case "ctstate": {
      const bit = CT_STATES[text];
      return bit === undefined ? undefined : { lo: bit, hi: bit };
    }
    case "ctstatus": {
      const i = CT_STATUS.indexOf(text);
      return i < 0 ? undefined : { lo: i, hi: i };
    }
    case "fibtype": {
      const i = FIB_TYPES.indexOf(text);
      return i < 0 ? undefined : { lo: i, hi: i };
    }
  }
}

export function dimHolds(d: Dim, v: number | string): boolean {
  if ("lo" in d) return typeof v === "number" && v >= d.lo && v <= d.hi;
  return typeof v === "string" && (d.wildcard ? v.startsWith(d.name) : v === d.name);
}
