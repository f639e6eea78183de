// Control plane entry: validated input -> the cluster model, as Kubernetes and the CNI would compute it.
import { formatIpv4, parseIpv4, prefixContains, prefixesOverlap } from "../model/address.ts";
import type { Client, Cluster, Pod } from "../model/cluster.ts";
import { type Diagnostic, diagnostic } from "../model/diagnostic.ts";
import { InputError, type InputProblem, problem } from "../input/errors.ts";
import type { TopologyInput } from "../input/load.ts";
import { DEFAULTS } from "./defaults.ts";
import { buildDns, buildLoadBalancers, defaultVip, gatewayDns, ingressDns, pendingLoadBalancers } from "./edge.ts";
import { withGatewayProxies } from "./gateway-defaults.ts";
import { checkReferences } from "./references.ts";
import { toIngress, toIngressClass } from "../ingress/from-objects.ts";
import { annotationDiagnostics } from "../ingress/annotation-diagnostics.ts";
import { ingressRegexDiagnostics } from "../ingress/user-regex.ts";
import { withDefaultController } from "./ingress-defaults.ts";
import { controllerConfig, ingressState } from "./ingress-controllers.ts";
import { gatewayState } from "../gateway/world.ts";
import { gatewayDiagnostics } from "../gateway/diagnostics.ts";
import { loadNodeDumps } from "../nodedump/load.ts";
import { checkHostAddresses } from "./hosts.ts";
import { checkLimits } from "./limits.ts";
import { buildNodes } from "./nodes.ts";
import { checkOverlay } from "./overlay.ts";
import { buildPods } from "./pods.ts";
import { clusterRanges } from "./ranges.ts";
import { buildEndpointSlices, buildKubeProxyConfig, buildServices } from "./services.ts";

export function buildCluster(given: TopologyInput): Cluster {
  const tooLarge: InputProblem[] = [];
  checkLimits(given, tooLarge);
  if (tooLarge.length > 0) throw new InputError(tooLarge);
  const ingresses = given.ingresses.map((r) => toIngress(r.obj, r.src.at()));
  const controller = controllerConfig(given);
  const ingress = ingressState(
    ingresses,
    given.ingressClasses.map((r) => toIngressClass(r.obj, r.src.at())),
    controller.controllers,
  );
  const { clusterCidr, serviceCidr, underlayCidr, gateway, maskSize, notes } = clusterRanges(given);
  const vip = defaultVip([clusterCidr, serviceCidr, underlayCidr]);
  // Before any Service exists: a Gateway's acceptance does not depend on its backends.
  const proxied = withGatewayProxies(
    withDefaultController(given, ingress.served.length > 0, vip),
    gatewayState(given.gatewayApi, []),
    { ranges: [clusterCidr, serviceCidr, underlayCidr], start: vip },
  );
  const input = proxied.input;
  const problems: InputProblem[] = [];
  const warnings: Diagnostic[] = [...input.ignored, ...proxied.notes, ...controller.notes];
  const spec = input.topology?.obj.spec ?? {};
  const at = (...path: string[]) =>
    input.topology?.src.at(["spec", ...path]) ?? { file: "<defaults>", line: 1, col: 1 };

  warnings.push(...notes);
  if (maskSize < clusterCidr.length) {
    problems.push(
      problem(
        "invalid-value",
        at("nodeCIDRMaskSize"),
        `nodeCIDRMaskSize /${maskSize} is larger than the cluster CIDR ${clusterCidr.text}; use a mask of ` +
          `/${clusterCidr.length} or longer`,
      ),
    );
  }
  if (prefixesOverlap(clusterCidr, serviceCidr)) {
    problems.push(
      problem(
        "address-conflict",
        at("serviceCIDR"),
        `serviceCIDR ${serviceCidr.text} overlaps clusterCIDR ${clusterCidr.text}; they must be disjoint`,
      ),
    );
  }
  if (prefixesOverlap(clusterCidr, underlayCidr)) {
    problems.push(
      problem(
        "address-conflict",
        at("underlay", "cidr"),
        `underlay ${underlayCidr.text} overlaps clusterCIDR ${clusterCidr.text}; node and pod addresses must be ` +
          `disjoint`,
      ),
    );
  }
  if (gateway !== undefined && !prefixContains(underlayCidr, gateway)) {
    problems.push(
      problem(
        "address-outside",
        at("underlay", "gateway"),
        `gateway ${formatIpv4(gateway)} is outside the underlay ${underlayCidr.text}`,
      ),
    );
  }
  if (problems.length > 0) throw new InputError(problems);

  const nodes = buildNodes(input, { clusterCidr, underlayCidr, maskSize }, problems);
  if (problems.length > 0) throw new InputError(problems);
  const clients = buildClients(input, problems);
  const pods = buildPods(input, nodes, clusterCidr, problems, warnings);
  const overlay = {
    interface: "wg0" as const,
    listenPort: spec.overlay?.listenPort ?? DEFAULTS.wgListenPort,
    mtu: spec.overlay?.mtu ?? DEFAULTS.wgMtu,
    style: spec.overlay?.style ?? DEFAULTS.overlayStyle,
  };
  checkOverlay(input, nodes, problems);
  const allocated = buildServices(input, serviceCidr, problems);
  const endpointSlices = buildEndpointSlices(input, allocated, pods, nodes, problems);
  const { services, warnings: broken } = checkReferences(input, allocated, endpointSlices, pods);
  warnings.push(...broken);
  for (const s of services) {
    if (s.proxyName === undefined) continue;
    warnings.push(
      diagnostic(
        "service-proxy-name",
        s.origin ?? { object: { kind: "Service", namespace: s.namespace, name: s.name } },
        `Service ${s.namespace}/${s.name} is handled by proxy "${s.proxyName}" (label ` +
          `service.kubernetes.io/service-proxy-name), not kube-proxy: kubehop writes no rules for it, so traces ` +
          `to it do not take that proxy into account`,
      ),
    );
  }
  const kubeProxy = buildKubeProxyConfig(input, clusterCidr, warnings, problems);
  const underlay = {
    cidr: underlayCidr,
    ...(gateway !== undefined ? { gateway } : {}),
    mtu: spec.underlay?.mtu ?? DEFAULTS.underlayMtu,
  };
  const loadBalancers = buildLoadBalancers(input, services, underlay, nodes, problems);
  checkHostAddresses(input, nodes, { clusterCidr, serviceCidr, underlayCidr, ...underlay }, problems);
  warnings.push(...pendingLoadBalancers(input, services, loadBalancers, endpointSlices, nodes));
  const zone = buildDns(input);
  for (const i of ingress.ignored) {
    const { namespace, name } = i.ingress;
    warnings.push(
      diagnostic("ingress-not-served", i.ingress.origin ?? { object: { kind: "Ingress", namespace, name } }, i.reason),
    );
  }
  const served = new Set(ingress.served.map((s) => s.ingress));
  given.ingresses.forEach((r, i) => {
    const ing = ingresses[i]!;
    if (!served.has(ing)) return;
    const annotationAt = (key: string) => r.src.at(["metadata", "annotations"], key);
    warnings.push(...annotationDiagnostics(ing.annotations, annotationAt));
    const pathAt = (ri: number, pi: number) => r.src.at(["spec", "rules", ri, "http", "paths", pi, "path"]);
    warnings.push(...ingressRegexDiagnostics(ing, pathAt, annotationAt));
  });
  if (problems.length > 0) throw new InputError(problems);
  const gateways = gatewayState(input.gatewayApi, services);
  warnings.push(...gatewayDiagnostics(gateways));
  const known = [...zone, ...ingressDns(ingress, services, loadBalancers, zone)];
  const gatewayNames = gatewayDns(gateways, services, loadBalancers, known);
  warnings.push(...gatewayNames.notes);
  const portless = pods.filter((p) => p.ports.length === 0 && !p.hostNetwork);
  if (portless.length > 0) {
    const [first] = portless as [Pod];
    const others =
      portless.length === 1
        ? " declares"
        : ` and ${portless.length - 1} other pod${portless.length > 2 ? "s" : ""} declare`;
    warnings.push(
      diagnostic(
        "any-port",
        first.origin ?? { object: { kind: "Pod", namespace: first.namespace, name: first.name } },
        `pod ${first.namespace}/${first.name}${others} no containerPorts: each is assumed to listen on any port it ` +
          `is asked for`,
        "list the ports in the containers' ports[] to have connections to other ports refused",
      ),
    );
  }
  return {
    clusterCidr,
    serviceCidr,
    nodes,
    pods,
    clients,
    underlay,
    overlay,
    services,
    endpointSlices,
    kubeProxy,
    loadBalancers,
    dns: [...known, ...gatewayNames.records],
    ingress,
    gateways,
    nodeDumps: loadNodeDumps(input, nodes, warnings),
    diagnostics: warnings,
  };
}

function buildClients(input: TopologyInput, problems: InputProblem[]): Client[] {
  const given = input.topology?.obj.spec?.clients;
  if (!given) return [{ name: DEFAULTS.client.name, ip: parseIpv4(DEFAULTS.client.ip)! }];
  const seen = new Set<string>();
  return given.map((c, i) => {
    if (seen.has(c.name))
      problems.push(
        problem(
          "duplicate",
          input.topology!.src.at(["spec", "clients", i, "name"]),
          `duplicate client "${c.name}"; client names must be unique`,
        ),
      );
    seen.add(c.name);
    return { name: c.name, ip: parseIpv4(c.ip)! };
  });
}
