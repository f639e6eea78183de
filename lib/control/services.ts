// Services as the API server completes them (ClusterIPs, NodePorts and health-check ports allocated,
// defaults filled in), EndpointSlices as given or as the controller would write them, and
// kube-proxy's settings with kube-proxy's defaults.
import {
  formatIpv4,
  type Ipv4,
  parseIpv4,
  parsePrefix,
  type Prefix,
  prefixContains,
  prefixSize,
} from "../model/address.ts";
import type {
  Endpoint,
  EndpointSlice,
  KubeProxyConfig,
  KubeProxyMode,
  Node,
  Pod,
  Service,
  ServicePort,
} from "../model/cluster.ts";
import { type Diagnostic, diagnostic } from "../model/diagnostic.ts";
import { type InputProblem, problem } from "../input/errors.ts";
import type { Read, TopologyInput } from "../input/load.ts";
import type { ServiceObject } from "../input/service-schema.ts";
import { DEFAULTS } from "./defaults.ts";
import { apiServerService, apiServerSlice, isApiServerService } from "./api-server.ts";
import { deriveEndpointSlices } from "./endpoint-slices.ts";
import { mirrorEndpoints } from "./endpoints-mirror.ts";
import { DEFAULT_NODE_PORTS, NodePorts, type PortRange, parsePortRange } from "./node-ports.ts";

/** kube-dns conventionally takes .10 (kubeadm's clusterDNS); kubehop hands out the others after it. */
const KUBE_DNS = { namespace: "kube-system", name: "kube-dns", offset: 10 };

/**
 * The Services of the input, with default/kubernetes first when the input has none. ClusterIPs not
 * given are allocated in input order from .11 up: .1 is the kubernetes Service's, .10 kube-dns'
 * (given to a kube-system/kube-dns without one, and never to another Service).
 */
export function buildServices(input: TopologyInput, serviceCidr: Prefix, problems: InputProblem[]): Service[] {
  const apiServer = input.services.some((r) => isApiServerService(namespaced(r)))
    ? []
    : [apiServerService(serviceCidr)];
  const takenIps = new Map<Ipv4, string>(apiServer.map((s) => [s.clusterIPs[0]!, "default/kubernetes"]));
  const nodePorts = new NodePorts(nodePortRange(input, problems), problems);
  for (const r of input.services) {
    const key = `${r.obj.metadata.namespace ?? DEFAULTS.namespace}/${r.obj.metadata.name}`;
    const ip = r.obj.spec.clusterIP ? parseIpv4(r.obj.spec.clusterIP) : undefined;
    if (ip !== undefined) {
      const why = clusterIpRefused(ip, serviceCidr, takenIps);
      if (why) problems.push(problem(why.code, r.src.at(["spec", "clusterIP"]), `Service ${key}: ${why.message}`));
      takenIps.set(ip, key);
    }
    claimNodePorts(r, `Service ${key}`, nodePorts, problems);
  }
  const kubeDnsIp = serviceCidr.network + KUBE_DNS.offset;
  let nextIp = kubeDnsIp + 1;
  const allocateIp = (r: Read<ServiceObject>): Ipv4 => {
    const { namespace, name } = namespaced(r);
    if (namespace === KUBE_DNS.namespace && name === KUBE_DNS.name && !takenIps.has(kubeDnsIp)) {
      takenIps.set(kubeDnsIp, `${namespace}/${name}`);
      return kubeDnsIp;
    }
    while (takenIps.has(nextIp)) nextIp++;
    if (nextIp >= serviceCidr.network + prefixSize(serviceCidr) - 1) {
      problems.push(
        problem(
          "address-exhausted",
          r.src.at(),
          `Service ${namespace}/${name}: the serviceCIDR ${serviceCidr.text} has no ClusterIP left; use a larger ` +
            "Topology spec.serviceCIDR",
        ),
      );
      return 0;
    }
    takenIps.set(nextIp, "");
    return nextIp++;
  };
  return [...apiServer, ...input.services.map((r) => toService(r, allocateIp, nodePorts, problems))];
}

/**
 * The service IP allocator's refusals: outside the range, its network or broadcast address (never
 * handed out), or another Service's.
 */
function clusterIpRefused(
  ip: Ipv4,
  cidr: Prefix,
  taken: ReadonlyMap<Ipv4, string>,
): { code: "address-outside" | "address-conflict"; message: string } | undefined {
  const last = cidr.network + prefixSize(cidr) - 1;
  const valid = `${formatIpv4(cidr.network + 1)} to ${formatIpv4(last - 1)}`;
  if (!prefixContains(cidr, ip))
    return {
      code: "address-outside",
      message: `clusterIP ${formatIpv4(ip)} is outside the serviceCIDR ${cidr.text}; use an address from ${valid}`,
    };
  if (ip === cidr.network || ip === last)
    return {
      code: "address-conflict",
      message:
        `clusterIP ${formatIpv4(ip)} is the serviceCIDR ${cidr.text}'s ${ip === last ? "broadcast" : "network"} ` +
        `address, which the API server never allocates; use an address from ${valid}`,
    };
  const holder = taken.get(ip);
  return holder === undefined
    ? undefined
    : { code: "address-conflict", message: `clusterIP ${formatIpv4(ip)} is already Service ${holder}'s` };
}

function nodePortRange(input: TopologyInput, problems: InputProblem[]): PortRange {
  const text = input.topology?.obj.spec?.serviceNodePortRange;
  if (text === undefined) return DEFAULT_NODE_PORTS;
  const range = parsePortRange(text);
  if (range) return range;
  problems.push(
    problem(
      "invalid-value",
      input.topology!.src.at(["spec", "serviceNodePortRange"]),
      `serviceNodePortRange "${text}" is not a range of ports; expected FIRST-LAST within 1-65535, FIRST <= LAST, ` +
        "like 30000-32767",
    ),
  );
  return DEFAULT_NODE_PORTS;
}

/** The nodePorts a Service gives: allowed on NodePort and LoadBalancer Services, once per protocol. */
function claimNodePorts(r: Read<ServiceObject>, owner: string, nodePorts: NodePorts, problems: InputProblem[]): void {
  const spec = r.obj.spec;
  const type = spec.type ?? "ClusterIP";
  const seen = new Set<string>();
  (spec.ports ?? []).forEach((p, i) => {
    if (p.nodePort === undefined) return;
    const at = r.src.at(["spec", "ports", i, "nodePort"]);
    if (type !== "NodePort" && type !== "LoadBalancer") {
      problems.push(
        problem(
          "node-port",
          at,
          `${owner}: nodePort may not be used when type is ${type}; drop it, or make the Service a NodePort or ` +
            "LoadBalancer",
        ),
      );
      return;
    }
    const key = `${p.protocol ?? "TCP"}/${p.nodePort}`;
    if (seen.has(key))
      problems.push(
        problem("node-port", at, `${owner}: nodePort ${p.nodePort}/${p.protocol ?? "TCP"} is given twice in its ports`),
      );
    seen.add(key);
    nodePorts.claim(p.nodePort, owner, at);
  });
  if (spec.healthCheckNodePort !== undefined)
    nodePorts.claim(spec.healthCheckNodePort, owner, r.src.at(["spec", "healthCheckNodePort"]));
}

function namespaced(r: Read<ServiceObject>): { namespace: string; name: string } {
  return { namespace: r.obj.metadata.namespace ?? DEFAULTS.namespace, name: r.obj.metadata.name };
}

function toService(
  r: Read<ServiceObject>,
  allocateIp: (r: Read<ServiceObject>) => Ipv4,
  nodePorts: NodePorts,
  problems: InputProblem[],
): Service {
  const { obj, src } = r;
  const spec = obj.spec;
  const type = spec.type ?? "ClusterIP";
  const namespace = obj.metadata.namespace ?? DEFAULTS.namespace;
  const headless = spec.clusterIP === "None";
  const external = type === "NodePort" || type === "LoadBalancer";
  const owner = `Service ${namespace}/${obj.metadata.name}`;
  const allocatePort = (path: (string | number)[]) => nodePorts.allocate(owner, src.at(path)) ?? 0;
  const clusterIPs =
    type === "ExternalName" || headless ? [] : [spec.clusterIP ? parseIpv4(spec.clusterIP)! : allocateIp(r)];
  // The API server's initNodePorts: ports of one number (53/TCP and 53/UDP) share a nodePort, the one
  // given for either, else the one allocated for the first.
  const byNumber = new Map<number, number>();
  const nodePortOf = (port: number, i: number): number => {
    const given = spec.ports?.find((q) => q.port === port && q.nodePort !== undefined)?.nodePort;
    const nodePort = given ?? byNumber.get(port) ?? allocatePort(["spec", "ports", i]);
    byNumber.set(port, nodePort);
    return nodePort;
  };
  const ports = (spec.ports ?? []).map((p, i): ServicePort => {
    if ((spec.ports?.length ?? 0) > 1 && !p.name)
      problems.push(
        problem(
          "invalid-value",
          src.at(["spec", "ports", i]),
          "a Service with several ports must name each of them (ports[].name)",
        ),
      );
    return {
      name: p.name ?? "",
      protocol: p.protocol ?? "TCP",
      port: p.port,
      targetPort: p.targetPort ?? p.port,
      ...(external ? { nodePort: p.nodePort ?? nodePortOf(p.port, i) } : {}),
    };
  });
  const eTP = external ? (spec.externalTrafficPolicy ?? "Cluster") : "Cluster";
  const sourceRanges = (spec.loadBalancerSourceRanges ?? []).flatMap((text, i) => {
    const p = parsePrefix(text.trim(), false);
    if (!p)
      problems.push(
        problem(
          "invalid-field",
          src.at(["spec", "loadBalancerSourceRanges", i]),
          `"${text}" is not a CIDR; expected address/length like 203.0.113.0/24`,
        ),
      );
    return p ? [p] : [];
  });
  return {
    namespace,
    name: obj.metadata.name,
    type,
    clusterIPs,
    headless,
    ports,
    ...(spec.selector && Object.keys(spec.selector).length > 0 ? { selector: spec.selector } : {}),
    externalIPs: (spec.externalIPs ?? []).map((x) => parseIpv4(x)!),
    loadBalancerIngress:
      type === "LoadBalancer"
        ? (obj.status?.loadBalancer?.ingress ?? []).flatMap((i) => (i.ip ? [parseIpv4(i.ip)!] : []))
        : [],
    loadBalancerSourceRanges: sourceRanges,
    externalTrafficPolicy: eTP,
    internalTrafficPolicy: spec.internalTrafficPolicy ?? "Cluster",
    sessionAffinity: spec.sessionAffinity ?? "None",
    sessionAffinityTimeoutSeconds: spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10800,
    ...(type === "LoadBalancer" && eTP === "Local"
      ? { healthCheckNodePort: spec.healthCheckNodePort ?? allocatePort(["spec", "externalTrafficPolicy"]) }
      : {}),
    annotations: obj.metadata.annotations ?? {},
    ...(obj.metadata.labels?.["service.kubernetes.io/service-proxy-name"]
      ? { proxyName: obj.metadata.labels["service.kubernetes.io/service-proxy-name"] }
      : {}),
    origin: src.at(),
  };
}

/** Given slices are used as given; Services with a selector and no given slice get derived ones. */
export function buildEndpointSlices(
  input: TopologyInput,
  services: readonly Service[],
  pods: readonly Pod[],
  nodes: readonly Node[],
  problems: InputProblem[],
): EndpointSlice[] {
  const given = input.endpointSlices.flatMap(({ obj, src }): EndpointSlice[] => {
    const serviceName = obj.metadata.labels?.["kubernetes.io/service-name"];
    if (!serviceName) {
      problems.push(
        problem(
          "invalid-value",
          src.at(["metadata"]),
          'EndpointSlice has no "kubernetes.io/service-name" label; kube-proxy would ignore it. Add the label ' +
            "naming its Service",
        ),
      );
      return [];
    }
    if (obj.addressType !== "IPv4") return [];
    const endpoints = (obj.endpoints ?? []).flatMap((e, i): Endpoint[] => {
      const ip = parseIpv4(e.addresses[0]!);
      if (ip === undefined) {
        problems.push(
          problem(
            "invalid-field",
            src.at(["endpoints", i, "addresses", 0]),
            `"${e.addresses[0]}" is not an IPv4 address`,
          ),
        );
        return [];
      }
      const c = e.conditions ?? {};
      const ready = c.ready ?? true;
      return [
        {
          ip,
          ready,
          serving: c.serving ?? ready,
          terminating: c.terminating ?? false,
          ...(e.nodeName ? { nodeName: e.nodeName } : {}),
          ...(e.targetRef?.kind === "Pod" && e.targetRef.name
            ? {
                pod: {
                  namespace: e.targetRef.namespace ?? obj.metadata.namespace ?? DEFAULTS.namespace,
                  name: e.targetRef.name,
                },
              }
            : {}),
        },
      ];
    });
    return [
      {
        namespace: obj.metadata.namespace ?? DEFAULTS.namespace,
        name: obj.metadata.name,
        serviceName,
        ports: (obj.ports ?? []).map((p) => ({ name: p.name ?? "", port: p.port ?? 0, protocol: p.protocol ?? "TCP" })),
        endpoints,
        derived: false,
      },
    ];
  });
  const covered = new Set(given.map((s) => `${s.namespace}/${s.serviceName}`));
  const uncovered = services.filter((s) => !covered.has(`${s.namespace}/${s.name}`));
  const mirrored = mirrorEndpoints(input.endpoints, uncovered, problems);
  for (const m of mirrored) covered.add(`${m.namespace}/${m.serviceName}`);
  const apiServer = uncovered.some((s) => isApiServerService(s) && !covered.has(`${s.namespace}/${s.name}`))
    ? [apiServerSlice(nodes)]
    : [];
  return [...given, ...mirrored, ...apiServer, ...deriveEndpointSlices(uncovered, pods)];
}

/** Without a KubeProxyConfiguration: kube-proxy's defaults, with clusterCIDR set as kubeadm sets it. */
export function buildKubeProxyConfig(
  input: TopologyInput,
  clusterCidr: Prefix,
  warnings: Diagnostic[],
  problems: InputProblem[],
): KubeProxyConfig {
  const c = input.kubeProxyConfig?.obj;
  if (!c)
    return {
      mode: "iptables",
      clusterCidr,
      detectLocalMode: "ClusterCIDR",
      masqueradeAll: false,
      masqueradeBit: 14,
      nodePortAddresses: [],
      localhostNodePorts: true,
    };
  const at = input.kubeProxyConfig!.src.at;
  const mode = proxyMode(c.mode);
  if (c.mode && c.mode !== "iptables") {
    const message = MODE_WARNINGS.get(c.mode) ?? `kube-proxy mode "${c.mode}": ${OTHER_MODE}`;
    warnings.push(diagnostic("kube-proxy-mode", at(["mode"]), message));
  }
  // kube-proxy takes the first CIDR of a comma-separated (dual-stack) list for IPv4.
  const cidrText = c.clusterCIDR
    ?.split(",")
    .map((x) => x.trim())
    .find((x) => x.includes("."));
  const configured = cidrText ? parsePrefix(cidrText, false) : undefined;
  if (cidrText && !configured)
    problems.push(problem("invalid-field", at(["clusterCIDR"]), `clusterCIDR "${c.clusterCIDR}" is not a CIDR`));
  return {
    mode,
    ...(configured ? { clusterCidr: configured } : {}),
    detectLocalMode: c.detectLocalMode || "ClusterCIDR",
    masqueradeAll: c.masqueradeAll ?? c.iptables?.masqueradeAll ?? false,
    masqueradeBit: c.iptables?.masqueradeBit ?? 14,
    nodePortAddresses: c.nodePortAddresses ?? [],
    localhostNodePorts: c.iptables?.localhostNodePorts ?? true,
  };
}

const OTHER_MODE = "kubehop simulates iptables mode; the rules on the nodes differ";

// nftables mode's rules are generated and traced (lib/dataplane/nft-ruleset.ts): the warning says which.
const MODE_WARNINGS: ReadonlyMap<string, string> = new Map([
  [
    "nftables",
    'kube-proxy mode "nftables": traces walk the nft table kube-proxy writes (`kubehop ruleset` prints it) ' +
      "with the overlay agent's iptables-nft nat rules; a node's dumped rules replace both",
  ],
  [
    "ipvs",
    'kube-proxy mode "ipvs": kubehop models IPVS only from a node dump (nodes/NAME/ipvsadm.txt and ' +
      "iptables-save.txt, see the README's node dumps); a node without one is traced through iptables mode's rules, " +
      "which it does not have",
  ],
]);

/** "" is the platform default, iptables on Linux; modes kubehop has no rules for read as iptables. */
function proxyMode(mode: string | undefined): KubeProxyMode {
  return mode === "nftables" || mode === "ipvs" ? mode : "iptables";
}
