// The layers of lib/, lowest first: the one place their order is written. A module may import
// from its own layer and from the layers below it, never from a layer above, and nothing may import
// in a circle, neither between files nor between folders. spec/layers.spec.ts runs these rules in
// `npm test` (and checks that the README's architecture section lists the same layers);
// `npx depcruise lib` runs them by hand.
/** @type {{ name: string, paths: string[], owns: string }[]} */
const LAYERS = [
  {
    name: "model",
    paths: ["lib/model/"],
    owns: "the cluster as plain data (nodes, pods, Services, EndpointSlices, Ingresses, the LB, DNS, a node's dumps) and the types every layer shares: addresses, Packet, the steps a device records, the dispositions a branch ends in, and a parsed iptables ruleset; no behaviour",
  },
  {
    name: "netfilter",
    paths: ["lib/netfilter/"],
    owns: "iptables rules as data: parse and print iptables-save, evaluate a packet through tables and chains (conntrack, NAT, marks); it knows packets and rules only, so the layers that write rules (kube-proxy, the CNI) and read them (node dumps) sit above it",
  },
  {
    name: "input",
    paths: ["lib/input/", "lib/nodedump/", "lib/generate/"],
    owns: "read YAML, JSON and node dumps and validate them with positions; the commands that collect node dumps; generated topologies",
  },
  {
    name: "control plane",
    paths: ["lib/control/", "lib/kubeproxy/", "lib/cni/", "lib/ingress/", "lib/gateway/", "lib/snapshot/"],
    owns: "what Kubernetes computes from the objects, once: scheduling, IPAM, EndpointSlices, kube-proxy's and the CNI's rules, each node's routes and WireGuard peers, the ingress controller's classes and routing; the snapshot cache of a loaded cluster",
  },
  {
    name: "data plane",
    paths: ["lib/dataplane/"],
    owns: "one step function per device (pod, veth, bridge, the node's stack, wg0, the underlay, the LB, the ingress proxy), reading what the control plane derived",
  },
  {
    name: "trace",
    paths: ["lib/trace/"],
    owns: "walk the devices from a start, branch on every choice with its probability, record hops and steps, trace the reply",
  },
  {
    name: "output",
    paths: ["lib/output/", "lib/diagram/"],
    owns: "text, JSON, tables, Mermaid, SVG and the HTML report, from traces and the model",
  },
  {
    name: "topology",
    paths: ["lib/topology.ts"],
    owns: "the Topology, the library's front door: load once, build the data plane on first use, trace requests",
  },
  {
    name: "questions",
    paths: ["lib/assert/", "lib/diff/", "lib/migrate/", "lib/drift/", "lib/verify/", "lib/emulate/"],
    owns: "questions asked of a Topology and its traces: assertions and `kubehop check`, diff, migrate, drift, verify, emulate",
  },
  {
    name: "library entry",
    paths: ["lib/index.ts", "lib/chai.ts"],
    owns: "the package's public exports",
  },
  {
    name: "cli",
    paths: ["lib/cli/"],
    owns: "the commands, wiring the layers below thinly",
  },
];

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** A path that ends in / is a folder (everything under it); any other is one file. */
const pathPattern = (p) => `^${escape(p)}${p.endsWith("/") ? "" : "$"}`;
const layerPattern = (layer) => layer.paths.map(pathPattern).join("|");

const layerRules = LAYERS.slice(0, -1).map((layer, i) => {
  const above = LAYERS.slice(i + 1);
  return {
    name: `layer: ${layer.name}`,
    severity: "error",
    comment: `${layer.name} (${layer.paths.join(", ")}) sits below ${above.map((l) => l.name).join(", ")}: it may not import them`,
    from: { path: layerPattern(layer) },
    to: { path: above.map(layerPattern).join("|") },
  };
});

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: "no cycle between files",
      severity: "error",
      comment: "a file of lib/ imports itself through others",
      from: { path: "^lib/" },
      to: { circular: true },
    },
    {
      name: "no cycle between folders",
      severity: "error",
      comment: "a folder of lib/ imports itself through other folders",
      scope: "folder",
      from: { path: "^lib/" },
      to: { circular: true },
    },
  ],
  options: {
    // TypeScript 7 has no JavaScript API for dependency-cruiser to parse with; swc reads the sources.
    parser: "swc",
    // Type-only imports are dependencies too: a layer may not name a type from a layer above it.
    tsPreCompilationDeps: true,
    includeOnly: "^lib/",
    doNotFollow: { path: "node_modules" },
  },
};
// For spec/layers.spec.ts; not enumerable, so dependency-cruiser's own check of this file ignores them.
Object.defineProperty(module.exports, "LAYERS", { value: LAYERS });
Object.defineProperty(module.exports, "layerPattern", { value: layerPattern });
