// kubehop curl through a Gateway (issue 16, items 2-3) over topologies/gateway.yaml: the proxy pods
// and LoadBalancer Service kubehop adds for the Gateway, the path hop by hop for one request, and
// the http facts (gateway, listener, route, rule, backend, upstream, location, responseHeaders) of
// the others: a path split across two routes, an 80/20 weight split, a redirect, a rewrite, a
// cross-namespace backend with and without a ReferenceGrant, a missing Service, an unknown host.
import { expect } from "chai";
import { loadTopologySync, type Topology } from "../lib/topology.ts";
import type { Branch, Trace } from "../lib/trace/types.ts";
import { traceText } from "../lib/output/trace-text.ts";

const formatTraceText = (t: Trace) => traceText(t, [1], { columns: 200, verbose: true });

let topo: Topology;
before(() => {
  topo = loadTopologySync("topologies/gateway.yaml");
});

const PROXY = /^shop\/shop-gateway-example-[a-z0-9]+-[a-z0-9]+$/;
/** The branches differ only by the LB's choice of node: one answer. */
const only = (t: Trace): Branch => {
  expect(outcomes(t)).to.have.length(1);
  return t.branches[0]!;
};
/** The branches' http facts, each once, with the probability they add up to. */
function outcomes(t: Trace) {
  const sums = new Map<string, number>();
  for (const b of t.branches) {
    const { pod: _pod, clientIP: _ip, ...http } = b.http ?? { status: 0 };
    const key = JSON.stringify({ disposition: b.disposition, ...http });
    sums.set(key, (sums.get(key) ?? 0) + b.probability);
  }
  return [...sums].map(([k, p]) => ({ ...JSON.parse(k), p: Number(p.toFixed(6)) }));
}

describe("a Gateway in the data path: proxy pods behind a LoadBalancer Service", () => {
  it("adds a proxy Deployment and a LoadBalancer Service at spec.addresses' IP, and DNS for its hostnames", () => {
    const c = topo.cluster;
    const proxies = c.pods.filter((p) => p.labels["gateway.networking.k8s.io/gateway-name"] === "shop-gateway");
    expect(proxies.map((p) => `${p.namespace}/${p.name}`)).to.have.length(1);
    expect(`${proxies[0]!.namespace}/${proxies[0]!.name}`).to.match(PROXY);
    expect(proxies[0]!.ports.map((p) => p.containerPort)).to.deep.equal([80, 443]);
    const svc = c.services.find((s) => s.name === "shop-gateway-example")!;
    expect(svc.type).to.equal("LoadBalancer");
    expect(svc.ports.map((p) => `${p.name}:${p.port}`)).to.deep.equal(["http-80:80", "https-443:443"]);
    expect(c.loadBalancers.map((lb) => [lb.name, lb.vip, `${lb.service.namespace}/${lb.service.name}`])).to.deep.equal([
      ["edge", 0xcb007114, "shop/shop-gateway-example"],
    ]);
    const shop = c.dns.find((r) => r.name === "shop.example.com")!;
    expect(shop.ip).to.equal(0xcb007114);
    expect(shop.source).to.equal("Gateway shop/shop-gateway (via shop/shop-gateway-example)");
    expect(c.dns.some((r) => r.name.startsWith("*"))).to.equal(false);
  });
});

describe("curl through a Gateway: one request hop by hop", () => {
  it("client -> LB -> node -> kube-proxy -> proxy pod (TLS, route) -> backend pod, and back", () => {
    const t = topo.curl("https://shop.example.com/");
    expect(t.branches).to.have.length(6);
    expect(t.branches.reduce((s, b) => s + b.probability, 0)).to.be.closeTo(1, 1e-9);
    const b = t.branches[0]!;
    const hops = b.hops.map((h) => `${h.segment ?? "-"} ${h.location}`);
    expect(hops.slice(0, 6)).to.deep.equal([
      "1 client/client",
      "1 underlay",
      "1 lb/edge",
      "1 underlay",
      "1 node-1/eth0",
      "1 node-1",
    ]);
    const dnat = b.hops[5]!.steps.find((s) => s.action === "DNAT")!;
    expect(dnat.after!.daddr, "kube-proxy DNATs the NodePort to the proxy pod").to.match(/^10\.244\.\d+\.\d+$/);
    const proxyHop = b.hops.find((h) => h.steps.some((s) => s.type === "proxy"))!;
    expect(proxyHop.location).to.match(/^pod\/shop\/shop-gateway-example-/);
    expect(proxyHop.steps.map((s) => s.action)).to.deep.equal(["RECEIVED", "ACCEPTED", "TLS", "HTTP_ROUTE", "PROXIED"]);
    const route = proxyHop.steps[3]!;
    expect(route.reason).to.equal(
      "gateway shop/shop-gateway listener https route shop/store rule 0: to backendRef shop/web:80",
    );
    expect(route.rule).to.equal("HTTPRoute shop/store spec.rules[0]");
    expect(proxyHop.steps[2]!.reason).to.match(/^TLS ends here with the certificate of Secret shop\/shop-tls/);
    const proxied = proxyHop.steps[4]!;
    expect(proxied.before!.daddr).to.equal(dnat.after!.daddr);
    expect(proxied.after!.saddr).to.equal(dnat.after!.daddr);
    expect(proxied.after!.dport).to.equal(8080);
    const last = b.hops.at(-1)!;
    expect(last.location).to.match(/^pod\/shop\/web-/);
    expect(last.segment).to.equal(2);
    expect(last.steps.at(-1)!.action).to.equal("HTTP_200");
    expect(b.disposition).to.equal("HTTP_RESPONSE");
    expect(b.reply!.disposition).to.equal("DELIVERED");
    expect(b.reply!.hops.at(-1)!.location).to.equal("client/client");
    expect(b.http).to.deep.include({
      status: 200,
      gateway: "shop/shop-gateway",
      listener: "https",
      route: "shop/store",
      rule: { index: 0 },
      backend: { namespace: "shop", service: "web", port: 80 },
    });
    expect(b.http!.upstream).to.deep.equal({
      method: "GET",
      host: "shop.example.com",
      path: "/",
      headers: { host: "shop.example.com" },
    });
    expect(formatTraceText(t)).to.include("gateway shop/shop-gateway listener https route shop/store rule 0");
  });
});

describe("curl through a Gateway: the http facts of each answer", () => {
  it("two routes split the paths: /api goes to the api route, with its ResponseHeaderModifier", () => {
    const [o] = outcomes(topo.curl("https://shop.example.com/api/items"));
    expect(o).to.deep.include({ route: "shop/api", rule: { index: 0 }, status: 200, p: 1 });
    expect(o.responseHeaders).to.deep.equal({
      "cache-control": "no-store",
      "content-type": "application/json",
      "x-content-type-options": "nosniff",
    });
  });

  it("an 80/20 weight split: the branches to each backend add up to its share", () => {
    const o = outcomes(topo.curl("https://shop.example.com/checkout"));
    expect(o.map((x) => [x.backend.service, x.rule.name, x.p])).to.deep.equal([
      ["cart-v1", "checkout", 0.8],
      ["cart-v2", "checkout", 0.2],
    ]);
  });

  it("a redirect: the proxy answers with the Location, nothing goes upstream", () => {
    const b = only(topo.curl("https://shop.example.com/old-shop"));
    expect(b.disposition).to.equal("HTTP_RESPONSE");
    expect(b.http).to.deep.include({ status: 302, route: "shop/store", location: "https://shop.example.com/" });
    expect(b.http!.upstream).to.equal(undefined);
    const http = only(topo.curl("http://shop.example.com/cart?x=1")).http!;
    expect(http).to.deep.include({ status: 301, listener: "http", route: "shop/to-https" });
    expect(http.location).to.equal("https://shop.example.com/cart?x=1");
  });

  it("a rewrite: the backend receives /v2 with the query, and the echo server's X-Echo-Set-Header", () => {
    const t = topo.curl("https://shop.example.com/v1/items?page=2", { headers: ["X-Echo-Set-Header: X-Foo: bar"] });
    const [o] = outcomes(t);
    expect(o.rule).to.deep.equal({ index: 1, name: "v1-compat" });
    expect(o.upstream.path).to.equal("/v2/items?page=2");
    expect(o.responseHeaders["x-foo"]).to.equal("bar");
    expect(formatTraceText(t)).to.include("upstream request: GET /v2/items?page=2 (Host: shop.example.com)");
  });

  it("a backend in another namespace: served with a ReferenceGrant, 500 without one", () => {
    const [granted] = outcomes(topo.curl("https://shop.example.com/invoices/7"));
    expect(granted).to.deep.include({ status: 200, backend: { namespace: "billing", service: "invoices", port: 80 } });
    const b = only(topo.curl("https://shop.example.com/legacy/x"));
    expect(b.disposition).to.equal("HTTP_500");
    expect(b.reason).to.match(
      /^HTTP 500 from Gateway shop\/shop-gateway's proxy in pod .*: Service legacy\/old is in another namespace/,
    );
  });

  it("a Service that does not exist: 500; an unknown host: 404 from the listener", () => {
    expect(only(topo.curl("https://shop.example.com/reviews")).disposition).to.equal("HTTP_500");
    const b = only(topo.curl("http://shop.example.com/", { headers: ["Host: nope.example.com"] }));
    expect(b.disposition).to.equal("HTTP_404");
    expect(b.http).to.deep.include({ status: 404, gateway: "shop/shop-gateway", listener: "http" });
    expect(b.http!.route).to.equal(undefined);
  });

  it("TLS: a server name no HTTPS listener takes fails the handshake; a Host no listener takes is 404", () => {
    const tls = only(topo.curl("https://other.example.com/", { resolve: ["other.example.com:443:203.0.113.20"] }));
    expect(tls.disposition).to.equal("TLS_HANDSHAKE_FAILED");
    expect(tls.http).to.equal(undefined);
    const misdirected = topo.curl("https://shop.example.com/", { headers: ["Host: www.example.com"] });
    expect(only(misdirected).disposition).to.equal("HTTP_404");
  });

  it("plain http to the HTTPS listeners' port: the proxy answers 400, no handshake; TLS to port 80 fails it", () => {
    // nginx (NGINX Gateway Fabric) answers "The plain HTTP request was sent to HTTPS port"; curl sent no ClientHello.
    const t = topo.curl("http://shop.example.com:443/");
    const plain = only(t);
    expect(plain.disposition).to.equal("HTTP_400");
    expect(plain.http).to.deep.include({ status: 400, gateway: "shop/shop-gateway" });
    expect(plain.http!.route).to.equal(undefined);
    expect(plain.detail).to.deep.include({ kind: "gateway-answer", cause: "plain-http-to-tls-port", status: 400 });
    expect(formatTraceText(t)).to.include("curl sent plain HTTP: 400");
    const tls = only(topo.curl("https://shop.example.com:80/"));
    expect(tls.disposition).to.equal("TLS_HANDSHAKE_FAILED");
    expect(tls.http).to.equal(undefined);
  });
});
