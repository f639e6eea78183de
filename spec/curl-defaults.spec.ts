// kubehop curl, issue 4 / design.md "Inputs": a file holding only Deployments, Services and an
// Ingress traces out of the box with the documented defaults.
import { expect } from "chai";
import { formatIpv4 } from "../lib/model/address.ts";
import type { Cluster } from "../lib/model/cluster.ts";
import { loadTopologySync, type Topology } from "../lib/topology.ts";
import type { Branch, Step } from "../lib/trace/types.ts";

const FILE = "spec/fixtures/topologies/curl-defaults.yaml";
let topo: Topology;
let cluster: Cluster;
type At = Step & { at: string; segment: number | undefined };
const steps = (b: { hops: Branch["hops"] }): At[] =>
  b.hops.flatMap((h) => h.steps.map((s) => ({ ...s, at: h.location, segment: h.segment })));

describe("defaults: a file with only Deployments, Services and an Ingress", () => {
  before(() => {
    topo = loadTopologySync(FILE);
    cluster = topo.cluster;
  });

  it("the fixture really holds nothing else", async () => {
    const { readFileSync } = await import("node:fs");
    const kinds = [...readFileSync(FILE, "utf8").matchAll(/^kind: (\w+)$/gm)].map((m) => m[1]);
    expect([...new Set(kinds)].sort()).to.deep.equal(["Deployment", "Ingress", "Service"]);
  });

  it("three nodes, node-1..node-3 on 192.168.10.11-13", () => {
    expect(cluster.nodes.map((n) => `${n.name} ${formatIpv4(n.ip)}`)).to.deep.equal([
      "node-1 192.168.10.11",
      "node-2 192.168.10.12",
      "node-3 192.168.10.13",
    ]);
  });

  it("the default controller: Deployment ingress-nginx/ingress-nginx-controller (one pod) behind a LoadBalancer Service", () => {
    const controllers = cluster.pods.filter((p) => p.namespace === "ingress-nginx");
    expect(controllers).to.have.length(1);
    expect(controllers[0]!.name).to.match(/^ingress-nginx-controller-[a-z0-9]{10}-[a-z0-9]{5}$/);
    expect(controllers[0]!.owner).to.deep.equal({ kind: "Deployment", name: "ingress-nginx-controller" });
    const svc = cluster.services.find((s) => s.namespace === "ingress-nginx" && s.name === "ingress-nginx-controller")!;
    expect(svc.type).to.equal("LoadBalancer");
    expect(svc.externalTrafficPolicy).to.equal("Cluster");
    expect(svc.ports.map((p) => `${p.name} ${p.port}->${p.targetPort}`)).to.deep.equal([
      "http 80->http",
      "https 443->https",
    ]);
    expect(svc.loadBalancerIngress.map(formatIpv4)).to.deep.equal(["203.0.113.10"]);
  });

  it("with no IngressClass at all, the class nginx is assumed and serves the Ingress", () => {
    expect(cluster.ingress.assumedDefaultClass).to.equal(true);
    expect(cluster.ingress.served.map((s) => `${s.ingress.namespace}/${s.ingress.name} ${s.className}`)).to.deep.equal([
      "site/site nginx",
    ]);
    expect(cluster.ingress.ignored).to.deep.equal([]);
  });

  it("the LB edge at 203.0.113.10: NodePort mode, round-robin, the client IP not kept", () => {
    expect(
      cluster.loadBalancers.map((lb) => ({ ...lb, vip: formatIpv4(lb.vip), address: formatIpv4(lb.address) })),
    ).to.deep.equal([
      {
        name: "edge",
        vip: "203.0.113.10",
        address: "192.168.10.2",
        mode: "nodeport",
        algorithm: "round-robin",
        preserveClientIp: false,
        service: { namespace: "ingress-nginx", name: "ingress-nginx-controller" },
      },
    ]);
  });

  it("the client named client at 198.51.100.10, the default curl source", () => {
    expect(cluster.clients.map((c) => `${c.name} ${formatIpv4(c.ip)}`)).to.deep.equal(["client 198.51.100.10"]);
    const t = topo.curl("http://blog.example.org/");
    expect(t.request.from).to.equal("client/client");
    expect(t.request.src).to.equal("198.51.100.10");
  });

  it("DNS for every Ingress host, pointing at the VIP", () => {
    expect(cluster.dns.map((r) => `${r.name} ${formatIpv4(r.ip)} ${r.source}`)).to.deep.equal([
      "blog.example.org 203.0.113.10 Ingress site/site (via ingress-nginx/ingress-nginx-controller)",
      "docs.example.org 203.0.113.10 Ingress site/site (via ingress-nginx/ingress-nginx-controller)",
    ]);
  });

  it("traces end to end: client -> edge -> each node -> the controller -> each blog pod, and back", () => {
    const t = topo.curl("http://blog.example.org/post/1");
    expect(t.request.http!.resolved).to.equal(
      "Ingress site/site (via ingress-nginx/ingress-nginx-controller): blog.example.org -> 203.0.113.10",
    );
    expect(t.branches).to.have.length(6); // 3 nodes x 2 endpoints
    expect(t.branches.reduce((a, b) => a + b.probability, 0)).to.be.closeTo(1, 1e-9);
    expect(t.branches.map((b) => b.choices[0])).to.deep.equal(
      [1, 1, 2, 2, 3, 3].map((i) => `round-robin picks node-${i} (${i} of 3)`),
    );
    for (const b of t.branches) {
      expect(b.disposition).to.equal("HTTP_RESPONSE");
      expect(b.http).to.include({
        status: 200,
        ingress: "site/site",
        host: "blog.example.org",
        path: "/",
        pathType: "Prefix",
      });
      expect(b.http!.backend).to.deep.equal({ service: "blog", port: "http" });
      expect(b.http!.pod).to.match(/^site\/blog-/);
      expect(steps(b).find((s) => s.at === "lb/edge" && s.action === "NAT")!.reason).to.match(
        /, source rewritten to the LB's 192\.168\.10\.2$/,
      );
      expect(
        steps(b).some((s) => /^pod\/ingress-nginx\/ingress-nginx-controller-/.test(s.at) && s.action === "HTTP_ROUTE"),
      ).to.equal(true);
      expect(b.reply!.disposition).to.equal("DELIVERED");
      expect(b.reply!.reason).to.equal("reply delivered to client client");
    }
    expect(new Set(t.branches.map((b) => b.http!.pod)).size).to.equal(2);
    // The default network: every pod behind its node's bridge0, nodes joined by the wg0 mesh.
    for (const b of t.branches)
      expect(steps(b).filter((s) => /^node-\d\/bridge0$/.test(s.at)).length).to.be.greaterThan(0);
    const tunnels = new Set(
      t.branches.flatMap((b) =>
        steps(b)
          .filter((s) => s.action === "ENCRYPTED")
          .map((s) => s.at),
      ),
    );
    expect([...tunnels].every((at) => /^node-\d\/wg0$/.test(at))).to.equal(true);
    expect(tunnels.size).to.be.greaterThan(0);
  });

  it("a backend port given by number reaches the Service port's targetPort", () => {
    const t = topo.curl("http://docs.example.org/guide");
    expect(t.branches).to.have.length(3);
    for (const b of t.branches) {
      expect(b.http!.backend).to.deep.equal({ service: "docs", port: 8080 });
      expect(steps(b).find((s) => s.type === "proxy")!.after!.dst).to.match(/^10\.244\.\d+\.\d+:8000$/);
    }
  });
});
