// kubehop curl, issue 4 item 2: curl from inside the cluster. A pod resolves Service names through
// its resolv.conf search path; a node does not use the cluster DNS; an Ingress host from a pod.
import { readFileSync } from "node:fs";
import { expect } from "chai";
import { loadTopologySync, type Topology } from "../lib/topology.ts";
import { RequestError } from "../lib/trace/request.ts";
import { searchList } from "../lib/trace/dns.ts";
import type { Branch, Step, Trace } from "../lib/trace/types.ts";

let shop: Topology;
/** Loaded once, by the first suite that runs (each top-level suite's before hook asks for it). */
function loadShop(): void {
  shop ??= loadTopologySync("topologies/default.yaml");
}
type At = Step & { at: string; segment: number | undefined };
const steps = (b: { hops: Branch["hops"] }): At[] =>
  b.hops.flatMap((h) => h.steps.map((s) => ({ ...s, at: h.location, segment: h.segment })));
const sum = (t: Trace) => t.branches.reduce((a, b) => a + b.probability, 0);
const DB0 = "pod/shop/db-0"; // 10.244.2.4 on node-3
const API_PODS = ["shop/api-rndpbnfwlh-kp58t", "shop/api-rndpbnfwlh-wwpzc", "shop/api-rndpbnfwlh-p84dp"];

function expectApiThroughClusterIP(t: Trace) {
  expect(t.request.src).to.equal("10.244.2.4");
  expect(t.request.dst).to.equal("10.96.0.12");
  expect(t.request.dport).to.equal(80);
  expect(t.branches.map((b) => b.disposition)).to.deep.equal(["HTTP_RESPONSE", "HTTP_RESPONSE", "HTTP_RESPONSE"]);
  expect(sum(t)).to.be.closeTo(1, 1e-9);
  expect(t.branches.map((b) => b.http!.pod)).to.deep.equal(API_PODS);
  for (const b of t.branches) {
    // No ingress controller on the way: one connection, no Ingress fields.
    expect(b.http).to.deep.equal({ status: 200, pod: b.http!.pod, clientIP: "10.244.2.4" });
    expect(b.hops.some((h) => h.location.startsWith("pod/ingress-nginx/"))).to.equal(false);
    expect(b.hops.some((h) => h.location.startsWith("lb/"))).to.equal(false);
    const dnat = steps(b).filter((s) => s.type === "dnat");
    expect(dnat).to.have.length(1);
    expect(dnat[0]!.at).to.equal("node-3");
    expect(dnat[0]!.reason).to.match(
      /^nat PREROUTING > KUBE-SERVICES > KUBE-SVC-RUKNB3TURLFC6SGL > KUBE-SEP-[A-Z0-9]{16}: DNAT to 10\.244\.\d+\.\d+:9000 \(rule 2\)$/,
    );
    expect(steps(b).find((s) => s.action === "HTTP_200")!.at).to.equal(`pod/${b.http!.pod}`);
    expect(b.reply!.disposition).to.equal("DELIVERED");
    expect(b.reply!.reason).to.equal("reply delivered to pod shop/db-0");
  }
}

describe("curl --from pod: cluster DNS", () => {
  before(loadShop);

  it("the full name api.shop.svc.cluster.local resolves to the Service's ClusterIP, and kube-proxy picks the pod", () => {
    const t = shop.curl("http://api.shop.svc.cluster.local/", { from: DB0 });
    expect(t.request.from).to.equal("pod/shop/db-0");
    expect(t.request.http!.resolved).to.equal(
      "cluster DNS: api.shop.svc.cluster.local -> 10.96.0.12 (Service ClusterIP)",
    );
    expectApiThroughClusterIP(t);
  });

  it("the short form api resolves through the first search domain, <ns>.svc.cluster.local", () => {
    const t = shop.curl("http://api/", { from: DB0 });
    expect(t.request.http).to.include({
      host: "api",
      resolved: "cluster DNS: api.shop.svc.cluster.local -> 10.96.0.12 (Service ClusterIP)",
    });
    expectApiThroughClusterIP(t);
  });

  it("api.shop resolves through the second search domain, svc.cluster.local", () => {
    expect(searchList("api.shop", "shop").slice(0, 2)).to.deep.equal([
      "api.shop.shop.svc.cluster.local",
      "api.shop.svc.cluster.local",
    ]);
    const t = shop.curl("http://api.shop/cart?x=1", { from: DB0 });
    expect(t.request.http).to.include({
      host: "api.shop",
      path: "/cart?x=1",
      resolved: "cluster DNS: api.shop.svc.cluster.local -> 10.96.0.12 (Service ClusterIP)",
    });
    expectApiThroughClusterIP(t);
  });

  it("a short name is searched in the pod's own namespace only: api from the ingress-nginx namespace fails, api.shop works", () => {
    const controller = "pod/ingress-nginx/ingress-nginx-controller-svqqshm2zs-x5j98";
    expect(() => shop.curl("http://api/", { from: controller })).to.throw(
      RequestError,
      "could not resolve host api: not in the cluster DNS (search path of namespace ingress-nginx) or the Topology's DNS zone, and no Ingress serves it; use --resolve api:80:ADDR",
    );
    const t = shop.curl("http://api.shop/", { from: controller });
    expect(t.request.src).to.equal("10.244.1.5");
    expect(t.request.http!.resolved).to.equal(
      "cluster DNS: api.shop.svc.cluster.local -> 10.96.0.12 (Service ClusterIP)",
    );
    expect(t.branches.map((b) => b.http!.pod)).to.deep.equal(API_PODS);
  });

  it("a headless Service resolves to its pods' addresses; curl takes the first", () => {
    const t = shop.curl("http://db:5432/", { from: "pod/shop/web-pwxfdbx72d-7ql9d" });
    expect(t.request.http!.resolved).to.equal(
      "cluster DNS: db.shop.svc.cluster.local -> 10.244.2.4, 10.244.0.5 (headless: the pods' addresses; curl takes the first)",
    );
    expect(t.request.dst).to.equal("10.244.2.4");
    expect(t.branches).to.have.length(1);
    expect(t.branches[0]!.disposition).to.equal("HTTP_RESPONSE");
    expect(t.branches[0]!.http).to.deep.equal({ status: 200, pod: "shop/db-0", clientIP: "10.244.0.2" });
  });
});

describe("curl --from pod to an Ingress host", () => {
  before(loadShop);

  it("resolves to the VIP; kube-proxy's loadbalancer-IP rule on the pod's own node catches it (all endpoints, no masquerade)", () => {
    const t = shop.curl("https://shop.example.com/api", { from: DB0 });
    expect(t.request.http!.resolved).to.equal(
      "Ingress shop/shop (via ingress-nginx/ingress-nginx-controller): shop.example.com -> 203.0.113.10",
    );
    expect(t.request.dst).to.equal("203.0.113.10");
    expect(t.branches).to.have.length(6); // 2 controller pods x 3 api pods
    expect(sum(t)).to.be.closeTo(1, 1e-9);
    for (const b of t.branches) {
      expect(b.disposition).to.equal("HTTP_RESPONSE");
      expect(b.http).to.include({
        status: 200,
        ingress: "shop/shop",
        path: "/api",
        pathType: "Prefix",
        clientIP: "10.244.2.4",
      });
      expect(API_PODS).to.include(b.http!.pod);
      // The VIP never leaves node-3: kube-proxy writes rules for status.loadBalancer.ingress IPs.
      expect(b.hops.filter((h) => h.location.startsWith("lb/"))).to.deep.equal([]);
      const dnat = steps(b).find((s) => s.type === "dnat" && s.segment === 1)!;
      expect(dnat.at).to.equal("node-3");
      expect(dnat.reason).to.match(
        /^nat PREROUTING > KUBE-SERVICES > KUBE-EXT-EDNDUDH2C75GIR6O > KUBE-SVC-EDNDUDH2C75GIR6O > KUBE-SEP-[A-Z0-9]{16}: DNAT to 10\.244\.\d+\.\d+:443/,
      );
      expect(steps(b).filter((s) => s.type === "masquerade" && s.segment === 1)).to.deep.equal([]);
      expect(b.reply!.disposition).to.equal("DELIVERED");
      expect(b.reply!.reason).to.equal("reply delivered to pod shop/db-0");
    }
  });
});

describe("curl --from node", () => {
  before(loadShop);

  it("a cluster name does not resolve on a node (it uses the host's resolver): a clear RequestError", () => {
    expect(() => shop.curl("http://api.shop.svc.cluster.local/", { from: "node/node-1" })).to.throw(
      RequestError,
      "could not resolve host api.shop.svc.cluster.local: not in the Topology's DNS zone, and no Ingress serves it; node/node-1 resolves through the host's resolver, not the cluster DNS (only pods search <ns>.svc.cluster.local); use --resolve api.shop.svc.cluster.local:80:ADDR",
    );
    expect(() => shop.curl("http://api/", { from: "node/node-1" })).to.throw(
      RequestError,
      /^could not resolve host api: not in the Topology's DNS zone/,
    );
  });

  it("an Ingress host resolves on a node, and the VIP is caught by kube-proxy in nat OUTPUT", () => {
    const t = shop.curl("https://shop.example.com/", { from: "node/node-1" });
    expect(t.request.src).to.equal("192.168.10.11");
    for (const b of t.branches) {
      expect(b.disposition).to.equal("HTTP_RESPONSE");
      expect(b.http).to.include({ status: 200, ingress: "shop/shop", path: "/", pathType: "Prefix" });
      expect(steps(b).find((s) => s.type === "dnat" && s.segment === 1)!.reason).to.match(
        /^nat OUTPUT > KUBE-SERVICES > KUBE-EXT-EDNDUDH2C75GIR6O > /,
      );
      expect(b.reply!.disposition).to.equal("DELIVERED");
    }
  });
});

describe("curl from inside to a VIP kube-proxy has no rule for (no status.loadBalancer.ingress): out through the LB", () => {
  let lbOnly: Topology;
  before(() => {
    lbOnly = loadTopologySync(
      readFileSync("spec/fixtures/topologies/curl-lb.yaml", "utf8").replace(
        "status:\n  loadBalancer: {ingress: [{ip: 203.0.113.10}]}\n",
        "",
      ),
    );
  });

  it("from a node: out of eth0 to the underlay router, through lb/edge, served, and the reply comes back through the LB to the node", () => {
    const t = lbOnly.curl("http://echo.example.com/", { from: "node/node-2" });
    expect(t.request.http!.resolved).to.equal(
      "Ingress app/echo (via ingress-nginx/ingress-nginx-controller): echo.example.com -> 203.0.113.10",
    );
    expect(t.branches).to.have.length(3);
    for (const b of t.branches) {
      expect(b.disposition).to.equal("HTTP_RESPONSE");
      const s = steps(b);
      expect(
        s.findIndex(
          (x) => x.at === "underlay" && x.reason === "router 192.168.10.1: 203.0.113.10 is load balancer edge's VIP",
        ),
      ).to.be.greaterThan(-1);
      expect(s.some((x) => x.at === "lb/edge" && x.action === "NAT")).to.equal(true);
      expect(b.reply!.disposition).to.equal("DELIVERED");
      expect(b.reply!.reason).to.equal("reply delivered to node node-2");
      const back = steps(b.reply!).find((x) => x.at === "lb/edge" && x.type === "route")!;
      expect(back.reason).to.equal("back to 192.168.10.12 through the underlay's router 192.168.10.1");
    }
  });

  // The overlay agent's KILO-NAT masquerades pod traffic leaving the cluster to the node's address,
  // so the LB answers the node, whose conntrack hands the reply back to the pod.
  it("from a pod: out through the LB with the node's address, and the reply comes back to the pod", () => {
    const t = lbOnly.curl("http://echo.example.com/", { from: "pod/app/echo" });
    for (const b of t.branches) {
      expect(b.disposition).to.equal("HTTP_RESPONSE");
      expect(steps(b).some((x) => x.at === "lb/edge")).to.equal(true);
      const masq = steps(b).find((x) => x.type === "masquerade")!;
      expect(masq.rule).to.equal('-A KILO-NAT -m comment --comment "Kilo: NAT remaining packets" -j MASQUERADE');
      expect(b.reply!.disposition).to.equal("DELIVERED");
    }
  });
});
