// Routing rules for the shop in topologies/default.yaml, as a platform team would write them.
// Copy this file next to your own topology: outside this repository, import from "kubehop" and "kubehop/chai".
import * as chai from "chai";
import { expect } from "chai";
import { kubehopChai } from "../../lib/chai.ts";
import { loadTopology, type Topology } from "../../lib/index.ts";

chai.use(kubehopChai);

describe("shop routing rules (example)", () => {
  let cluster: Topology;
  before(async () => {
    cluster = await loadTopology("topologies/default.yaml");
  });

  it("/api/cart is answered by cart pods only, and nginx sees the laptop's address", () => {
    const trace = cluster.curl("https://shop.example.com/api/cart");
    expect(trace).to.have.status(200);
    expect(trace).to.reach("svc/shop/cart");
    expect(trace).to.have.ingressRule("shop/shop", { path: "/api/cart" });
    expect(trace).to.not.be.masqueraded;
  });

  it("the load balancer never sends traffic to node-1 (no ingress-nginx pod there)", () => {
    const trace = cluster.trace({ from: "client/client", to: "203.0.113.10:443" });
    expect(trace).to.be.delivered.and.not.through("node-1");
    expect(trace).to.have.sourceIP("198.51.100.10");
    expect(trace).probability(0.5).through("node-2");
  });

  it("web talks to db-0 across the WireGuard overlay, keeping its pod address", () => {
    const trace = cluster.trace({ from: "pod/shop/web-pwxfdbx72d-7ql9d", to: "pod/shop/db-0:5432" });
    expect(trace).to.reach("shop/db-0").and.through("node-1/wg0").and.through("node-3/wg0");
    expect(trace).to.have.sourceIP("10.244.0.2");
  });

  it("some of web's calls to the api Service stay on web's node", () => {
    const trace = cluster.trace({ from: "pod/shop/web-pwxfdbx72d-7ql9d", to: "svc/shop/api" });
    expect(trace).to.reach("svc/shop/api");
    expect(trace).someBranch.to.not.through("node-1/wg0");
    expect(trace)
      .probability(1 / 3)
      .to.not.through("node-1/wg0");
  });

  it("a NodePort on a node without a controller pod is dropped (externalTrafficPolicy: Local)", () => {
    expect(cluster.trace({ from: "client/client", to: "192.168.10.11:30443" })).to.be.dropped("NO_LOCAL_ENDPOINTS");
  });

  it("unknown paths on the admin host get nginx's 404", () => {
    expect(cluster.curl("http://admin.example.com/other")).to.have.status(404).and.not.reach("svc/shop/api");
  });
});
