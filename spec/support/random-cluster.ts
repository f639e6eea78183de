// Random small clusters from a seed, written as YAML a user could write (nodes, pods with named and
// numbered ports, Services of every type and traffic policy, source ranges, a KubeProxyConfiguration
// now and then), and the packets to send at each node's kube-proxy rules: every Service port from
// the node's pods, from the node, and from outside through NodePorts and load balancers.
import { type Ipv4, parseIpv4 } from "../../lib/model/address.ts";
import type { Cluster, Node, Pod, Service, ServicePort } from "../../lib/model/cluster.ts";
import type { Packet } from "../../lib/model/packet.ts";
import { Random } from "./random.ts";

const APPS = ["a", "b", "c", "d"];
export const OUTSIDE = "100.64.7.9"; // never inside any loadBalancerSourceRanges written below
const RANGES = ["203.0.113.0/24", "198.51.100.0/25", "192.0.2.128/26"];
const IN_RANGE: Record<string, string> = {
  "203.0.113.0/24": "203.0.113.77",
  "198.51.100.0/25": "198.51.100.20",
  "192.0.2.128/26": "192.0.2.130",
};

export function randomClusterYaml(seed: number): string {
  const r = new Random(seed);
  const nodes = r.int(2, 4);
  const docs: string[] = [];
  // kube-proxy's own defaults, or a KubeProxyConfiguration that may leave clusterCIDR out (then
  // detect-local has no CIDR: no pod short-circuit, no "! -s clusterCIDR" masquerade).
  const config = r.chance(0.3) ? { masqueradeAll: r.chance(0.5), clusterCIDR: r.chance(0.5) } : undefined;
  docs.push(`apiVersion: kubehop.io/v1alpha1
kind: Topology
metadata: {name: roundtrip-${seed}}
spec:
  nodes:
${Array.from({ length: nodes }, (_, i) => `    - {name: node-${i + 1}, ip: 192.168.10.${11 + i}}`).join("\n")}
`);
  if (config) {
    docs.push(
      `apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmasqueradeAll: ${config.masqueradeAll}\n${config.clusterCIDR ? "clusterCIDR: 10.244.0.0/16\n" : ""}`,
    );
  }
  const podCount = r.int(1, 9);
  for (let i = 0; i < podCount; i++) {
    const app = r.pick(APPS);
    const tier = r.pick(["x", "y"]);
    const ports: string[] = [];
    // Named ports are declared on some pods only, so a named targetPort resolves on some of them.
    if (r.chance(0.7)) ports.push(`{name: http, containerPort: ${r.pick([8080, 8081])}}`);
    if (r.chance(0.5)) ports.push(`{name: dns, containerPort: 5353, protocol: UDP}`);
    if (r.chance(0.3)) ports.push(`{containerPort: 9000}`);
    if (ports.length === 0) ports.push(`{containerPort: 8080}`);
    const terminating = r.chance(0.15) ? `, deletionTimestamp: "2026-01-01T00:00:00Z"` : "";
    const notReady = r.chance(0.15) ? `\nstatus: {phase: Running, conditions: [{type: Ready, status: "False"}]}` : "";
    docs.push(`apiVersion: v1
kind: Pod
metadata: {name: p${i}, namespace: default, labels: {app: ${app}, tier: ${tier}}${terminating}}
spec:
  nodeName: node-${r.int(1, nodes)}
  containers: [{name: c, ports: [${ports.join(", ")}]}]${notReady}
`);
  }
  const serviceCount = r.int(1, 6);
  let lb = 10;
  for (let i = 0; i < serviceCount; i++) {
    const type = r.pick(["ClusterIP", "NodePort", "LoadBalancer"] as const);
    const selector = r.chance(0.15)
      ? `{app: nobody}`
      : r.chance(0.3)
        ? `{app: ${r.pick(APPS)}, tier: ${r.pick(["x", "y"])}}`
        : `{app: ${r.pick(APPS)}}`;
    const ports: string[] = [];
    const portCount = r.int(1, 2);
    const candidates = [
      `{name: web, port: 80, targetPort: http}`,
      `{name: web, port: 80, targetPort: 8080}`,
      `{name: alt, port: 8443, targetPort: 9000}`,
      `{name: dns, port: 53, protocol: UDP, targetPort: dns}`,
      `{name: raw, port: 9000}`,
    ];
    const names = new Set<string>();
    while (ports.length < portCount) {
      const c = r.pick(candidates);
      const name = /name: (\w+)/.exec(c)![1]!;
      if (names.has(name)) continue;
      names.add(name);
      ports.push(c);
    }
    const spec = [`  type: ${type}`, `  selector: ${selector}`, `  ports: [${ports.join(", ")}]`];
    if (type !== "ClusterIP" && r.chance(0.5)) spec.push(`  externalTrafficPolicy: Local`);
    if (r.chance(0.25)) spec.push(`  internalTrafficPolicy: Local`);
    if (r.chance(0.15)) spec.push(`  sessionAffinity: ClientIP`);
    let status = "";
    if (type === "LoadBalancer") {
      if (r.chance(0.5))
        spec.push(`  loadBalancerSourceRanges: [${r.pick(RANGES)}${r.chance(0.3) ? `, ${r.pick(RANGES)}` : ""}]`);
      status = `status:\n  loadBalancer: {ingress: [{ip: 203.0.113.${lb++}}]}\n`;
    }
    docs.push(`apiVersion: v1
kind: Service
metadata: {name: s${i}, namespace: default}
spec:
${spec.join("\n")}
${status}`);
  }
  return docs.join("---\n");
}

// ---------------------------------------------------------------------------------------------
// Packets to send at a node's rules

export type Source = { kind: "pod"; ip: Ipv4 } | { kind: "node"; ip: Ipv4 } | { kind: "outside"; ip: Ipv4 };
export type Target = "clusterIP" | "nodePort" | "loadBalancer";

export interface Case {
  svc: Service;
  sp: ServicePort;
  node: Node;
  target: Target;
  source: Source;
  packet: Packet;
  hook: "prerouting" | "output";
  inIface: string;
}

const ip = (s: string) => parseIpv4(s)!;

function packet(proto: "tcp" | "udp", src: Ipv4, dst: Ipv4, dport: number): Packet {
  return { proto, src, sport: 40000, dst, dport, size: 100, ttl: 64, df: true, mark: 0 };
}

export function localIps(node: Node): Ipv4[] {
  const ips = [node.ip, node.bridgeIp];
  if (node.wireguard.address !== undefined) ips.push(node.wireguard.address);
  return [...new Set(ips)];
}

export function casesFor(cluster: Cluster, node: Node): Case[] {
  const out: Case[] = [];
  const podsHere = cluster.pods.filter((p: Pod) => p.node === node.name).slice(0, 2);
  for (const svc of cluster.services) {
    if (svc.clusterIPs.length === 0) continue;
    for (const sp of svc.ports) {
      const proto = sp.protocol === "UDP" ? "udp" : "tcp";
      const add = (target: Target, source: Source, dst: Ipv4, dport: number) => {
        const hook = source.kind === "node" ? "output" : "prerouting";
        const inIface = source.kind === "pod" ? "bridge0" : "eth0";
        out.push({ svc, sp, node, target, source, packet: packet(proto, source.ip, dst, dport), hook, inIface });
      };
      const sources: Source[] = [
        ...podsHere.map((p): Source => ({ kind: "pod", ip: p.ip })),
        { kind: "node", ip: node.ip },
      ];
      for (const s of sources) add("clusterIP", s, svc.clusterIPs[0]!, sp.port);
      if (sp.nodePort !== undefined) {
        add("nodePort", { kind: "outside", ip: ip(OUTSIDE) }, node.ip, sp.nodePort);
        for (const s of sources) add("nodePort", s, node.ip, sp.nodePort);
      }
      for (const lbIp of svc.loadBalancerIngress) {
        add("loadBalancer", { kind: "outside", ip: ip(OUTSIDE) }, lbIp, sp.port);
        for (const range of svc.loadBalancerSourceRanges)
          add("loadBalancer", { kind: "outside", ip: ip(IN_RANGE[range.text]!) }, lbIp, sp.port);
        for (const p of podsHere) add("loadBalancer", { kind: "pod", ip: p.ip }, lbIp, sp.port);
      }
    }
  }
  return out;
}
