// The corpus's manifests and kubectl pastes (spec/fixtures/real/, cited in SOURCES.md) as the API
// server and kubelet see them: what the real system does with each file (expectations.yaml, read
// here so the spec and the page agree) and that kubehop agrees, or says with a diagnostic code why not.
import { readFileSync } from "node:fs";
import { expect } from "chai";
import { parse } from "yaml";
import { formatIpv4 } from "../lib/model/address.ts";
import type { Diagnostic } from "../lib/model/diagnostic.ts";
import { loadTopologySync, type Topology } from "../lib/topology.ts";

const REAL = "spec/fixtures/real";
const text = (file: string) => readFileSync(`${REAL}/${file}`, "utf8");
/** A file of the corpus with more YAML after it (a pod to trace from). */
const withYaml = (file: string, more: string) => loadTopologySync(`${text(file)}\n---\n${more}`);

interface Entry {
  readonly objects?: readonly { kind: string; name: string; note?: string }[];
  readonly packets?: readonly { reaches: string }[];
  readonly damage?: readonly { line?: number; lines?: string }[];
}
let all: Record<string, Entry>;
function expected(file: string): Entry {
  all ??= parse(text("expectations.yaml")).files;
  const entry = all[file];
  expect(entry, `${file} in expectations.yaml`).to.not.equal(undefined);
  return entry!;
}
const codes = (ds: readonly Diagnostic[]) => ds.map((d) => d.code);
const at = (d: Diagnostic) => (d.source && "line" in d.source ? d.source.line : undefined);
const podsOf = (t: Topology, owner: string) =>
  t.cluster.pods.filter((p) => p.owner && `${p.owner.kind}/${p.owner.name}` === owner);

const CLIENT_POD =
  "apiVersion: v1\nkind: Pod\nmetadata: {name: client, namespace: default}\n" +
  "spec: {nodeName: node-2, containers: [{name: c, ports: [{containerPort: 8080}]}]}\n";

/** The DNAT a trace's only branch made, as `ip:port`. */
function dnatOf(t: ReturnType<Topology["trace"]>): string {
  expect(t.branches).to.have.length(1);
  const dnat = t.branches[0]!.hops.flatMap((h) => h.steps).find(
    (s) => s.detail.kind === "netfilter" && s.action === "DNAT",
  );
  expect(dnat, JSON.stringify(t.branches[0]!.hops.map((h) => h.location))).to.not.equal(undefined);
  return dnat!.after!.dst;
}

describe("real kubectl pastes", () => {
  it("k8s-94761: the Ingress between prompts is read; prompts, tables, describe text and Warning: lines are diagnostics", () => {
    const file = "kubectl/k8s-94761-create-and-get-ingress.txt";
    const want = expected(file);
    expect(want.objects![0]).to.include({ kind: "Ingress", name: "default/minimal-ingress" });
    const t = loadTopologySync(`${REAL}/${file}`);
    expect(t.cluster.ingress.served.map((s) => `${s.ingress.namespace}/${s.ingress.name}`)).to.deep.equal([
      "default/minimal-ingress",
    ]);
    const ds = t.cluster.diagnostics;
    // expectations: the prompt (line 1), lines 19-37 with two Warning: lines (22, 27).
    expect(ds.filter((d) => d.code === "kubectl-warning").map(at)).to.deep.equal([22, 27]);
    expect(ds.filter((d) => d.code === "pasted-text").map(at)).to.deep.equal([1, 21, 26]);
    // "backend test:80, which does not exist"
    const dangling = ds.find((d) => d.code === "dangling-backend")!;
    expect(dangling.message).to.include("backend Service default/test does not exist");
    expect(at(dangling)).to.equal(16);
  });

  it("istio-17439: two kubectl -o yaml outputs after $prompts are two objects; the LB without an address says so", () => {
    const file = "kubectl/istio-17439-get-svc-and-endpoints.txt";
    expect(expected(file).objects!.map((o) => o.kind)).to.deep.equal(["Service", "Endpoints"]);
    const t = loadTopologySync(`${REAL}/${file}`);
    const svc = t.cluster.services.find((s) => s.name === "atom-db")!;
    expect(svc.clusterIPs.map(formatIpv4)).to.deep.equal(["10.97.214.221"]);
    expect(svc.ports[0]).to.include({ port: 5432, nodePort: 32576 });
    const slice = t.cluster.endpointSlices.find((s) => s.serviceName === "atom-db")!;
    expect(slice.endpoints.map((e) => formatIpv4(e.ip))).to.deep.equal(["10.244.0.51"]);
    const ds = t.cluster.diagnostics;
    expect(ds.filter((d) => d.code === "pasted-text").map(at)).to.deep.equal([1, 35]);
    expect(codes(ds)).to.include("lb-pending");
    // The Endpoints' ports are past the excerpt: kube-proxy has no endpoint for port postgresql.
    expect(ds.find((d) => d.code === "no-ready-endpoints")!.message).to.include(
      "list no port of that name and protocol",
    );
  });

  it("kube-linter-746: a selector-less Service DNATs to its Endpoints' address (10.1.2.3:443)", () => {
    const file = "kubectl/kube-linter-746-selectorless-service.yaml";
    expect(expected(file).packets![0]!.reaches).to.equal("DNAT 10.1.2.3:443");
    const t = withYaml(file, CLIENT_POD);
    expect(dnatOf(t.trace({ from: "pod/client", to: "svc/service-mt1:443" }))).to.equal("10.1.2.3:443");
  });

  it("k8s-90427: the Endpoints' port is used, not the Service's targetPort (DNAT 10.12.28.52:15460)", () => {
    expect(expected("kubectl/k8s-90427-selectorless/service.yaml").packets![0]!.reaches).to.equal(
      "DNAT 10.12.28.52:15460",
    );
    const t = loadTopologySync(`${REAL}/kubectl/k8s-90427-selectorless`);
    const trace = t.trace({ from: "node/node-1", to: "svc/monitoring/postgres-metrics:15460" });
    expect(dnatOf(trace)).to.equal("10.12.28.52:15460");
  });
});

describe("real manifests: the official ingress-nginx deploy (deploy-cloud.yaml)", () => {
  const file = "manifests/ingress-nginx-deploy/deploy-cloud.yaml";
  let t: Topology;
  before(() => {
    t = loadTopologySync(`${REAL}/${file}`);
  });

  it("its controller schedules: every node carries kubelet's kubernetes.io/os: linux", () => {
    const note = expected(file).objects!.find((o) => o.kind === "Deployment")!.note!;
    expect(note).to.include("one controller pod runs");
    expect(podsOf(t, "Deployment/ingress-nginx-controller")).to.have.length(1);
    for (const n of t.cluster.nodes)
      expect(n.labels).to.include({ "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64" });
    expect(codes(t.cluster.diagnostics)).to.not.include("pod-pending");
  });

  it("the admission Jobs' pods are modelled as running, and say they may have completed", () => {
    expect(podsOf(t, "Job/ingress-nginx-admission-create")).to.have.length(1);
    expect(podsOf(t, "Job/ingress-nginx-admission-patch")).to.have.length(1);
    expect(t.cluster.diagnostics.filter((d) => d.code === "job-pods")).to.have.length(2);
  });

  it("the webhook configuration is not flagged; the LoadBalancer without an address is, with its NodePort", () => {
    expect(t.cluster.diagnostics.map((d) => d.message).join("\n")).to.not.include("ValidatingWebhookConfiguration");
    const pending = t.cluster.diagnostics.find((d) => d.code === "lb-pending")!;
    // externalTrafficPolicy Local: the node named is the one running the controller.
    const node = podsOf(t, "Deployment/ingress-nginx-controller")[0]!.node;
    expect(pending.message).to.include(`(node ${node}, port http)`);
  });
});

describe("real manifests: the Kubernetes docs' workload examples", () => {
  const load = (f: string) => loadTopologySync(`${REAL}/manifests/k8s-website/${f}`);

  it("statefulset.yaml: web-0, web-1, web-2 behind the headless nginx", () => {
    expect(expected("manifests/k8s-website/statefulset.yaml").objects![1]!.note).to.include("web-0, web-1, web-2");
    const t = load("statefulset.yaml");
    expect(podsOf(t, "StatefulSet/web").map((p) => p.name)).to.deep.equal(["web-0", "web-1", "web-2"]);
    expect(t.cluster.services.find((s) => s.name === "nginx")!.headless).to.equal(true);
  });

  it("daemonset.yaml: one pod per node", () => {
    const t = load("daemonset.yaml");
    const pods = podsOf(t, "DaemonSet/fluentd-elasticsearch");
    expect(pods.map((p) => p.node)).to.deep.equal(t.cluster.nodes.map((n) => n.name));
  });

  it("job.yaml: one pod (pi-xxxxx) until it completes: running, with job-pods", () => {
    const t = load("job.yaml");
    const pods = podsOf(t, "Job/pi");
    expect(pods.map((p) => p.name)).to.have.length(1);
    expect(pods[0]!.name).to.match(/^pi-[a-z0-9]{5}$/);
    expect(pods[0]!.labels).to.include({ "job-name": "pi", "batch.kubernetes.io/job-name": "pi" });
    expect(codes(t.cluster.diagnostics)).to.include("job-pods");
  });

  it("cronjob.yaml: batch/v1beta1 is refused from 1.25 (deprecated-api); no pod until a Job runs", () => {
    expect(expected("manifests/k8s-website/cronjob.yaml").objects![0]!.note).to.include("removed in Kubernetes 1.25");
    const t = load("cronjob.yaml");
    expect(t.cluster.pods).to.deep.equal([]);
    const ds = t.cluster.diagnostics;
    expect(ds.find((d) => d.code === "deprecated-api")!.message).to.include(
      "batch/v1beta1 CronJob is not served since Kubernetes 1.25",
    );
    expect(codes(ds)).to.include("cronjob-no-pods");
  });

  it("replicaset-frontend.yaml and replication-controller.yaml: 3 pods each", () => {
    expect(podsOf(load("replicaset-frontend.yaml"), "ReplicaSet/frontend")).to.have.length(3);
    const rc = podsOf(load("replication-controller.yaml"), "ReplicationController/nginx");
    expect(rc).to.have.length(3);
    expect(rc.every((p) => p.labels.app === "nginx" && p.ports[0]!.containerPort === 80)).to.equal(true);
  });

  it("nginx-deployment.yaml: 3 pods", () => {
    expect(podsOf(load("nginx-deployment.yaml"), "Deployment/nginx-deployment")).to.have.length(3);
  });

  it("simple-fanout-ingress.yaml and minimal-ingress.yaml: the missing Services are dangling-backend warnings", () => {
    const fanout = load("simple-fanout-ingress.yaml").cluster.diagnostics.filter((d) => d.code === "dangling-backend");
    expect(fanout.map((d) => d.message.match(/Service (\S+)/)![1])).to.deep.equal([
      "default/service1",
      "default/service2",
    ]);
    const minimal = load("minimal-ingress.yaml").cluster.diagnostics;
    expect(minimal.find((d) => d.code === "dangling-backend")!.message).to.include("default/test does not exist");
  });

  it("hello-backend: hello reaches the 3 backend pods, 1/3 each, and does not take kube-dns' .10", () => {
    const t = load("hello-backend");
    const hello = t.cluster.services.find((s) => s.name === "hello")!;
    expect(formatIpv4(hello.clusterIPs[0]!)).to.not.equal("10.96.0.10");
    const from = `pod/${podsOf(t, "Deployment/backend")[0]!.name}`;
    const trace = t.trace({ from, to: "svc/hello:80" });
    // kube-proxy's statistic probabilities are printed to 11 digits: 1/3 each, nearly.
    expect(trace.branches).to.have.length(3);
    for (const b of trace.branches) expect(b.probability).to.be.closeTo(1 / 3, 1e-9);
    expect(trace.branches.every((b) => b.disposition === "DELIVERED")).to.equal(true);
  });

  it("hello-backend: frontend selects no pod (selector-no-match) and has no address yet (lb-pending)", () => {
    const t = load("hello-backend");
    const ds = t.cluster.diagnostics;
    expect(ds.find((d) => d.code === "selector-no-match")!.message).to.include("Service default/frontend");
    expect(ds.find((d) => d.code === "lb-pending")!.message).to.include("Service default/frontend");
    const trace = t.trace({ from: "node/node-1", to: "svc/frontend:80" });
    expect(trace.branches[0]!.disposition).to.equal("NO_ENDPOINTS");
    expect(trace.branches[0]!.reason).to.include(
      "Service default/frontend port 80 has no ready endpoint: its selector app.kubernetes.io/name=hello,tier=frontend matches no pod",
    );
  });
});

describe("real manifests: Calico's Installation (custom-resources.yaml)", () => {
  it("pods take 192.168.0.0/16; the default underlay, serviceCIDR and VIP stay clear of it", () => {
    const t = withYaml("manifests/calico/custom-resources.yaml", text("manifests/k8s-website/nginx-deployment.yaml"));
    const c = t.cluster;
    expect(c.clusterCidr.text).to.equal("192.168.0.0/16");
    expect(c.nodes.map((n) => n.podCidr.text)).to.deep.equal(["192.168.0.0/26", "192.168.0.64/26", "192.168.0.128/26"]);
    expect(c.underlay.cidr.text).to.equal("172.31.10.0/24");
    expect(formatIpv4(c.underlay.gateway!)).to.equal("172.31.10.1");
    expect(c.serviceCidr.text).to.equal("10.96.0.0/12");
    expect(c.diagnostics.find((d) => d.code === "default-range-moved")!.message).to.include(
      "the default underlay 192.168.10.0/24 overlaps 192.168.0.0/16",
    );
    const trace = t.trace({ from: `pod/${c.pods[0]!.name}`, to: `pod/${c.pods[1]!.name}:80` });
    expect(trace.branches[0]!.disposition).to.equal("DELIVERED");
  });
});
