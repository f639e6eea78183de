// Turns a user's `--from LOC --to DEST` into a start location and the first packet.
import { formatIpv4, type Ipv4, parseIpv4 } from "../model/address.ts";
import type { InterfaceName, Pod } from "../model/cluster.ts";
import type { Location } from "../dataplane/device.ts";
import { here, podKey } from "../dataplane/locations.ts";
import type { Network } from "../dataplane/network.ts";
import type { L4, Packet } from "../dataplane/packet.ts";
import type { TraceRequest } from "./types.ts";

export interface TraceQuery {
  readonly from: string;
  readonly to: string;
  readonly proto?: L4;
  readonly src?: string;
  readonly sport?: number;
  readonly size?: number;
}

/** A request that names something the topology does not have; the CLI prints it and exits 2. */
export class RequestError extends Error {
  override name = "RequestError";
}

export interface ResolvedRequest {
  readonly start: Location;
  readonly packet: Packet;
  readonly request: TraceRequest;
}

/** Linux's default ephemeral range starts at 32768; a fixed port keeps output deterministic. */
const DEFAULT_SPORT = 40000;
/** A TCP SYN with the usual options: 20 (IP) + 40 (TCP with MSS, SACK, timestamps, window scale). */
const DEFAULT_SIZE = 60;

export function resolveRequest(net: Network, q: TraceQuery): ResolvedRequest {
  const proto = q.proto ?? "tcp";
  const start = resolveFrom(net, q.from);
  const dst = resolveTo(net, q.to, proto);
  let src: Ipv4 = start.src;
  if (q.src !== undefined) {
    const ip = parseIpv4(q.src);
    if (ip === undefined) throw new RequestError(`--src "${q.src}" is not an IPv4 address`);
    src = ip;
  }
  if (src === 0 && start.at.device === "host" && !start.at.inIface) src = net.sourceAddress(start.at.node!, dst.ip) ?? 0;
  if (src === 0 && start.at.device !== "host") throw new RequestError(`--from ${q.from} needs --src IP: a packet arriving on an interface has no natural source`);
  const packet: Packet = { proto, src, sport: proto === "icmp" ? 0 : (q.sport ?? DEFAULT_SPORT), dst: dst.ip, dport: dst.port, size: q.size ?? DEFAULT_SIZE, ttl: 64, df: true, mark: 0 };
  if (src === 0) throw new RequestError(`--from ${q.from}: no route to ${formatIpv4(dst.ip)} to take a source address from; give --src IP`);
  const request: TraceRequest = { from: q.from, to: q.to, proto, src: formatIpv4(src), sport: packet.sport, dst: formatIpv4(dst.ip), dport: dst.port, size: packet.size };
  return { start: start.at, packet, request };
}

function resolveFrom(net: Network, from: string): { at: Location; src: Ipv4 } {
  const [kind, ...rest] = from.split("/");
  const name = rest.join("/");
  if (kind === "pod" && name) {
    const pod = findPod(net, name);
    return pod.hostNetwork ? { at: here.host(net.node(pod.node)), src: pod.ip } : { at: here.podOut(pod), src: pod.ip };
  }
  if (kind === "node" && name) {
    const [nodeName, iface] = name.split(":");
    const node = net.nodesByName.get(nodeName!);
    if (!node) throw new RequestError(`no node "${nodeName}"; nodes: ${names([...net.nodesByName.keys()])}`);
    if (iface === undefined) return { at: here.host(node), src: 0 };
    if (!["eth0", "bridge0", "wg0"].includes(iface)) throw new RequestError(`node interface "${iface}" is not one of eth0, bridge0, wg0`);
    const first = net.cluster.clients[0];
    return { at: here.host(node, iface as InterfaceName), src: iface === "eth0" && first ? first.ip : 0 };
  }
  if (kind === "client" && name) {
    const c = net.clientsByName.get(name);
    if (!c) throw new RequestError(`no client "${name}"; clients: ${names([...net.clientsByName.keys()])}`);
    return { at: here.clientOut(c), src: c.ip };
  }
  throw new RequestError(`--from "${from}" is not a location; use pod/[NS/]NAME, node/NAME, node/NAME:IFACE or client/NAME`);
}

function resolveTo(net: Network, to: string, proto: L4): { ip: Ipv4; port: number } {
  if (to.startsWith("svc/")) return resolveService(net, to.slice(4), proto);
  const m = /^(?:(pod|node|client)\/)?(.+?)(?::(\d+))?$/.exec(to);
  if (!m) throw new RequestError(`--to "${to}" is not a destination; use IP:PORT, pod/[NS/]NAME:PORT, node/NAME:PORT or client/NAME:PORT`);
  const [, kind, name, portText] = m;
  const port = portText === undefined ? undefined : Number(portText);
  if (port !== undefined && (port < 1 || port > 65535)) throw new RequestError(`port ${port} in --to is not 1-65535`);
  const needPort = (fallback?: number): number => {
    if (proto === "icmp") return 0;
    const p = port ?? fallback;
    if (p === undefined) throw new RequestError(`--to "${to}" needs a port (:PORT) for ${proto}`);
    return p;
  };
  if (kind === "pod") {
    const pod = findPod(net, name!);
    return { ip: pod.ip, port: needPort(pod.ports.length === 1 ? pod.ports[0]!.containerPort : undefined) };
  }
  if (kind === "node") {
    const node = net.nodesByName.get(name!);
    if (!node) throw new RequestError(`no node "${name}"; nodes: ${names([...net.nodesByName.keys()])}`);
    return { ip: node.ip, port: needPort() };
  }
  if (kind === "client") {
    const c = net.clientsByName.get(name!);
    if (!c) throw new RequestError(`no client "${name}"; clients: ${names([...net.clientsByName.keys()])}`);
    return { ip: c.ip, port: needPort() };
  }
  const ip = parseIpv4(name!);
  if (ip === undefined) throw new RequestError(`--to "${to}" is not IP:PORT, pod/..., node/... or client/...`);
  return { ip, port: needPort() };
}

/** `svc/[NS/]NAME[:PORT]`: the ClusterIP and a port given by number or name (or the only port). */
function resolveService(net: Network, ref: string, proto: L4): { ip: Ipv4; port: number } {
  const [name, portRef] = ref.split(":");
  const key = name!.includes("/") ? name! : `default/${name}`;
  const svc = net.cluster.services.find((s) => `${s.namespace}/${s.name}` === key);
  if (!svc) throw new RequestError(`no Service "${key}"; Services: ${names(net.cluster.services.map((s) => `${s.namespace}/${s.name}`))}`);
  if (svc.clusterIPs.length === 0) throw new RequestError(`Service ${key} has no ClusterIP (${svc.headless ? "headless: trace to one of its pods" : svc.type}); nothing to trace to`);
  const ports = svc.ports.filter((p) => p.protocol.toLowerCase() === proto || proto === "icmp");
  const port = portRef === undefined ? (ports.length === 1 ? ports[0] : undefined) : ports.find((p) => p.name === portRef || String(p.port) === portRef);
  if (!port) {
    const list = svc.ports.map((p) => `${p.name || "(unnamed)"} ${p.port}/${p.protocol}`).join(", ");
    throw new RequestError(portRef === undefined ? `Service ${key} has several ports (${list}); add :PORT` : `Service ${key} has no ${proto} port "${portRef}"; ports: ${list}`);
  }
  return { ip: svc.clusterIPs[0]!, port: proto === "icmp" ? 0 : port.port };
}

/** `ns/name`, `name` (namespace default), or a unique prefix such as a workload's name. */
export function findPod(net: Network, ref: string): Pod {
  const key = ref.includes("/") ? ref : `default/${ref}`;
  const exact = net.podsByKey.get(key);
  if (exact) return exact;
  const prefix = [...net.podsByKey.values()].filter((p) => podKey(p).startsWith(`${key}-`));
  if (prefix.length === 1) return prefix[0]!;
  if (prefix.length > 1) throw new RequestError(`pod "${ref}" is ambiguous: ${names(prefix.map(podKey))}`);
  throw new RequestError(`no pod "${ref}"; pods: ${names([...net.podsByKey.keys()])}`);
}

function names(list: string[]): string {
  return list.length > 12 ? `${list.slice(0, 12).join(", ")}, ... (${list.length} in all)` : list.join(", ") || "(none)";
}
