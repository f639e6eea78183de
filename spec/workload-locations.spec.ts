// kubectl's habits in locations: -n sets the namespace of pod/NAME, svc/NAME and workload names;
// deploy/, sts/ and ds/ stand for the workload's pods, each pod its own share of the branches.
import { expect } from "chai";
import { loadTopologySync, type Topology } from "../lib/topology.ts";
import { RequestError } from "../lib/trace/request.ts";
import type { Trace } from "../lib/trace/types.ts";
import { topologyText } from "./support/topology-text.ts";

let topo: Topology;
/** Loaded once, by the first suite that runs (each top-level suite's before hook asks for it). */
function loadTopology(): void {
  topo ??= loadTopologySync("topologies/default.yaml");
}
const sum = (t: Trace) => t.branches.reduce((a, b) => a + b.probability, 0);
const podsOf = (ns: string, kind: string, name: string) =>
  topo.cluster.pods
    .filter((p) => p.namespace === ns && p.owner?.kind === kind && p.owner.name === name)
    .map((p) => `${p.namespace}/${p.name}`)
    .sort();
/** The probability each pod named in the branches' first choice gets, in branch order. */
const shares = (t: Trace) => {
  const out = new Map<string, number>();
  for (const b of t.branches) {
    const pod = /pod (\S+) \(\d+ of \d+\)/.exec(b.choices[0] ?? "")?.[1] ?? "(none)";
    out.set(pod, (out.get(pod) ?? 0) + b.probability);
  }
  return out;
};

describe("-n: the namespace of names written without one", () => {
  before(loadTopology);

  it("pod/NAME and svc/NAME are looked up in -n's namespace, the same trace as writing it", () => {
    const short = topo.trace({ namespace: "shop", from: "pod/db-0", to: "svc/api:80" });
    const long = topo.trace({ from: "pod/shop/db-0", to: "svc/shop/api:80" });
    expect(short.branches).to.deep.equal(long.branches);
    expect(short.request.from).to.equal("pod/db-0");
    expect(short.branches[0]!.hops[0]!.location).to.equal("pod/shop/db-0");
  });

  it("a namespace written in the location wins over -n", () => {
    const t = topo.trace({ namespace: "kube-system", from: "pod/shop/db-0", to: "svc/shop/api:80" });
    expect(t.branches[0]!.hops[0]!.location).to.equal("pod/shop/db-0");
    expect(t.branches.every((b) => b.disposition === "DELIVERED")).to.equal(true);
  });

  it("without -n the namespace is default, and the error says which namespaces have pods", () => {
    expect(() => topo.trace({ from: "pod/db-0", to: "svc/shop/api:80" })).to.throw(
      RequestError,
      'no pod "default/db-0"; namespace default has none; namespaces with pods: ingress-nginx, kube-system, shop (give -n NS or pod/NS/db-0)',
    );
  });

  it("an unknown name's error lists the closest names in that namespace", () => {
    expect(() => topo.trace({ namespace: "shop", from: "pod/db-9", to: "svc/api:80" })).to.throw(
      RequestError,
      'no pod "shop/db-9" (did you mean "shop/db-0" or "shop/db-1"?)',
    );
    expect(() => topo.trace({ namespace: "shop", from: "pod/db-0", to: "svc/apu:80" })).to.throw(
      RequestError,
      'no Service "shop/apu" (did you mean "shop/api"?)',
    );
    expect(() => topo.trace({ namespace: "shop", from: "deploy/wbe", to: "svc/api:80" })).to.throw(
      RequestError,
      /^no pods of Deployment "shop\/wbe" \(did you mean "shop\/web"\?\)/,
    );
  });

  it("a prefix shared by a workload's pods is ambiguous, and the error points at the workload form", () => {
    expect(() => topo.trace({ namespace: "shop", from: "pod/web", to: "svc/api:80" })).to.throw(
      RequestError,
      /is ambiguous: .*\(deploy\/shop\/web stands for all of them, each a branch\)$/,
    );
  });

  it("curl takes -n for its --from", () => {
    const t = topo.curl("http://api/", { namespace: "shop", from: "pod/db-0" });
    expect(t.branches[0]!.hops[0]!.location).to.equal("pod/shop/db-0");
    expect(t.request.http!.resolved).to.match(/^cluster DNS: api\.shop\.svc\.cluster\.local/);
  });
});

describe("deploy/, sts/, ds/: a workload stands for its pods", () => {
  let web: ReturnType<typeof podsOf>;
  before(() => {
    loadTopology();
    web = podsOf("shop", "Deployment", "web");
  });

  it("as --from: each pod a third of the trace, in pod-name order, each branch naming its pod", () => {
    const t = topo.trace({ namespace: "shop", from: "deploy/web", to: "svc/api:80" });
    expect(web).to.have.length(3);
    expect(sum(t)).to.be.closeTo(1, 1e-9);
    expect([...shares(t).keys()]).to.deep.equal(web);
    for (const p of shares(t).values()) expect(p).to.be.closeTo(1 / 3, 1e-9);
    // Each pod's own branches (three api endpoints) follow, multiplied through.
    expect(t.branches).to.have.length(9);
    t.branches.forEach((b, i) => {
      const pod = web[Math.floor(i / 3)]!;
      expect(b.choices[0]).to.equal(`from Deployment shop/web: pod ${pod} (${Math.floor(i / 3) + 1} of 3)`);
      expect(b.choices[1]).to.match(/^KUBE-SVC-/);
      expect(b.hops[0]!.location).to.equal(`pod/${pod}`);
      expect(b.probability).to.be.closeTo(1 / 9, 1e-9);
    });
    expect(t.request.from).to.equal("deploy/web");
  });

  it("as --to with :PORT: one branch per pod, delivered to the pod it names", () => {
    const cart = podsOf("shop", "Deployment", "cart");
    const t = topo.trace({ from: "pod/shop/db-0", to: "deployment/shop/cart:9100" });
    expect(t.branches.map((b) => b.choices[0])).to.deep.equal(
      cart.map((p, i) => `to Deployment shop/cart: pod ${p} (${i + 1} of 2)`),
    );
    expect(t.branches.map((b) => b.reason)).to.deep.equal(cart.map((p) => `delivered to pod ${p} on 9100/TCP`));
    expect(t.branches.map((b) => b.probability)).to.deep.equal([0.5, 0.5]);
  });

  it("as --to without :PORT takes the pods' only container port", () => {
    const t = topo.trace({ namespace: "shop", from: "pod/db-0", to: "deploy/cart" });
    expect(t.branches.map((b) => b.disposition)).to.deep.equal(["DELIVERED", "DELIVERED"]);
    expect(t.request.dport).to.equal(9100);
  });

  it("at both ends: every pair of pods, each an equal share", () => {
    const t = topo.trace({ namespace: "shop", from: "sts/db", to: "deploy/cart:9100" });
    expect(t.branches).to.have.length(4);
    expect(sum(t)).to.be.closeTo(1, 1e-9);
    expect(t.branches.map((b) => b.choices.map((c) => c.replace(/: pod .*/, "")))).to.deep.equal(
      Array(4).fill(["from StatefulSet shop/db", "to Deployment shop/cart"]),
    );
    expect(t.branches.map((b) => /pod (\S+)/.exec(b.choices[0]!)![1])).to.deep.equal([
      "shop/db-0",
      "shop/db-0",
      "shop/db-1",
      "shop/db-1",
    ]);
  });

  it("the long forms are the same locations as the short ones", () => {
    const short = topo.trace({ namespace: "shop", from: "sts/db", to: "svc/api:80" });
    const long = topo.trace({ namespace: "shop", from: "statefulset/db", to: "svc/api:80" });
    expect(long.branches).to.deep.equal(short.branches);
  });

  it("curl --from deploy/NAME: each pod a branch, probabilities summing to 1", () => {
    const t = topo.curl("http://api.shop/", { from: "deploy/shop/web" });
    expect(sum(t)).to.be.closeTo(1, 1e-9);
    expect([...shares(t).keys()]).to.deep.equal(web);
    expect(t.branches.map((b) => b.http?.status)).to.deep.equal(Array(9).fill(200));
  });

  it("a workload of another kind is named as such", () => {
    expect(() => topo.trace({ namespace: "shop", from: "deploy/db", to: "svc/api:80" })).to.throw(
      RequestError,
      "no Deployment shop/db: it is a StatefulSet; write sts/shop/db",
    );
  });

  it("ds/NAME: a DaemonSet's pod on each node", () => {
    const t = loadTopologySync(topologyText({ nodes: 2, pods: daemonSet("agent", "") + deployment("idle", 0) }));
    const trace = t.trace({ from: "ds/agent", to: "node/node-1:22" });
    expect(trace.branches.map((b) => b.choices[0]!.replace(/agent-\w+/, "agent-*"))).to.deep.equal([
      "from DaemonSet default/agent: pod default/agent-* (1 of 2)",
      "from DaemonSet default/agent: pod default/agent-* (2 of 2)",
    ]);
    expect(new Set(trace.branches.map((b) => b.hops[0]!.location)).size).to.equal(2);
  });

  it("a workload with no pods is a clear RequestError", () => {
    const t = loadTopologySync(
      topologyText({
        nodes: 2,
        pods: daemonSet("picky", "{disk: ssd}") + deployment("idle", 0) + deployment("busy", 1),
      }),
    );
    expect(() => t.trace({ from: "deploy/idle", to: "node/node-1:22" })).to.throw(
      RequestError,
      'no pods of Deployment "default/idle"; Deployments: default/busy; kubehop knows a Deployment by its pods, and one with 0 replicas has none',
    );
    expect(() => t.trace({ from: "deploy/busy", to: "ds/picky:80" })).to.throw(
      RequestError,
      /^no pods of DaemonSet "default\/picky"; the topology has no DaemonSets; .*nodeSelector matches no node/,
    );
  });
});

function deployment(name: string, replicas: number): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec: {containers: [{name: c, ports: [{containerPort: 80}]}]}
---
`;
}

function daemonSet(name: string, nodeSelector: string): string {
  return `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: ${name}}
spec:
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec: {${nodeSelector ? `nodeSelector: ${nodeSelector}, ` : ""}containers: [{name: c, ports: [{containerPort: 80}]}]}
---
`;
}

describe("workloads in what kubectl dumps", () => {
  // Pods as `kubectl get pods -o yaml` prints them name their ReplicaSet, not their Deployment.
  let dumped: Topology;
  before(() => {
    dumped = loadTopologySync("spec/fixtures/kubectl/cluster.yaml");
  });

  it("a pod whose controller is ReplicaSet DEPLOY-HASH (HASH its pod-template-hash) is the Deployment's", () => {
    const api = dumped.cluster.pods.filter((p) => p.namespace === "shop" && p.name.startsWith("api-6d5f8b7c9d-"));
    expect(api.map((p) => p.owner)).to.deep.equal([
      { kind: "Deployment", name: "api" },
      { kind: "Deployment", name: "api" },
    ]);
    const t = dumped.trace({ from: "deploy/shop/api", to: "svc/shop/api:80" });
    expect(sum(t)).to.be.closeTo(1, 1e-9);
    expect([...shares(t).keys()].sort()).to.deep.equal(api.map((p) => `${p.namespace}/${p.name}`).sort());
  });
});
