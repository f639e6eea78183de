// Turns a user's `--from LOC --to DEST` into where the request starts and its first packet. A
// workload (deploy/, sts/, ds/) stands for its pods: one start per pod, or per pair of pods when
// both ends are workloads, each an equal share of the trace.
import { formatIpv4, type Ipv4, parseIpv4 } from "../model/address.ts";
import type { InterfaceName, Pod } from "../model/cluster.ts";
import type { Location } from "../dataplane/device.ts";
import { here, podKey } from "../dataplane/locations.ts";
import type { Network } from "../dataplane/network.ts";
import type { L4, Packet } from "../model/packet.ts";
import { RequestError } from "./errors.ts";
import { findService, list, podsAt, WORKLOAD_PREFIXES } from "./names.ts";
import type { TraceRequest } from "./types.ts";

export { RequestError } from "./errors.ts";

export interface TraceQuery {
  readonly from: string;
  readonly to: string;
  /** kubectl's -n: the namespace of pod/NAME, svc/NAME and workload names written without one. */
  readonly namespace?: string;
  readonly proto?: L4;
  readonly src?: string;
  readonly sport?: number;
  readonly size?: number;
}

/** One place the request starts, with its first packet and its share of the trace. */
export interface Start {
  readonly at: Location;
  readonly packet: Packet;
  readonly share: number;
  /** Which pod of a workload this start stands for, at either end; empty for plain locations. */
  readonly choices: readonly string[];
}

export interface RequestPlan {
  readonly starts: readonly Start[];
  /** What was asked, after defaults; with workloads, the addresses are the first start's. */
  readonly request: TraceRequest;
}

/** Linux's default ephemeral range starts at 32768; a fixed port keeps output deterministic. */
const DEFAULT_SPORT = 40000;
/** A TCP SYN with the usual options: 20 (IP) + 40 (TCP with MSS, SACK, timestamps, window scale). */
const DEFAULT_SIZE = 60;

interface Origin {
  readonly at: Location;
  readonly src: Ipv4;
  readonly choice?: string;
}

interface Destination {
  readonly ip: Ipv4;
  readonly port: number;
  readonly choice?: string;
}

export function planRequest(net: Network, q: TraceQuery): RequestPlan {
  const proto = q.proto ?? "tcp";
  const origins = resolveFrom(net, q.from, q.namespace);
  const destinations = resolveTo(net, q.to, proto, q.namespace);
  let override: Ipv4 | undefined;
  if (q.src !== undefined) {
    override = parseIpv4(q.src);
    if (override === undefined) throw new RequestError(`--src "${q.src}" is not an IPv4 address`, "BAD_SOURCE_ADDRESS");
  }
  const share = 1 / (origins.length * destinations.length);
  const starts = origins.flatMap((o) =>
    destinations.map((d): Start => {
      const src = sourceOf(net, q.from, o, d.ip, override);
      const packet: Packet = {
        proto,
        src,
        sport: proto === "icmp" ? 0 : (q.sport ?? DEFAULT_SPORT),
        dst: d.ip,
        dport: d.port,
        size: q.size ?? DEFAULT_SIZE,
        ttl: 64,
        df: true,
        mark: 0,
      };
      return { at: o.at, packet, share, choices: [o.choice, d.choice].filter((c): c is string => c !== undefined) };
    }),
  );
  const first = starts[0]!.packet;
  const request: TraceRequest = {
    from: q.from,
    to: q.to,
    proto,
    src: formatIpv4(first.src),
    sport: first.sport,
    dst: formatIpv4(first.dst),
    dport: first.dport,
    size: first.size,
  };
  return { starts, request };
}

/** The address the start sends from: --src, else its own, else the one its route to `dst` picks. */
function sourceOf(net: Network, from: string, o: Origin, dst: Ipv4, override: Ipv4 | undefined): Ipv4 {
  let src = override ?? o.src;
  if (src === 0 && o.at.device === "host" && !o.at.inIface) src = net.sourceAddress(o.at.node, dst) ?? 0;
  if (src === 0 && o.at.device !== "host")
    throw new RequestError(
      `--from ${from} needs --src IP: a packet arriving on an interface has no natural source`,
      "SOURCE_ADDRESS_NEEDED",
    );
  if (src === 0)
    throw new RequestError(
      `--from ${from}: no route to ${formatIpv4(dst)} to take a source address from; give --src IP`,
      "NO_ROUTE_FOR_SOURCE",
    );
  return src;
}

function resolveFrom(net: Network, from: string, namespace: string | undefined): Origin[] {
  const ofPods = podsAt(net, from, namespace);
  if (ofPods) {
    const { pods, workload } = ofPods;
    return pods.map((pod, i) => ({
      ...podOrigin(net, pod),
      ...(workload ? { choice: `from ${workload}: pod ${podKey(pod)} (${i + 1} of ${pods.length})` } : {}),
    }));
  }
  const [kind, ...rest] = from.split("/");
  const name = rest.join("/");
  if (kind === "node" && name) {
    const [nodeName, iface] = name.split(":");
    const node = net.nodesByName.get(nodeName!);
    if (!node)
      throw new RequestError(`no node "${nodeName}"; nodes: ${list([...net.nodesByName.keys()])}`, "UNKNOWN_NODE");
    if (iface === undefined) return [{ at: here.host(node), src: 0 }];
    if (!["eth0", "bridge0", "wg0"].includes(iface))
      throw new RequestError(`node interface "${iface}" is not one of eth0, bridge0, wg0`, "UNKNOWN_INTERFACE");
    const first = net.cluster.clients[0];
    return [{ at: here.host(node, iface as InterfaceName), src: iface === "eth0" && first ? first.ip : 0 }];
  }
  if (kind === "client" && name) {
    const c = net.clientsByName.get(name);
    if (!c)
      throw new RequestError(`no client "${name}"; clients: ${list([...net.clientsByName.keys()])}`, "UNKNOWN_CLIENT");
    return [{ at: here.clientOut(c), src: c.ip }];
  }
  throw new RequestError(
    `--from "${from}" is not a location; use pod/[NS/]NAME, deploy/[NS/]NAME, sts/[NS/]NAME, ds/[NS/]NAME, ` +
      `node/NAME, node/NAME:IFACE or client/NAME`,
    "BAD_LOCATION",
  );
}

function podOrigin(net: Network, pod: Pod): Origin {
  return pod.hostNetwork ? { at: here.host(net.node(pod.node)), src: pod.ip } : { at: here.podOut(pod), src: pod.ip };
}

function resolveTo(net: Network, to: string, proto: L4, namespace: string | undefined): Destination[] {
  if (to.startsWith("svc/")) return [resolveService(net, to.slice(4), proto, namespace)];
  const m = /^(?:([a-z]+)\/)?(.+?)(?::(\d+))?$/.exec(to);
  const [, kind, name, portText] = m ?? [];
  const workload = kind === undefined ? undefined : WORKLOAD_PREFIXES.get(kind);
  if (!m || (kind !== undefined && !workload && !["pod", "node", "client"].includes(kind))) {
    throw new RequestError(
      `--to "${to}" is not a destination; use IP:PORT, svc/[NS/]NAME[:PORT], pod/[NS/]NAME:PORT, ` +
        `deploy/[NS/]NAME:PORT, node/NAME:PORT or client/NAME:PORT`,
      "BAD_DESTINATION",
    );
  }
  const port = portText === undefined ? undefined : Number(portText);
  if (port !== undefined && (port < 1 || port > 65535))
    throw new RequestError(`port ${port} in --to is not 1-65535`, "BAD_PORT");
  const needPort = (fallback?: number): number => {
    if (proto === "icmp") return 0;
    const p = port ?? fallback;
    if (p === undefined) throw new RequestError(`--to "${to}" needs a port (:PORT) for ${proto}`, "PORT_NEEDED");
    return p;
  };
  const onlyPort = (pod: Pod): number | undefined => (pod.ports.length === 1 ? pod.ports[0]!.containerPort : undefined);
  const ofPods = kind === undefined ? undefined : podsAt(net, `${kind}/${name}`, namespace);
  if (ofPods) {
    const { pods, workload } = ofPods;
    return pods.map((pod, i) => ({
      ip: pod.ip,
      port: needPort(onlyPort(pod)),
      ...(workload ? { choice: `to ${workload}: pod ${podKey(pod)} (${i + 1} of ${pods.length})` } : {}),
    }));
  }
  if (kind === "node") {
    const node = net.nodesByName.get(name!);
    if (!node) throw new RequestError(`no node "${name}"; nodes: ${list([...net.nodesByName.keys()])}`, "UNKNOWN_NODE");
    return [{ ip: node.ip, port: needPort() }];
  }
  if (kind === "client") {
    const c = net.clientsByName.get(name!);
    if (!c)
      throw new RequestError(`no client "${name}"; clients: ${list([...net.clientsByName.keys()])}`, "UNKNOWN_CLIENT");
    return [{ ip: c.ip, port: needPort() }];
  }
  const ip = parseIpv4(name!);
  if (ip === undefined)
    throw new RequestError(
      `--to "${to}" is not IP:PORT, pod/..., deploy/..., node/... or client/...`,
      "BAD_DESTINATION",
    );
  return [{ ip, port: needPort() }];
}

/** `svc/[NS/]NAME[:PORT]`: the ClusterIP and a port given by number or name (or the only port). */
function resolveService(net: Network, ref: string, proto: L4, namespace: string | undefined): Destination {
  const [name, portRef] = ref.split(":");
  const svc = findService(net, name!, namespace);
  const key = `${svc.namespace}/${svc.name}`;
  if (svc.clusterIPs.length === 0)
    throw new RequestError(
      `Service ${key} has no ClusterIP (${svc.headless ? "headless: trace to one of its pods" : svc.type}); nothing ` +
        `to trace to`,
      "SERVICE_WITHOUT_CLUSTER_IP",
    );
  const known = svc.ports.map((p) => `${p.name || "(unnamed)"} ${p.port}/${p.protocol}`).join(", ");
  // ICMP has no ports: any port of the Service will do, only a named one must exist.
  const ports = svc.ports.filter((p) => p.protocol.toLowerCase() === proto || proto === "icmp");
  if (ports.length === 0 && proto !== "icmp")
    throw new RequestError(
      `Service ${key} has no ${proto.toUpperCase()} port; ports: ${known}`,
      "SERVICE_NO_PORT_FOR_PROTOCOL",
    );
  const port =
    portRef === undefined
      ? ports.length === 1 || proto === "icmp"
        ? ports[0]
        : undefined
      : ports.find((p) => p.name === portRef || String(p.port) === portRef);
  if (portRef === undefined && !port && proto !== "icmp")
    throw new RequestError(`Service ${key} has several ports (${known}); add :PORT`, "SERVICE_PORT_AMBIGUOUS");
  if (portRef !== undefined && !port)
    throw new RequestError(`Service ${key} has no ${proto} port "${portRef}"; ports: ${known}`, "UNKNOWN_SERVICE_PORT");
  return { ip: svc.clusterIPs[0]!, port: proto === "icmp" || !port ? 0 : port.port };
}
