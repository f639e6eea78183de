// Bring your own cluster: kubectl's List output and the kube-proxy ConfigMap load without edits.
import { readFileSync } from "node:fs";
import { expect } from "chai";
import { formatIpv4 } from "../lib/model/address.ts";
import type { Cluster } from "../lib/model/cluster.ts";
import { loadTopologySync, type Topology } from "../lib/topology.ts";
import { formatDiagnostic } from "../lib/model/diagnostic.ts";

const dir = "spec/fixtures/kubectl/";

describe("kubectl output as input", () => {
  let topo: Topology;
  let c: Cluster;
  before(() => {
    topo = loadTopologySync(dir);
    c = topo.cluster;
  });

  it("reads nodes, pods, Services, EndpointSlices, Ingresses as the API server returns them (managedFields, status and all)", () => {
    expect(c.nodes.map((n) => `${n.name} ${formatIpv4(n.ip)} ${n.podCidr.text}`)).to.deep.equal([
      "cp-1 192.168.20.10 10.244.0.0/24",
      "worker-1 192.168.20.11 10.244.1.0/24",
    ]);
    expect(
      c.pods.map((p) => `${p.namespace}/${p.name} ${formatIpv4(p.ip)} ${p.node} ${p.ready ? "ready" : "not-ready"}`),
    ).to.include.members([
      "shop/api-6d5f8b7c9d-4xk2p 10.244.1.5 worker-1 ready",
      "shop/web-7b9c5d6f8-mn3jr 10.244.1.6 worker-1 not-ready",
    ]);
    const api = c.services.find((s) => s.name === "api")!;
    expect(api.clusterIPs.map(formatIpv4)).to.deep.equal(["10.96.41.17"]);
    expect(c.endpointSlices.filter((s) => !s.derived).map((s) => s.name)).to.deep.equal([
      "api-8xq2c",
      "web-c7n4d",
      "ingress-nginx-controller-hx9dk",
    ]);
  });

  it("takes the address ranges from the objects: the underlay from node InternalIPs, the cluster CIDR from kube-proxy", () => {
    expect(c.underlay.cidr.text).to.equal("192.168.20.0/24");
    expect(formatIpv4(c.underlay.gateway!)).to.equal("192.168.20.1");
    expect(c.clusterCidr.text).to.equal("10.244.0.0/16");
    expect(c.kubeProxy.clusterCidr?.text).to.equal("10.244.0.0/16");
    expect(c.kubeProxy.detectLocalMode).to.equal("ClusterCIDR");
  });

  it("lists the objects that change traffic but are not simulated, and the Services without ready endpoints, with their positions", () => {
    expect(c.diagnostics.map(formatDiagnostic)).to.deep.equal([
      "spec/fixtures/kubectl/cluster.yaml:882:3: warning[unmodelled-kind]: NetworkPolicy shop/api-from-ingress: kubehop does not enforce NetworkPolicies: traces may show traffic this policy would block",
      "spec/fixtures/kubectl/cluster.yaml:625:7: warning[no-ready-endpoints]: Service shop/web port http has no ready endpoint: none of the 1 endpoint its Endpoints or EndpointSlices list is ready",
      "spec/fixtures/kubectl/cluster.yaml:714:7: warning[selector-no-match]: Service kube-system/kube-dns: selector k8s-app=kube-dns matches no pod in namespace kube-system: it has no endpoints (hint: check the selector against the pods' labels (kubectl get pods --show-labels))",
      "spec/fixtures/kubectl/cluster.yaml:902:3: warning[gateway-route-not-accepted]: HTTPRoute shop/api-canary: parent Gateway shop/shop-gateway does not accept it (NoMatchingParent): no Gateway shop/shop-gateway in the input",
    ]);
  });

  it("curls through the cluster's own ingress: its LoadBalancer IP, its controller, its EndpointSlices", () => {
    const t = topo.curl("http://shop.example.org/api");
    expect(t.request.http!.resolved).to.equal(
      "Ingress shop/shop (via ingress-nginx/ingress-nginx-controller): shop.example.org -> 203.0.113.80",
    );
    expect(t.branches.map((b) => b.http!.pod)).to.deep.equal([
      "shop/api-6d5f8b7c9d-q8wzt",
      "shop/api-6d5f8b7c9d-4xk2p",
    ]);
    // eTP Local: only worker-1 runs the controller, so only worker-1 passes the LB's health check.
    expect(t.branches.every((b) => b.choices[0] === "round-robin picks worker-1 (1 of 1)")).to.equal(true);
  });

  it("a Service whose only endpoint is not ready: ingress-nginx answers 503", () => {
    const b = topo.curl("http://shop.example.org/").branches[0]!;
    expect(b.disposition).to.equal("HTTP_503");
    expect(b.http).to.include({ status: 503, ingress: "shop/shop" });
  });

  it("a Service labelled for another proxy gets no kube-proxy rules, and says so", () => {
    const extra = `
apiVersion: v1
kind: Service
metadata: {name: mesh, namespace: shop, labels: {service.kubernetes.io/service-proxy-name: cilium}}
spec: {clusterIP: 10.96.9.9, selector: {app: api}, ports: [{port: 80, targetPort: 9000}]}
`;
    const withMesh = loadTopologySync(`${readFileSync(`${dir}cluster.yaml`, "utf8")}\n---${extra}`);
    expect(withMesh.iptablesSave("worker-1")).to.not.contain("10.96.9.9");
    expect(
      withMesh.cluster.diagnostics.some((d) => d.message.includes('Service shop/mesh is handled by proxy "cilium"')),
    ).to.equal(true);
  });
});
