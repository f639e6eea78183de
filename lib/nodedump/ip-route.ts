// `ip route` as iproute2 prints it: `show table main` (the default), or `show table all`, e.g.
//   default via 192.168.56.1 dev eno2 proto static metric 100
//   172.20.4.0/24 dev cni0 proto kernel scope link src 172.20.4.1
//   172.20.0.0/24 via 172.20.0.0 dev flannel.1 onlink
//   blackhole 10.42.2.0/24 proto bird
//   local 100.96.254.43 dev eth0 table local proto kernel scope host src 100.96.254.43
// Devices are mapped to the ones kubehop models (see interfaces.ts); routes over other devices
// (docker0, flannel.1, ...), IPv6 routes and routes of tables other than main and local are skipped
// with a warning. The local table's `local` routes are the node's own addresses (what addrtype LOCAL
// tests); its broadcast routes matter to no packet kubehop sends and are read without a word.
import { asWritten, excerpt } from "../model/excerpt.ts";
import { type Ipv4, makePrefix, parseIpv4, type Prefix } from "../model/address.ts";
import type { Route } from "../model/cluster.ts";
import { byPosition, type Diagnostic } from "../model/diagnostic.ts";
import type { InterfaceMap } from "./interfaces.ts";
import { lines, Problems, type Word, words } from "./text.ts";

export interface DumpedRoute {
  readonly route: Route;
  readonly line: number;
  /** The line as the node printed it (real device names). */
  readonly text: string;
  readonly metric: number;
  readonly onlink: boolean;
  /** The real device name, before mapping. */
  readonly realDev?: string;
}

export interface ParsedRoutes {
  readonly routes: Route[];
  readonly entries: DumpedRoute[];
  /** The local table's `local` routes: the addresses and prefixes the node takes as its own. */
  readonly local: Prefix[];
  readonly warnings: Diagnostic[];
}

const TYPES = [
  "unicast",
  "blackhole",
  "unreachable",
  "prohibit",
  "throw",
  "local",
  "broadcast",
  "multicast",
  "anycast",
  "nat",
];
/** Keywords followed by one value kubehop does not need. */
const VALUED = new Set([
  "mtu",
  "advmss",
  "rtt",
  "rttvar",
  "reordering",
  "window",
  "cwnd",
  "initcwnd",
  "initrwnd",
  "ssthresh",
  "realms",
  "realm",
  "rto_min",
  "hoplimit",
  "features",
  "quickack",
  "congctl",
  "fastopen_no_cookie",
  "pref",
  "expires",
  "error",
  "nhid",
  "weight",
  "tos",
  "dsfield",
  "from",
]);
const FLAGS = new Set([
  "onlink",
  "pervasive",
  "linkdown",
  "dead",
  "offload",
  "trap",
  "rt_offload",
  "rt_trap",
  "notify",
  "lock",
]);
const PROTOS: Record<string, Route["proto"]> = { kernel: "kernel", boot: "boot", static: "static" };

export function parseIpRoute(text: string, file: string, ifaces: InterfaceMap): ParsedRoutes {
  const problems = new Problems(file);
  const entries: DumpedRoute[] = [];
  const local: Prefix[] = [];
  const skipped = { ipv6: 0, ipv6Line: 0 };
  let inMultipath = false;
  for (const { text: raw, line } of lines(text)) {
    const w = words(raw);
    if (w.length === 0 || problems.prompt(line, raw)) continue;
    if (/^\s/.test(raw) && w[0]!.text === "nexthop") {
      if (!inMultipath) problems.error(line, w[0]!.col, "a nexthop line must follow a multipath route line");
      continue;
    }
    inMultipath = w.some((x) => x.text === "nexthop");
    const parsed = parseLine(raw, w, line, file, ifaces, problems, skipped);
    if (parsed && "local" in parsed) local.push(parsed.local);
    else if (parsed) entries.push(parsed);
  }
  if (skipped.ipv6 > 0)
    problems.warn(
      "dump-skipped",
      skipped.ipv6Line,
      `${skipped.ipv6} IPv6 route${skipped.ipv6 === 1 ? "" : "s"} skipped: kubehop models IPv4 only`,
    );
  const ordered = byMetric(entries);
  return { routes: ordered.map((e) => e.route), entries: ordered, local, warnings: byPosition(problems.warnings) };
}

function parseLine(
  raw: string,
  w: Word[],
  line: number,
  file: string,
  ifaces: InterfaceMap,
  problems: Problems,
  skipped: { ipv6: number; ipv6Line: number },
): DumpedRoute | { local: Prefix } | undefined {
  let i = 0;
  let type = "unicast";
  if (TYPES.includes(w[0]!.text)) type = w[i++]!.text;
  const dstWord = w[i++];
  if (!dstWord) {
    problems.error(
      line,
      raw.length + 1,
      `expected a destination after ${excerpt(type)}: default or an address like 10.42.0.0/24`,
    );
    return undefined;
  }
  if (
    dstWord.text.includes(":") ||
    w.some(
      (x, k) => x.text === "inet6" || (x.text.includes(":") && (w[k - 1]?.text === "via" || w[k - 1]?.text === "src")),
    )
  ) {
    skipped.ipv6++;
    skipped.ipv6Line ||= line;
    return undefined;
  }
  const dst = parseDestination(dstWord.text);
  if (!dst) {
    problems.error(
      line,
      dstWord.col,
      `${excerpt(dstWord.text)} is not a destination; expected default or an IPv4 prefix like ` +
        `10.42.0.0/24${/^[a-z]/.test(dstWord.text) ? ` (route types: ${TYPES.join(", ")})` : ""}`,
    );
    return undefined;
  }
  let via: Ipv4 | undefined;
  let src: Ipv4 | undefined;
  let dev: Word | undefined;
  let proto = "";
  let scope: Route["scope"] | undefined;
  let metric = 0;
  let onlink = false;
  let table = "main";
  let multipath = false;
  const value = (k: Word): Word | undefined => {
    const v = w[i++];
    if (!v) problems.error(line, k.col + k.text.length + 1, `${excerpt(k.text)} needs a value`);
    return v;
  };
  const address = (k: Word): Ipv4 | undefined => {
    let v = value(k);
    if (v?.text === "inet") v = value(k);
    if (!v) return undefined;
    const ip = parseIpv4(v.text);
    if (ip === undefined) problems.error(line, v.col, `${excerpt(v.text)} after ${k.text} is not an IPv4 address`);
    return ip;
  };
  while (i < w.length) {
    const k = w[i++]!;
    switch (k.text) {
      case "via":
        via = address(k);
        break;
      case "src":
        src = address(k);
        break;
      case "dev":
        dev = value(k);
        break;
      case "proto":
        proto = value(k)?.text ?? "";
        break;
      case "scope": {
        const v = value(k);
        if (v) scope = v.text === "host" || v.text === "link" ? v.text : "global";
        break;
      }
      case "metric":
      case "preference":
      case "priority": {
        const v = value(k);
        if (v && !/^\d+$/.test(v.text)) problems.error(line, v.col, `metric ${excerpt(v.text)} is not a whole number`);
        else if (v) metric = Number(v.text);
        break;
      }
      case "table":
        table = value(k)?.text ?? table;
        break;
      case "nexthop":
        multipath = true;
        i = w.length;
        break;
      default:
        if (FLAGS.has(k.text)) {
          if (k.text === "onlink") onlink = true;
        } else if (VALUED.has(k.text)) {
          if (w[i]?.text === "lock") i++;
          value(k);
          if (k.text === "expires" && w[i]?.text === "sec") i++;
        } else {
          problems.error(
            line,
            k.col,
            `unknown word ${excerpt(k.text)} in a route; expected via, dev, proto, scope, src, metric or a flag ` +
              "such as onlink",
          );
          return undefined;
        }
    }
  }
  if (problems.failed(line)) return undefined;
  const at = `${file}:${line}`;
  // `ip route show table local` prints its lines without `table local`.
  const ownTable = ["main", "254", "local", "255"].includes(table);
  if (ownTable && type === "local") return { local: dst };
  if (ownTable && type === "broadcast") return undefined;
  if (table !== "main" && table !== "254") {
    problems.warn(
      "dump-skipped",
      line,
      `route of table ${asWritten(table)} skipped: only the main and local tables are read`,
    );
    return undefined;
  }
  if (["multicast", "anycast", "nat", "throw"].includes(type)) {
    problems.warn(
      "dump-skipped",
      line,
      `${type} route skipped: not part of the main table kubehop models (run \`ip route show table main\`)`,
    );
    return undefined;
  }
  const why = `as dumped at ${at}: ${raw.trim()}`;
  const mappedProto = PROTOS[proto] ?? (proto === "" ? (type === "unicast" ? "boot" : "static") : "static");
  if (type !== "unicast") {
    if (type === "prohibit")
      problems.warn(
        "dump-approximated",
        line,
        "prohibit route treated as unreachable (the sender gets an ICMP error either way)",
      );
    const t = type === "blackhole" ? "blackhole" : "unreachable";
    return {
      route: { dst, dev: "lo", proto: mappedProto, scope: scope ?? "global", type: t, why },
      line,
      text: raw.trim(),
      metric,
      onlink,
    };
  }
  if (multipath && !dev) {
    problems.warn("dump-skipped", line, "multipath route: kubehop does not model ECMP; the route is skipped");
    return undefined;
  }
  if (!dev) {
    problems.error(line, raw.length + 1, "a unicast route needs dev NAME (ip route always prints it)");
    return undefined;
  }
  const modelDev = ifaces(dev.text);
  if (!modelDev) {
    problems.warn(
      "dump-skipped",
      line,
      `route ${dst.length === 0 ? "default" : asWritten(dst.text)} dev ${asWritten(dev.text)} skipped: ` +
        `${asWritten(dev.text)} is not a device ` +
        `kubehop models (eth0, bridge0, wg0, lo)`,
      "map it with spec.nodeDumps.interfaces if it is one of them",
    );
    return undefined;
  }
  const route: Route = {
    dst,
    dev: modelDev,
    ...(via !== undefined ? { via } : {}),
    ...(src !== undefined ? { src } : {}),
    proto: mappedProto,
    scope: scope ?? "global",
    type: "unicast",
    why,
  };
  return { route, line, text: raw.trim(), metric, onlink, realDev: dev.text };
}

function parseDestination(text: string): Prefix | undefined {
  if (text === "default" || text === "0.0.0.0/0") return makePrefix(0, 0);
  const m = /^([^/]+)(?:\/(\d{1,2}))?$/.exec(text);
  const ip = m ? parseIpv4(m[1]!) : undefined;
  if (ip === undefined) return undefined;
  const length = m![2] === undefined ? 32 : Number(m![2]);
  if (length > 32) return undefined;
  const p = makePrefix(ip, length);
  return p.network === ip ? p : undefined;
}

/** Among routes to the same destination the kernel uses the lowest metric; ip route lists them in that order anyway. */
function byMetric(entries: DumpedRoute[]): DumpedRoute[] {
  const groups = new Map<string, DumpedRoute[]>();
  for (const e of entries) {
    const key = e.route.dst.text;
    const g = groups.get(key);
    if (g) g.push(e);
    else groups.set(key, [e]);
  }
  return [...groups.values()].flatMap((g) => (g.length === 1 ? g : [...g].sort((a, b) => a.metric - b.metric)));
}
