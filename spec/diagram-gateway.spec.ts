// The Gateway API in the drawings (issue 16, item 6): Gateways with their listeners and the routes
// attached to them in the logical layer, tied to the proxy pods' Service and to the backend
// Services; a route that did not attach drawn dashed with why; on a path through a Gateway, the
// callout at the proxy pod naming the gateway, listener, route and rule; Mermaid's note the same.
// Also the reply's NAT reversal, told by a dashed callout at its hop.
import { readFileSync } from "node:fs";
import { expect } from "chai";
import { diagramScene, diagramSvg, layoutCluster, traceMermaid } from "../lib/diagram/index.ts";
import type { Cluster } from "../lib/model/cluster.ts";
import { loadTopologySync } from "../lib/topology.ts";
import { geometryProblems, labelRects, overlapping, parseSvg } from "./diagram-helpers.ts";

const GATEWAY = "topologies/gateway.yaml";

/** The lines of a box in the logical layer (labels `ID-l0`, `ID-l1`, ...), as laid out. */
const boxLines = (cluster: Cluster, id: string) =>
  layoutCluster(cluster)
    .labels.filter((l) => l.id.startsWith(`${id}-l`))
    .map((l) => l.text);

describe("diagram: Gateways, listeners and routes", function () {
  this.timeout(60000);
  const topo = loadTopologySync(GATEWAY);

  it("the logical layer: each Gateway with its listeners, each route with its parents, hostnames and rules", () => {
    const doc = parseSvg(diagramSvg(topo.cluster));
    const gw = doc.querySelector('rect.gateway[data-gateway="shop/shop-gateway"]');
    expect(gw, "the Gateway's box").to.not.equal(null);
    expect(gw!.querySelector("title")?.textContent).to.equal(
      "gateway shop/shop-gateway · served by the proxy pods of svc shop/shop-gateway-example",
    );
    expect(boxLines(topo.cluster, "gw-shop-shop-gateway")).to.deep.equal([
      "gateway shop/shop-gateway",
      "class example · 203.0.113.20",
      "proxies: svc shop/shop-gateway-example",
      "http HTTP :80 *.example.com · 1 route",
      "https HTTPS :443 shop.example.com · 2 routes",
      "admin HTTPS :443 admin.example.com · 1 route",
    ]);
    const routes = [...doc.querySelectorAll("rect.route")].map((r) => r.getAttribute("data-route"));
    expect(routes).to.deep.equal(["shop/to-https", "shop/store", "shop/api", "shop/admin"]);
    expect(boxLines(topo.cluster, "route-HTTPRoute-shop-store")).to.deep.equal([
      "httproute shop/store",
      "on shop-gateway/https · shop.example.com",
      "0: / → web:80",
      "1 checkout: /checkout → cart-v1:80 ×80, cart-v2:80 ×20",
      "2: =/old-shop → redirect 302",
    ]);
    // api's backendRef to legacy/old has no ReferenceGrant: attached, but its refs do not resolve.
    const api = doc.querySelector('rect.route[data-route="shop/api"]')!;
    expect(api.getAttribute("class")).to.equal("route");
    expect(api.querySelector("title")?.textContent).to.contain(
      "ResolvedRefs False, RefNotPermitted: Service legacy/old",
    );
    expect(doc.querySelector("text.route-warn")?.textContent).to.equal("ResolvedRefs False: RefNotPermitted");
  });

  it("its labels overlap nothing, with and without a path", () => {
    for (const scene of [
      layoutCluster(topo.cluster),
      diagramScene(topo.cluster, topo.curl("https://shop.example.com/")),
    ]) {
      const bad = overlapping(labelRects(scene)).map(([a, b]) => `"${a.text}" / "${b.text}"`);
      expect(bad, bad.slice(0, 5).join("\n")).to.deep.equal([]);
    }
  });

  it("ties: the Gateway to its proxy pods' Service, each route to its Gateway and to the Services it sends to", () => {
    const doc = parseSvg(diagramSvg(topo.cluster));
    const tie = (cls: string) =>
      [...doc.querySelectorAll(`path.${cls}`)].map(
        (p) =>
          `${p.getAttribute("data-route") ?? p.getAttribute("data-gateway")} → ${p.getAttribute("data-service") ?? p.getAttribute("data-gateway")}`,
      );
    expect(tie("serves")).to.deep.equal(["shop/shop-gateway → shop/shop-gateway-example"]);
    expect(tie("attaches")).to.deep.equal([
      "shop/to-https → shop/shop-gateway",
      "shop/store → shop/shop-gateway",
      "shop/api → shop/shop-gateway",
      "shop/admin → shop/shop-gateway",
    ]);
    // reviews has no Service: no tie, the rule's line still names it.
    expect(tie("routes")).to.deep.equal([
      "shop/store → shop/web",
      "shop/store → shop/cart-v1",
      "shop/store → shop/cart-v2",
      "shop/api → shop/api",
      "shop/api → billing/invoices",
      "shop/api → legacy/old",
      "shop/admin → shop/web",
    ]);
  });

  it("a route that did not attach is drawn dashed, the reason in its tooltip", () => {
    const yaml = `${readFileSync(GATEWAY, "utf8")}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: orphan, namespace: shop}
spec:
  parentRefs: [{name: shop-gateway, sectionName: grpc}]
  rules:
    - backendRefs: [{name: web, port: 80}]
`;
    const cluster = loadTopologySync(yaml).cluster;
    const doc = parseSvg(diagramSvg(cluster));
    const orphan = doc.querySelector('rect.route[data-route="shop/orphan"]')!;
    expect(orphan.getAttribute("class")).to.equal("route detached");
    expect(orphan.querySelector("title")?.textContent).to.match(
      /^HTTPRoute shop\/orphan · not attached: NoMatchingParent: /,
    );
    expect(boxLines(cluster, "route-HTTPRoute-shop-orphan")).to.include("not attached: NoMatchingParent");
    expect(doc.querySelector('path.attaches[data-route="shop/orphan"]'), "no tie to a Gateway").to.equal(null);
  });

  it("a path through the Gateway: the proxy's callout names gateway, listener, route and rule; the picture fits", () => {
    const t = topo.curl("https://shop.example.com/checkout");
    expect(t.branches).to.have.length(6);
    const svg = diagramSvg(topo.cluster, t);
    const problems = geometryProblems(svg);
    expect(problems, problems.slice(0, 8).join("\n")).to.deep.equal([]);
    const doc = parseSvg(svg);
    const notes = [...doc.querySelectorAll("rect.callout.gw-note")];
    expect(notes).to.have.length(1);
    expect(notes[0]!.getAttribute("data-gateway")).to.equal("shop/shop-gateway");
    expect(notes[0]!.getAttribute("data-route")).to.equal("shop/store");
    expect(notes[0]!.getAttribute("data-place")).to.equal("pod/shop/shop-gateway-example-5x9n8496zk-vq8vh");
    const text = [...doc.querySelectorAll("text.callout-text.gw-note")].map((e) => e.textContent).join(" · ");
    expect(text).to.equal("gateway shop/shop-gateway · listener https · HTTPRoute shop/store rule 1 (checkout)");
    // One branch: the same callout, in the branch's colour.
    const one = parseSvg(diagramSvg(topo.cluster, t, [2]));
    expect(one.querySelector("rect.callout.gw-note")?.getAttribute("class")).to.equal("callout gw-note b2");
  });

  it("Mermaid notes the Gateway's decision over the proxy pod", () => {
    const t = topo.curl("https://shop.example.com/v1/orders");
    const m = traceMermaid(t, [1]);
    expect(m).to.match(
      /Note over P\d+: gateway shop\/shop-gateway · listener https · HTTPRoute shop\/api rule 1 \(v1-compat\)\n/,
    );
  });

  it("the reply's NAT reversal: a dashed callout at its hop, its mark carrying the reply's hop", () => {
    const d = loadTopologySync("topologies/default.yaml");
    const doc = parseSvg(diagramSvg(d.cluster, d.curl("https://shop.example.com/api/cart"), [1]));
    const reply = [...doc.querySelectorAll("rect.callout.reply")];
    expect(reply.map((r) => r.getAttribute("data-hop"))).to.deep.equal(["1:r9", "1:r12"]);
    const texts = [...doc.querySelectorAll("text.callout-text.reply")].map((e) => e.textContent).join(" ");
    expect(texts).to.contain("UN-NAT src: 192.168.10.12→203.0.113.10, sport: 30443→443");
    for (const r of reply) {
      const token = r.getAttribute("data-hop")!;
      const ring = [...doc.querySelectorAll("rect.on-path")].find((x) =>
        x.getAttribute("data-hop")!.split(" ").includes(token),
      );
      expect(ring?.getAttribute("data-place"), token).to.equal(r.getAttribute("data-place"));
    }
    expect(diagramSvg(d.cluster, d.curl("https://shop.example.com/api/cart"), [1], { reply: false })).to.not.contain(
      "callout nat reply",
    );
  });
});
