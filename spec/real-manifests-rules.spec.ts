// What the API server, kubelet and the endpoint controllers add to manifests, on small topologies:
// default/kubernetes and ClusterIP allocation, kubelet's node labels, Jobs, mirrored Endpoints,
// leading-zero addresses, defaults clear of the pod range, and why a Service port has no endpoint.
import { expect } from "chai";
import { formatIpv4 } from "../lib/model/address.ts";
import { RequestError } from "../lib/trace/request.ts";
import { loadTopologySync } from "../lib/topology.ts";

const svc = (name: string, spec: string, ns = "default") =>
  `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}, namespace: ${ns}}\nspec: {${spec}}\n---\n`;
const deploy = (name: string, pod: string, extra = "") =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ${name}}\nspec:\n${extra}  template:\n` +
  `    metadata: {labels: {app: ${name}}}\n    spec: ${pod}\n---\n`;
const job = (spec: string) =>
  "apiVersion: batch/v1\nkind: Job\nmetadata: {name: load}\nspec:\n" +
  `${spec}  template: {spec: {containers: [{name: c}]}}\n---\n`;
const PORTS = "{containers: [{name: c, ports: [{name: web, containerPort: 8080}]}]}";
const ipOf = (yaml: string, name: string) =>
  formatIpv4(loadTopologySync(yaml).cluster.services.find((s) => s.name === name)!.clusterIPs[0]!);
const codesOf = (yaml: string) => loadTopologySync(yaml).cluster.diagnostics.map((d) => d.code);

describe("the API server's Service and ClusterIP allocation", () => {
  it("default/kubernetes has the service CIDR's first address and sends 443 to the first node's 6443", () => {
    const t = loadTopologySync(deploy("web", PORTS));
    const k = t.cluster.services.find((s) => s.namespace === "default" && s.name === "kubernetes")!;
    expect(formatIpv4(k.clusterIPs[0]!)).to.equal("10.96.0.1");
    expect(k.ports).to.deep.equal([{ name: "https", protocol: "TCP", port: 443, targetPort: 6443 }]);
    const b = t.trace({ from: `pod/${t.cluster.pods[0]!.name}`, to: "svc/kubernetes:443" }).branches;
    expect(b.map((x) => x.disposition)).to.deep.equal(["DELIVERED"]);
    expect(b[0]!.reason).to.equal("delivered to node node-1 on 6443/TCP");
  });

  it("a node labelled control-plane is the API server's endpoint; a given kubernetes Service is used as given", () => {
    const topo =
      "apiVersion: kubehop.io/v1alpha1\nkind: Topology\nmetadata: {name: t}\nspec:\n  nodes:\n" +
      "    - {name: worker}\n    - {name: cp, labels: {node-role.kubernetes.io/control-plane: ''}}\n---\n";
    const c = loadTopologySync(topo).cluster;
    const slice = c.endpointSlices.find((s) => s.serviceName === "kubernetes")!;
    expect(slice.endpoints.map((e) => formatIpv4(e.ip))).to.deep.equal(["192.168.10.12"]);
    expect(c.nodes.find((n) => n.name === "cp")!.listeners.map((l) => l.port)).to.include(6443);
    expect(c.nodes.find((n) => n.name === "worker")!.listeners.map((l) => l.port)).to.not.include(6443);
    expect(ipOf(`${topo}${svc("kubernetes", "clusterIP: 10.96.0.2, ports: [{port: 443}]")}`, "kubernetes")).to.equal(
      "10.96.0.2",
    );
  });

  it("Services get .11 upwards in input order; kube-system/kube-dns without a clusterIP gets .10", () => {
    const yaml = `${svc("a", "ports: [{port: 80}]")}${svc("kube-dns", "ports: [{port: 53}]", "kube-system")}`;
    expect(ipOf(yaml, "a")).to.equal("10.96.0.11");
    expect(ipOf(yaml, "kube-dns")).to.equal("10.96.0.10");
  });
});

describe("kubelet's node labels", () => {
  it("every node has hostname, os and arch; a given arch is kept", () => {
    const topo =
      "apiVersion: kubehop.io/v1alpha1\nkind: Topology\nmetadata: {name: t}\nspec:\n  nodes:\n" +
      "    - {name: pi, labels: {kubernetes.io/arch: arm64}}\n";
    const [node] = loadTopologySync(topo).cluster.nodes;
    expect(node!.labels).to.include({
      "kubernetes.io/hostname": "pi",
      "kubernetes.io/os": "linux",
      "kubernetes.io/arch": "arm64",
    });
  });
});

describe("Jobs", () => {
  const pods = (yaml: string) => loadTopologySync(yaml).cluster.pods.length;
  it("run parallelism pods, at most completions, none when suspended; each says so", () => {
    expect(pods(job(""))).to.equal(1);
    expect(pods(job("  parallelism: 4\n  completions: 2\n"))).to.equal(2);
    expect(pods(job("  parallelism: 3\n"))).to.equal(3);
    expect(pods(job("  parallelism: 3\n  suspend: true\n"))).to.equal(0);
    const msg = loadTopologySync(job("  suspend: true\n")).cluster.diagnostics.find((d) => d.code === "job-pods");
    expect(msg!.message).to.equal("Job default/load: it is suspended (spec.suspend: true), so it has no pods");
  });
});

describe("core v1 Endpoints, mirrored for a Service without a selector", () => {
  const endpoints = (subset: string, labels = "") =>
    `apiVersion: v1\nkind: Endpoints\nmetadata: {name: db${labels}}\nsubsets: [${subset}]\n---\n`;
  const db = svc("db", "ports: [{name: pg, port: 5432, targetPort: 9999}]");

  it("notReadyAddresses are not endpoints: NO_ENDPOINTS names them", () => {
    const t = loadTopologySync(
      `${db}${endpoints("{notReadyAddresses: [{ip: 10.1.0.5}], ports: [{name: pg, port: 5432}]}")}`,
    );
    const b = t.trace({ from: "node/node-1", to: "svc/db:5432" }).branches[0]!;
    expect(b.disposition).to.equal("NO_ENDPOINTS");
    expect(b.reason).to.include(
      "Service default/db port pg has no ready endpoint: none of the 1 endpoint its Endpoints or EndpointSlices list is ready",
    );
  });

  it("Endpoints labelled skip-mirror are not copied; nor are those of a Service with a selector", () => {
    const ready = "{addresses: [{ip: 10.1.0.5}], ports: [{name: pg, port: 5432}]}";
    const skip = loadTopologySync(
      `${db}${endpoints(ready, ", labels: {endpointslice.kubernetes.io/skip-mirror: 'true'}")}`,
    );
    expect(skip.cluster.endpointSlices.filter((s) => s.serviceName === "db")).to.deep.equal([]);
    expect(skip.cluster.diagnostics.find((d) => d.code === "no-ready-endpoints")!.message).to.include(
      "it has no selector, and no Endpoints or EndpointSlice in the input gives its endpoints",
    );
    const selected = loadTopologySync(
      `${svc("db", "selector: {app: db}, ports: [{name: pg, port: 5432}]")}${endpoints(ready)}`,
    );
    expect(selected.cluster.endpointSlices.find((s) => s.serviceName === "db")!.endpoints).to.deep.equal([]);
  });
});

describe("why a Service port has no endpoint", () => {
  it("a named targetPort no pod declares: target-port-unresolved, and the trace says it", () => {
    const t = loadTopologySync(
      `${svc("web", "selector: {app: web}, ports: [{port: 80, targetPort: http}]")}${deploy("web", PORTS)}`,
    );
    const d = t.cluster.diagnostics.find((x) => x.code === "target-port-unresolved")!;
    expect(d.message).to.equal(
      'Service default/web port 80: targetPort "http" names no TCP container port of the 1 selected pod: it has no endpoints',
    );
    const b = t.trace({ from: "node/node-1", to: "svc/web:80" }).branches[0]!;
    expect(b.disposition).to.equal("NO_ENDPOINTS");
    expect(b.reason).to.include('no selected pod declares a container port named "http"');
  });

  it("selected pods, none ready: pods-not-ready", () => {
    const pod =
      "apiVersion: v1\nkind: Pod\nmetadata: {name: w, labels: {app: web}}\n" +
      "spec: {containers: [{name: c}]}\nstatus: {phase: Running, conditions: [{type: Ready, status: 'False'}]}\n";
    const t = loadTopologySync(`${svc("web", "selector: {app: web}, ports: [{port: 80}]")}${pod}`);
    expect(t.cluster.diagnostics.find((x) => x.code === "no-ready-endpoints")!.message).to.equal(
      "Service default/web port 80 has no ready endpoint: none of its 1 selected pod is ready",
    );
  });

  it("an Ingress to a missing port: dangling-backend naming the ports there are", () => {
    const ing =
      "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: i}\nspec:\n  defaultBackend:\n" +
      "    service: {name: web, port: {number: 8080}}\n";
    const t = loadTopologySync(
      `${svc("web", "selector: {app: web}, ports: [{name: http, port: 80}]")}${deploy("web", PORTS)}${ing}`,
    );
    const d = t.cluster.diagnostics.find((x) => x.code === "dangling-backend")!;
    expect(d.message).to.equal(
      "Ingress default/i: Service default/web has no port 8080; its ports: http: ingress-nginx answers 503 for it",
    );
    expect(d.source).to.deep.include({ line: 19, col: 32 });
  });
});

describe("a LoadBalancer with no address yet", () => {
  it("curl to an Ingress host behind it says so and how to reach it through a NodePort", () => {
    const ctl = "{containers: [{name: c, ports: [{name: http, containerPort: 80}]}]}";
    const yaml =
      svc(
        "ctl",
        "type: LoadBalancer, selector: {app.kubernetes.io/name: ingress-nginx}, ports: [{name: http, port: 80, nodePort: 30080}]",
      ) +
      deploy("ctl", ctl).replace("labels: {app: ctl}", "labels: {app.kubernetes.io/name: ingress-nginx}") +
      deploy("web", PORTS) +
      svc("web", "selector: {app: web}, ports: [{port: 80, targetPort: web}]") +
      "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: i}\nspec:\n  rules:\n    - host: a.example\n" +
      "      http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}\n";
    const t = loadTopologySync(yaml);
    expect(() => t.curl("http://a.example/")).to.throw(
      RequestError,
      "could not resolve host a.example: the ingress controller's LoadBalancer Service default/ctl has no address yet; reach it through its NodePort on node node-1: curl --resolve a.example:30080:192.168.10.11 http://a.example:30080/",
    );
    const b = t.curl("http://a.example:30080/", { resolve: ["a.example:30080:192.168.10.11"] }).branches;
    expect(b.every((x) => x.http?.status === 200)).to.equal(true);
  });
});

describe("addresses as kube-proxy reads them, and defaults clear of the pod range", () => {
  it("a leading-zero clusterIP is decimal: the trace goes to 10.96.0.20", () => {
    const t = loadTopologySync(
      `${svc("web", "clusterIP: 010.096.000.020, selector: {app: web}, ports: [{port: 80, targetPort: web}]")}${deploy("web", PORTS)}`,
    );
    expect(t.trace({ from: "node/node-1", to: "10.96.0.20:80" }).branches[0]!.disposition).to.equal("DELIVERED");
    expect(t.cluster.diagnostics.map((d) => d.code)).to.include("ip-leading-zero");
  });

  it("a cluster CIDR over 10.96.0.0/12 moves the default serviceCIDR", () => {
    const topo =
      "apiVersion: kubehop.io/v1alpha1\nkind: Topology\nmetadata: {name: t}\nspec: {clusterCIDR: 10.0.0.0/8}\n";
    expect(loadTopologySync(topo).cluster.serviceCidr.text).to.equal("172.20.0.0/16");
    expect(codesOf(topo)).to.include("default-range-moved");
  });

  it("a kubectl table pasted above the YAML is skipped, not read as a document", () => {
    const paste = "NAME   TYPE        CLUSTER-IP   PORT(S)\nweb    ClusterIP   10.96.0.50   80/TCP\n\n";
    expect(ipOf(`${paste}${svc("web", "clusterIP: 10.96.0.50, ports: [{port: 80}]")}`, "web")).to.equal("10.96.0.50");
    expect(codesOf(`${paste}${svc("web", "ports: [{port: 80}]")}`)).to.include("pasted-text");
  });
});
