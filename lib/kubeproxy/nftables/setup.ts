// The objects every node's kube-proxy table holds whatever its Services (proxier.go setupNFTables):
// the base chains on the netfilter hooks, the top-level chains they jump to, the dispatch and
// no-endpoint verdict maps, the cluster-ips and nodeport-ips sets, masquerading.
import type { TableBuilder } from "./builder.ts";
import type { NftNodeView } from "./node-view.ts";
import type { NftBaseChain } from "./table.ts";

export const MARK_MASQ = "mark-for-masquerade";
export const REJECT_CHAIN = "reject-chain";
export const CLUSTER_IPS = "cluster-ips";
export const SERVICE_IPS = "service-ips";
export const SERVICE_NODEPORTS = "service-nodeports";
export const FIREWALL_IPS = "firewall-ips";
export const NO_ENDPOINT_SERVICES = "no-endpoint-services";
export const NO_ENDPOINT_NODEPORTS = "no-endpoint-nodeports";
const NODEPORT_IPS = "nodeport-ips";

const DSTNAT = -100;
const FILTER = 0;
const SRCNAT = 100;

// Filtering on the Service's own address must run before DNAT rewrites it (priority dstnat-10);
// the endpoint checks run at filter priority, after it.
const BASE_CHAINS: readonly (readonly [string, NftBaseChain])[] = [
  ["filter-prerouting-pre-dnat", { type: "filter", hook: "prerouting", priority: DSTNAT - 10 }],
  ["filter-output-pre-dnat", { type: "filter", hook: "output", priority: DSTNAT - 10 }],
  ["filter-input", { type: "filter", hook: "input", priority: FILTER }],
  ["filter-forward", { type: "filter", hook: "forward", priority: FILTER }],
  ["filter-output", { type: "filter", hook: "output", priority: FILTER }],
  ["nat-prerouting", { type: "nat", hook: "prerouting", priority: DSTNAT }],
  ["nat-output", { type: "nat", hook: "output", priority: DSTNAT }],
  ["nat-postrouting", { type: "nat", hook: "postrouting", priority: SRCNAT }],
];

/** nftablesJumpChains: [target, from, condition]. */
const JUMPS: readonly (readonly [string, string, string])[] = [
  ["nodeport-endpoints-check", "filter-input", "ct state new "],
  ["service-endpoints-check", "filter-input", "ct state new "],
  ["service-endpoints-check", "filter-forward", "ct state new "],
  ["service-endpoints-check", "filter-output", "ct state new "],
  ["firewall-check", "filter-prerouting-pre-dnat", "ct state new "],
  ["firewall-check", "filter-output-pre-dnat", "ct state new "],
  ["services", "nat-output", ""],
  ["services", "nat-prerouting", ""],
  ["masquerading", "nat-postrouting", ""],
  ["cluster-ips-check", "filter-forward", "ct state new "],
  ["cluster-ips-check", "filter-output", "ct state new "],
];

const DISPATCH_TYPE = "ipv4_addr . inet_proto . inet_service : verdict";
const PORT_TYPE = "inet_proto . inet_service : verdict";
const NO_LOCALHOST = "ip daddr != 127.0.0.0/8";

export function setupTable(t: TableBuilder, view: NftNodeView): void {
  for (const [name, base] of BASE_CHAINS) t.chain(name, { base });
  for (const [target, from, condition] of JUMPS) {
    t.chain(target);
    t.rule(from, `${condition}jump ${target}`);
  }
  for (const name of ["services", "cluster-ips-check", "masquerading", MARK_MASQ]) t.chain(name);

  t.rule(MARK_MASQ, [{ kind: "mark", op: "or", mark: view.mark }]);
  t.rule("masquerading", [{ kind: "mark", op: "unset", mark: view.mark }, "return"]);
  t.rule("masquerading", [{ kind: "mark", op: "xor", mark: view.mark }]);
  t.rule("masquerading", "masquerade fully-random");

  t.set(CLUSTER_IPS, { kind: "set", type: "ipv4_addr", comment: "Active ClusterIPs" });
  t.rule("cluster-ips-check", `ip daddr @${CLUSTER_IPS} reject`, "Reject traffic to invalid ports of ClusterIPs");
  if (view.serviceCidrs.length > 0) {
    const items = view.serviceCidrs.map((p) => p.text);
    t.rule(
      "cluster-ips-check",
      ["ip daddr", { kind: "addresses", items }, "drop"],
      "Drop traffic to unallocated ClusterIPs",
    );
  }

  // Without --nodeport-addresses the set is deleted, and NodePorts are matched by fib instead.
  if (view.nodePortIPs) {
    t.set(NODEPORT_IPS, { kind: "set", type: "ipv4_addr", comment: "IPs that accept NodePort traffic" });
    for (const ip of view.nodePortIPs) t.element(NODEPORT_IPS, { key: [ip] });
  }
  const nodePortMatch = view.nodePortIPs ? `ip daddr @${NODEPORT_IPS}` : NO_LOCALHOST;

  t.set(NO_ENDPOINT_SERVICES, {
    kind: "map",
    type: DISPATCH_TYPE,
    comment: "vmap to drop or reject packets to services with no endpoints",
  });
  t.set(NO_ENDPOINT_NODEPORTS, {
    kind: "map",
    type: PORT_TYPE,
    comment: "vmap to drop or reject packets to service nodeports with no endpoints",
  });
  t.chain(REJECT_CHAIN, { comment: "helper for @no-endpoint-services / @no-endpoint-nodeports" });
  t.rule(REJECT_CHAIN, "reject");
  t.rule("service-endpoints-check", `ip daddr . meta l4proto . th dport vmap @${NO_ENDPOINT_SERVICES}`);
  t.rule("nodeport-endpoints-check", `${nodePortMatch} meta l4proto . th dport vmap @${NO_ENDPOINT_NODEPORTS}`);

  t.set(FIREWALL_IPS, {
    kind: "map",
    type: DISPATCH_TYPE,
    comment: "destinations that are subject to LoadBalancerSourceRanges",
  });
  t.rule("firewall-check", `ip daddr . meta l4proto . th dport vmap @${FIREWALL_IPS}`);

  t.set(SERVICE_IPS, {
    kind: "map",
    type: DISPATCH_TYPE,
    comment: "ClusterIP, ExternalIP and LoadBalancer IP traffic",
  });
  t.set(SERVICE_NODEPORTS, { kind: "map", type: PORT_TYPE, comment: "NodePort traffic" });
  t.rule("services", `ip daddr . meta l4proto . th dport vmap @${SERVICE_IPS}`);
  const localNodePorts = view.nodePortIPs ? nodePortMatch : `fib daddr type local ${NO_LOCALHOST}`;
  t.rule("services", `${localNodePorts} meta l4proto . th dport vmap @${SERVICE_NODEPORTS}`);
}
