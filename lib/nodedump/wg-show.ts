// A node's WireGuard peers, from `wg show all dump` or the pretty `wg`/`wg show` (wg-rows.ts reads
// both). The private key is never read: kubehop ignores that field, and warns when it holds a real key
// so the user redacts it. Peers are mapped to nodes by endpoint IP = the node's InternalIP (else by
// public key); a peer that is no node's is kept with node "" and a warning. A field that cannot be
// read is a diagnostic: the peer is kept without it (a key as written, which may be redacted).
import { asWritten, excerpt } from "../model/excerpt.ts";
import { formatIpv4, type Ipv4, makePrefix, parseIpv4, type Prefix } from "../model/address.ts";
import type { Node, WireGuardPeer } from "../model/cluster.ts";
import { byPosition, type Diagnostic } from "../model/diagnostic.ts";
import type { InterfaceMap } from "./interfaces.ts";
import { Problems } from "./text.ts";
import { type Field, type PeerRow, type WgRow, whole, wgRows } from "./wg-rows.ts";

export interface DumpedPeer {
  readonly peer: WireGuardPeer;
  readonly line: number;
}

export interface ParsedWireGuard {
  /** The interface taken as wg0. */
  readonly device?: string;
  readonly listenPort?: number;
  readonly peers: WireGuardPeer[];
  readonly entries: DumpedPeer[];
  readonly warnings: Diagnostic[];
}

const KEY = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;
const HIDDEN = /^(\(hidden\)|REDACTED|<redacted>|x+|\(none\))$/i;

export function parseWgShow(text: string, file: string, ifaces: InterfaceMap, nodes: readonly Node[]): ParsedWireGuard {
  const problems = new Problems(file);
  const rows = wgRows(text, problems);
  const device = chooseDevice(rows, ifaces, problems);
  let listenPort: number | undefined;
  const entries: DumpedPeer[] = [];
  const byIp = new Map<Ipv4, Node>(nodes.map((n) => [n.ip, n]));
  const byKey = new Map<string, Node>(nodes.map((n) => [n.wireguard.publicKey, n]));
  for (const r of rows) {
    if (r.iface !== device) continue;
    if (r.kind === "peer") {
      entries.push({ peer: readPeer(r, problems, byIp, byKey), line: r.line });
      continue;
    }
    if (r.privateKey && !HIDDEN.test(r.privateKey.text) && r.privateKey.text !== "")
      problems.warn(
        "dump-private-key",
        r.privateKey.line,
        `the interface line holds ${asWritten(r.iface)}'s private key; kubehop ignores it`,
        'redact it, replacing it with "(hidden)", before you share this file',
      );
    if (r.publicKey) key(r.publicKey, "public key", problems);
    if (r.listenPort) listenPort = whole(r.listenPort, "listen port", r.listenPort.line, problems, 65535) ?? listenPort;
    if (r.fwmark && !/^(off|0x[0-9a-f]+|\d+)$/i.test(r.fwmark.text))
      problems.error(r.fwmark.line, r.fwmark.col, `fwmark ${excerpt(r.fwmark.text)}: expected off, a number or 0x...`);
  }
  return {
    ...(device !== undefined ? { device } : {}),
    ...(listenPort !== undefined ? { listenPort } : {}),
    peers: entries.map((x) => x.peer),
    entries,
    warnings: byPosition(problems.warnings),
  };
}

/** The interface taken as wg0: the one mapped to it, else the only one. */
function chooseDevice(rows: readonly WgRow[], ifaces: InterfaceMap, problems: Problems): string | undefined {
  const names = [...new Set(rows.map((r) => r.iface))];
  const device = names.find((n) => ifaces(n) === "wg0") ?? (names.length === 1 ? names[0] : undefined);
  for (const n of names)
    if (n !== device)
      problems.warn(
        "dump-skipped",
        rows.find((r) => r.iface === n)!.line,
        `interface ${asWritten(n)} skipped: kubehop models one IPv4 WireGuard device ` +
          `(wg0)${device ? `, taken to be ${device}` : ""}`,
      );
  if (names.length > 1 && device === undefined)
    problems.warn(
      "dump-skipped",
      rows[0]!.line,
      `none of ${names.join(", ")} is known as wg0; their peers are skipped`,
      "map one with spec.nodeDumps.interfaces",
    );
  return device;
}

function readPeer(r: PeerRow, problems: Problems, byIp: Map<Ipv4, Node>, byKey: Map<string, Node>): WireGuardPeer {
  const publicKey = key(r.publicKey, "public key", problems);
  const psk = r.presharedKey;
  if (psk && !HIDDEN.test(psk.text) && !KEY.test(psk.text))
    // A key is a secret: the message points at it and never quotes it.
    problems.error(psk.line, psk.col, "the preshared key is not (none), (hidden) or a base64 key");
  const endpoint = r.endpoint && parseEndpoint(r.endpoint, problems);
  const allowedIps = parseAllowed(r.allowedIps, problems);
  const owner = (endpoint && byIp.get(endpoint.ip)) ?? byKey.get(publicKey);
  if (!owner)
    problems.warn(
      "dump-unknown-peer",
      r.line,
      `peer ${publicKey.slice(0, 8)}... ` +
        `(endpoint ${endpoint ? `${formatIpv4(endpoint.ip)}:${endpoint.port}` : "(none)"}) is no node's: its ` +
        `endpoint is not a node's InternalIP; kept with no node`,
    );
  return { node: owner?.name ?? "", publicKey, allowedIps, ...(endpoint ? { endpoint } : {}) };
}

/** The key as written: a redacted one (`53Cxxx=`) still names the peer, with a warning. */
function key(w: Field, what: string, problems: Problems): string {
  if (!KEY.test(w.text))
    problems.error(
      w.line,
      w.col,
      `${what} ${excerpt(w.text)} is not a WireGuard key (44 characters of base64 ending in =); kept as written`,
    );
  return w.text;
}

function parseEndpoint(w: Field, problems: Problems): { ip: Ipv4; port: number } | undefined {
  if (w.text === "(none)") return undefined;
  if (w.text.startsWith("[")) {
    problems.warn(
      "dump-skipped",
      w.line,
      `IPv6 endpoint ${asWritten(w.text)} not modelled: the peer is kept without an endpoint`,
    );
    return undefined;
  }
  const m = /^([\d.]+):(\d{1,5})$/.exec(w.text);
  const ip = m ? parseIpv4(m[1]!) : undefined;
  if (!m || ip === undefined || Number(m[2]) < 1 || Number(m[2]) > 65535) {
    problems.error(
      w.line,
      w.col,
      `endpoint ${excerpt(w.text)}: expected (none) or ip:port, e.g. 192.168.10.12:51820; the peer is kept without one`,
    );
    return undefined;
  }
  return { ip, port: Number(m[2]) };
}

function parseAllowed(words: readonly Field[], problems: Problems): Prefix[] {
  const out: Prefix[] = [];
  let ipv6 = 0;
  for (const w of words) {
    if (w.text.includes(":")) ipv6++;
    else {
      const m = /^([\d.]+)\/(\d{1,2})$/.exec(w.text);
      const ip = m ? parseIpv4(m[1]!) : undefined;
      if (!m || ip === undefined || Number(m[2]) > 32)
        problems.error(
          w.line,
          w.col,
          `allowed-ips entry ${excerpt(w.text)}: expected a prefix like 10.42.1.0/24; skipped`,
        );
      else out.push(makePrefix(ip, Number(m[2])));
    }
  }
  if (ipv6 > 0)
    problems.warn(
      "dump-skipped",
      words[0]!.line,
      `${ipv6} IPv6 allowed-ips entr${ipv6 === 1 ? "y" : "ies"} skipped: kubehop models IPv4 only`,
    );
  return out;
}
