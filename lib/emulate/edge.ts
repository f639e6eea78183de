// Outside the cluster: the underlay's gateway router and the external load balancers, in one
// namespace (`kh-ID-rt`), and one namespace per external client joined to the router.
// - The router holds the underlay gateway's address; each client is a /32 behind its own veth. It has
//   no default route: pod and Service ranges, and the rest of the world, are unreachable from it.
// - A NodePort-mode LB is iptables in the router: the VIP is a local address, new connections to a
//   listener are DNATed to a healthy nodeIP:nodePort (nth = round-robin, random, or per-source for
//   source-hash, computed as the simulator does), SNATed to the LB's own address unless the client IP
//   is kept. Replies come back through the router (the nodes' default gateway), where conntrack undoes it.
// - A pass-through LB routes the VIP to the healthy nodes (ECMP, L4 hash) unchanged.
// - Health: under externalTrafficPolicy Local with a healthCheckNodePort, only nodes with a local
//   ready endpoint are in rotation, as kube-proxy's health check server would answer.
import { createHash } from "node:crypto";
import { formatIpv4 } from "../model/address.ts";
import type { Client, Cluster, LoadBalancer, Node, Service } from "../model/cluster.ts";
import { clientPort } from "./names.ts";
import { sysctls, vethBetween } from "./netns.ts";
import { ipBatch, run } from "./runner.ts";

/** A link-local address each client uses as its next hop into the router (never in a topology). */
export const CLIENT_GATEWAY = "169.254.0.1";

export function healthyNodes(cluster: Cluster, svc: Service | undefined): Node[] {
  if (svc?.externalTrafficPolicy !== "Local" || svc.healthCheckNodePort === undefined) return [...cluster.nodes];
  const eps = cluster.endpointSlices
    .filter((s) => s.namespace === svc.namespace && s.serviceName === svc.name)
    .flatMap((s) => s.endpoints);
  return cluster.nodes.filter((n) => eps.some((e) => e.nodeName === n.name && e.ready));
}

export function sourceHashPick(nodes: readonly Node[], src: number): Node {
  const h = createHash("sha256").update(formatIpv4(src)).digest().readUInt32BE(0);
  return nodes[h % nodes.length]!;
}

export function setUpEdge(cluster: Cluster, ns: string, underlayNs: string): void {
  const gw = cluster.underlay.gateway;
  sysctls(ns, {
    "net.ipv4.ip_forward": 1,
    "net.ipv4.fib_multipath_hash_policy": 1,
    "net.ipv4.conf.all.send_redirects": 0,
  });
  if (gw === undefined) return; // no router on the underlay: clients cannot reach the nodes
  vethBetween(ns, "eth0", underlayNs, "gw", cluster.underlay.mtu);
  ipBatch(underlayNs, [["link", "set", "gw", "master", "ul"]]);
  const len = cluster.underlay.cidr.length;
  ipBatch(ns, [
    ["addr", "add", `${formatIpv4(gw)}/${len}`, "dev", "eth0"],
    ...cluster.loadBalancers
      .filter((lb) => lb.address !== gw)
      .map((lb) => ["addr", "add", `${formatIpv4(lb.address)}/${len}`, "dev", "eth0"]),
  ]);
}

export function setUpClient(cluster: Cluster, client: Client, i: number, clientNs: string, edgeNs: string): void {
  vethBetween(edgeNs, clientPort(i), clientNs, "eth0", cluster.underlay.mtu);
  ipBatch(edgeNs, [
    ["addr", "add", `${CLIENT_GATEWAY}/32`, "dev", clientPort(i)],
    ["route", "replace", `${formatIpv4(client.ip)}/32`, "dev", clientPort(i)],
  ]);
  ipBatch(clientNs, [
    ["addr", "add", `${formatIpv4(client.ip)}/32`, "dev", "eth0"],
    ["route", "replace", CLIENT_GATEWAY, "dev", "eth0", "scope", "link"],
    ["route", "replace", "default", "via", CLIENT_GATEWAY, "dev", "eth0"],
  ]);
}

/** The LBs as iptables-restore text and routes for the router namespace. */
export function loadBalancerConfig(cluster: Cluster): { rules: string; ip: string[][]; notes: string[] } {
  const nat: string[] = [];
  const filter: string[] = [];
  const chains: string[] = [];
  const ip: string[][] = [];
  const notes: string[] = [];
  const sources = [
    ...cluster.clients.map((c) => c.ip),
    ...cluster.nodes.map((n) => n.ip),
    ...cluster.loadBalancers.map((l) => l.address),
  ];
  cluster.loadBalancers.forEach((lb: LoadBalancer, li) => {
    const svc = cluster.services.find((s) => s.namespace === lb.service.namespace && s.name === lb.service.name);
    const healthy = healthyNodes(cluster, svc);
    const vip = formatIpv4(lb.vip);
    const ports = svc?.ports ?? [];
    if (lb.mode === "nodeport") {
      ip.push(["addr", "add", `${vip}/32`, "dev", "lo"]);
    } else if (healthy.length > 0) {
      ip.push([
        "route",
        "replace",
        `${vip}/32`,
        ...healthy.flatMap((n) => ["nexthop", "via", formatIpv4(n.ip), "dev", "eth0"]),
      ]);
      for (const p of ports)
        filter.push(
          `-A FORWARD -d ${vip}/32 -p ${p.protocol.toLowerCase()} -m ${p.protocol.toLowerCase()} --dport ${p.port} ` +
            `-j ACCEPT`,
        );
      filter.push(
        `-A FORWARD -d ${vip}/32 -p tcp -j REJECT --reject-with tcp-reset`,
        `-A FORWARD -d ${vip}/32 -j REJECT`,
      );
    }
    ports.forEach((p, pi) => {
      const proto = p.protocol.toLowerCase();
      const match = `-d ${vip}/32 -p ${proto} -m ${proto} --dport ${p.port}`;
      if (healthy.length === 0) {
        filter.push(`-A INPUT ${match} -j DROP`, `-A FORWARD ${match} -j DROP`);
        return;
      }
      if (lb.mode !== "nodeport") return;
      if (p.nodePort === undefined) {
        notes.push(`lb/${lb.name} port ${p.port} has no nodePort: not emulated`);
        return;
      }
      const chain = `KH-LB${li + 1}-${pi + 1}`;
      chains.push(`:${chain} - [0:0]`);
      nat.push(`-A PREROUTING ${match} -j ${chain}`);
      const to = (n: Node) => `-p ${proto} -j DNAT --to-destination ${formatIpv4(n.ip)}:${p.nodePort}`;
      if (lb.algorithm === "source-hash") {
        for (const s of sources) nat.push(`-A ${chain} -s ${formatIpv4(s)}/32 ${to(sourceHashPick(healthy, s))}`);
        nat.push(`-A ${chain} ${to(healthy[0]!)}`);
        return;
      }
      healthy.forEach((n, i) => {
        const left = healthy.length - i;
        if (left === 1) nat.push(`-A ${chain} ${to(n)}`);
        else if (lb.algorithm === "round-robin")
          nat.push(`-A ${chain} -m statistic --mode nth --every ${left} --packet 0 ${to(n)}`);
        else nat.push(`-A ${chain} -m statistic --mode random --probability ${(1 / left).toFixed(11)} ${to(n)}`);
      });
    });
    if (lb.mode === "nodeport" && !lb.preserveClientIp) {
      nat.push(
        `-A POSTROUTING -m conntrack --ctstate DNAT --ctorigdst ${vip}/32 -j SNAT ` +
          `--to-source ${formatIpv4(lb.address)}`,
      );
    }
  });
  const rules = [
    "*filter",
    ":INPUT ACCEPT [0:0]",
    ":FORWARD ACCEPT [0:0]",
    ":OUTPUT ACCEPT [0:0]",
    ...filter,
    "COMMIT",
    "*nat",
    ":PREROUTING ACCEPT [0:0]",
    ":INPUT ACCEPT [0:0]",
    ":OUTPUT ACCEPT [0:0]",
    ":POSTROUTING ACCEPT [0:0]",
    ...chains,
    ...nat,
    "COMMIT",
    "",
  ].join("\n");
  return { rules, ip, notes };
}

export function installLoadBalancers(cluster: Cluster, ns: string): string[] {
  const { rules, ip, notes } = loadBalancerConfig(cluster);
  if (cluster.underlay.gateway === undefined) return notes;
  ipBatch(ns, ip);
  run("iptables-restore", ["-w", "5"], { ns, input: rules });
  return notes;
}
