// `wg show all dump`: tab-separated, one line per interface, then one per peer of it:
//   IFACE  private-key  public-key  listen-port  fwmark
//   IFACE  public-key  preshared-key  endpoint  allowed-ips  latest-handshake  rx-bytes  tx-bytes  persistent-keepalive
// (`wg show IFACE dump` prints the same without the first column.) The private key is never read:
// kubehop ignores that field, and warns when it holds a real key so the user redacts it.
// Peers are mapped to nodes by endpoint IP = the node's InternalIP (else by public key); a peer
// that is no node's is kept with node "" and a warning.
import { formatIpv4, type Ipv4, makePrefix, parseIpv4, type Prefix } from "../model/address.ts";
import type { Node, WireGuardPeer } from "../model/cluster.ts";
import type { Diagnostic } from "../model/diagnostic.ts";
import { InputError } from "../input/errors.ts";
import type { InterfaceMap } from "./interfaces.ts";
import { lines, Problems, tabFields, type Word } from "./text.ts";

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

interface Line {
  readonly line: number;
  readonly iface: string;
  readonly kind: "interface" | "peer";
  readonly f: readonly Word[];
}

export function parseWgShow(text: string, file: string, ifaces: InterfaceMap, nodes: readonly Node[]): ParsedWireGuard {
  const problems = new Problems(file);
  const rows: Line[] = [];
  for (const { text: raw, line } of lines(text)) {
    if (raw.trim() === "" || raw.startsWith("#")) continue;
    const f = tabFields(raw);
    if (f.length === 1 && /^(interface|peer):/.test(raw.trim())) {
      problems.error(
        line,
        1,
        "this is `wg show` output; run `wg show all dump` for the tab-separated form kubehop reads",
      );
      break;
    }
    if (f.length === 5 || f.length === 4)
      rows.push({ line, kind: "interface", iface: f.length === 5 ? f[0]!.text : "wg0", f: f.slice(f.length - 4) });
    else if (f.length === 9 || f.length === 8)
      rows.push({ line, kind: "peer", iface: f.length === 9 ? f[0]!.text : "wg0", f: f.slice(f.length - 8) });
    else
      problems.error(
        line,
        1,
        `expected 5 tab-separated fields (an interface) or 9 (a peer) as \`wg show all dump\` prints them, found ${f.length}`,
      );
  }
  if (problems.list.length > 0) throw new InputError(problems.list);

  const names = [...new Set(rows.map((r) => r.iface))];
  const device = names.find((n) => ifaces(n) === "wg0") ?? (names.length === 1 ? names[0] : undefined);
  for (const n of names)
    if (n !== device)
      problems.warn(
        "dump-skipped",
        rows.find((r) => r.iface === n)!.line,
        `interface ${n} skipped: kubehop models one IPv4 WireGuard device (wg0)${device ? `, taken to be ${device}` : ""}`,
      );
  if (names.length > 1 && device === undefined)
    problems.warn(
      "dump-skipped",
      rows[0]!.line,
      `none of ${names.join(", ")} is known as wg0; their peers are skipped`,
      "map one with spec.nodeDumps.interfaces",
    );

  let listenPort: number | undefined;
  const entries: DumpedPeer[] = [];
  const byIp = new Map<Ipv4, Node>(nodes.map((n) => [n.ip, n]));
  const byKey = new Map<string, Node>(nodes.map((n) => [n.wireguard.publicKey, n]));
  for (const r of rows) {
    if (r.iface !== device) continue;
    const [a, b, c, d, e, g, h, k] = r.f as Word[];
    if (r.kind === "interface") {
      if (a!.text !== "(none)" && !/^(\(hidden\)|REDACTED|<redacted>|x+)$/i.test(a!.text) && a!.text !== "") {
        problems.warn(
          "dump-private-key",
          r.line,
          `the interface line holds ${r.iface}'s private key; kubehop ignores it`,
          'redact it, replacing it with "(hidden)", before you share this file',
        );
      }
      key(b!, "public key", r.line, problems);
      listenPort = whole(c!, "listen port", r.line, problems, 65535);
      if (!/^(off|0x[0-9a-f]+|\d+)$/i.test(d!.text))
        problems.error(r.line, d!.col, `fwmark "${d!.text}": expected off, a number or 0x...`);
      continue;
    }
    const publicKey = key(a!, "public key", r.line, problems);
    if (b!.text !== "(none)" && !KEY.test(b!.text) && !/^(\(hidden\)|REDACTED)$/i.test(b!.text))
      problems.error(r.line, b!.col, `preshared key "${b!.text}": expected (none) or a base64 key`);
    const endpoint = parseEndpoint(c!, r.line, problems);
    const allowedIps = parseAllowed(d!, r.line, problems);
    whole(e!, "latest handshake", r.line, problems);
    whole(g!, "received bytes", r.line, problems);
    whole(h!, "sent bytes", r.line, problems);
    if (k!.text !== "off") whole(k!, "persistent keepalive", r.line, problems, 65535);
    const owner = (endpoint && byIp.get(endpoint.ip)) ?? byKey.get(publicKey);
    if (!owner) {
      problems.warn(
        "dump-unknown-peer",
        r.line,
        `peer ${publicKey.slice(0, 8)}... (endpoint ${endpoint ? `${formatIpv4(endpoint.ip)}:${endpoint.port}` : "(none)"}) is no node's: its endpoint is not a node's InternalIP; kept with no node`,
      );
    }
    const peer: WireGuardPeer = { node: owner?.name ?? "", publicKey, allowedIps, ...(endpoint ? { endpoint } : {}) };
    entries.push({ peer, line: r.line });
  }
  if (problems.list.length > 0) throw new InputError(problems.list);
  return {
    ...(device !== undefined ? { device } : {}),
    ...(listenPort !== undefined ? { listenPort } : {}),
    peers: entries.map((x) => x.peer),
    entries,
    warnings: problems.warnings,
  };
}

function key(w: Word, what: string, line: number, problems: Problems): string {
  if (!KEY.test(w.text))
    problems.error(line, w.col, `${what} "${w.text}" is not a WireGuard key (44 characters of base64 ending in =)`);
  return w.text;
}

function whole(
  w: Word,
  what: string,
  line: number,
  problems: Problems,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (!/^\d+$/.test(w.text) || Number(w.text) > max) {
    problems.error(
      line,
      w.col,
      `${what} "${w.text}" is not a whole number${max < Number.MAX_SAFE_INTEGER ? ` 0-${max}` : ""}`,
    );
    return undefined;
  }
  return Number(w.text);
}

function parseEndpoint(w: Word, line: number, problems: Problems): { ip: Ipv4; port: number } | undefined {
  if (w.text === "(none)") return undefined;
  if (w.text.startsWith("[")) {
    problems.warn("dump-skipped", line, `IPv6 endpoint ${w.text} not modelled: the peer is kept without an endpoint`);
    return undefined;
  }
  const m = /^([\d.]+):(\d{1,5})$/.exec(w.text);
  const ip = m ? parseIpv4(m[1]!) : undefined;
  if (!m || ip === undefined || Number(m[2]) < 1 || Number(m[2]) > 65535) {
    problems.error(line, w.col, `endpoint "${w.text}": expected (none) or ip:port, e.g. 192.168.10.12:51820`);
    return undefined;
  }
  return { ip, port: Number(m[2]) };
}

function parseAllowed(w: Word, line: number, problems: Problems): Prefix[] {
  if (w.text === "(none)") return [];
  const out: Prefix[] = [];
  let col = w.col;
  let ipv6 = 0;
  for (const part of w.text.split(",")) {
    if (part.includes(":")) ipv6++;
    else {
      const m = /^([\d.]+)\/(\d{1,2})$/.exec(part);
      const ip = m ? parseIpv4(m[1]!) : undefined;
      if (!m || ip === undefined || Number(m[2]) > 32)
        problems.error(line, col, `allowed-ips entry "${part}": expected a prefix like 10.42.1.0/24`);
      else out.push(makePrefix(ip, Number(m[2])));
    }
    col += part.length + 1;
  }
  if (ipv6 > 0)
    problems.warn(
      "dump-skipped",
      line,
      `${ipv6} IPv6 allowed-ips entr${ipv6 === 1 ? "y" : "ies"} skipped: kubehop models IPv4 only`,
    );
  return out;
}
