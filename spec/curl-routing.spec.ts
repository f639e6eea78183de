// kubehop curl, issue 4: every routing rule decided by the pure router (spec/ingress-routing.spec.ts)
// reaches branch.http and the pod that answers, end to end from the client through the LB.
import { expect } from "chai";
import { loadTopologySync, type CurlOptions, type Topology } from "../lib/topology.ts";
import type { Branch, Trace } from "../lib/trace/types.ts";

let topo: Topology;
/** Loaded once, by the first suite that runs (each top-level suite's before hook asks for it). */
function loadTopology(): void {
  topo ??= loadTopologySync("spec/fixtures/topologies/curl-routing.yaml");
}
const steps = (b: Branch) => b.hops.flatMap((h) => h.steps.map((s) => ({ ...s, at: h.location, segment: h.segment })));

/** The fixture has one replica per backend and a source-hash LB: every request is one branch. */
function one(url: string, opts: CurlOptions = {}): Branch {
  const t: Trace = topo.curl(url, opts);
  expect(t.branches, `${url}: branches`).to.have.length(1);
  const b = t.branches[0]!;
  expect(b.probability).to.equal(1);
  return b;
}

/** The backend pod's own steps: it received the proxied request and answered 200. */
function answeredBy(b: Branch): { pod: string; line: string } {
  const answer = steps(b).find((s) => s.action === "HTTP_200");
  expect(answer, "an HTTP_200 step").to.not.equal(undefined);
  expect(answer!.at).to.equal(`pod/${b.http!.pod}`);
  expect(answer!.segment).to.equal(2);
  return { pod: b.http!.pod!, line: answer!.reason };
}

function expectServed(b: Branch, deployment: string, http: Record<string, unknown>) {
  expect(b.disposition).to.equal("HTTP_RESPONSE");
  expect(b.reply?.disposition).to.equal("DELIVERED");
  expect(b.http).to.include({ status: 200, ...http });
  expect(b.http!.pod).to.match(new RegExp(`^web/${deployment}-[a-z0-9]{10}-[a-z0-9]{5}$`));
  expect(answeredBy(b).pod).to.equal(b.http!.pod);
}

describe("curl: host matching reaches the right pod", () => {
  before(loadTopology);

  it("an exact host wins over a wildcard that also matches it", () => {
    const b = one("http://app.example.com/docs");
    expectServed(b, "docs-exact", { ingress: "web/app", host: "app.example.com" });
  });

  it("a wildcard host matches exactly one label, and branch.http names the rule's host as written", () => {
    const b = one("http://foo.example.com/anything");
    expectServed(b, "wild", { ingress: "web/wild", host: "*.example.com", path: "/", pathType: "Prefix" });
    expect(b.http!.backend).to.deep.equal({ service: "wild", port: 80 });
    const route = steps(b).find((s) => s.action === "HTTP_ROUTE")!;
    expect(route.reason).to.match(
      /^host foo\.example\.com matched wildcard server \*\.example\.com \(exactly one label\)/,
    );
  });

  it("the wildcard does not cover the bare apex: example.com has its own rule", () => {
    expectServed(one("http://example.com/"), "apex", { ingress: "web/wild", host: "example.com" });
  });

  it("two labels under the wildcard match no host: the rule-less Ingress's defaultBackend catches them", () => {
    // DNS has no record for a.b.example.com, so the client goes to the VIP by app.example.com and sends Host.
    const b = one("http://app.example.com/", { headers: ["Host: a.b.example.com"] });
    expectServed(b, "catchall", { ingress: "web/catch-all", host: "a.b.example.com" });
    expect(b.http!.backend).to.deep.equal({ service: "catchall", port: "http" });
    expect(b.http).to.not.have.any.keys("path", "pathType");
    expect(steps(b).find((s) => s.action === "HTTP_ROUTE")!.reason).to.match(
      /^host a\.b\.example\.com matched no Ingress host, so the catch-all server answers/,
    );
  });
});

describe("curl: path types and their precedence reach the right pod", () => {
  before(loadTopology);

  const cases: [string, string, string, string, string | number][] = [
    // URL path,  deployment,   rule path, pathType,                 backend port as written
    ["/docs", "docs-exact", "/docs", "Exact", 80],
    ["/docs/", "docs-prefix", "/docs", "Prefix", "http"],
    ["/docs/guide/intro", "docs-prefix", "/docs", "Prefix", "http"],
    ["/files", "files", "/files", "ImplementationSpecific", 80],
    ["/filesystem", "files", "/files", "ImplementationSpecific", 80], // nginx string prefix
    ["/files/a.txt", "files", "/files", "ImplementationSpecific", 80],
    ["/docs/v2beta", "files", "/docs/v2", "ImplementationSpecific", 80], // the longer prefix wins across types
    ["/docs/v1", "docs-prefix", "/docs", "Prefix", "http"],
  ];
  for (const [path, deployment, rulePath, pathType, port] of cases) {
    it(`${path} -> ${deployment} (${pathType} ${rulePath})`, () => {
      const b = one(`http://app.example.com${path}`);
      expectServed(b, deployment, { ingress: "web/app", host: "app.example.com", path: rulePath, pathType });
      expect(b.http!.backend).to.deep.equal({ service: deployment, port });
    });
  }

  it("Prefix matches element-wise: /docsx is not under /docs and falls to the host's defaultBackend", () => {
    const b = one("http://app.example.com/docsx");
    expectServed(b, "fallback", { ingress: "web/app", host: "app.example.com" });
    expect(b.http).to.not.have.any.keys("path", "pathType");
  });

  it("Exact and Prefix on the same path coexist; the exact location wins for the exact path and the trace says why", () => {
    const route = steps(one("http://app.example.com/docs")).find((s) => s.action === "HTTP_ROUTE")!;
    expect(route.reason).to.contain("path /docs equals = /docs, and exact locations win");
    expect(route.at).to.match(/^pod\/ingress-nginx\/ingress-nginx-controller-/);
  });
});

describe("curl: Ingresses merged on one host, defaultBackend", () => {
  before(loadTopology);

  it("a path from a second Ingress on the same host is served by that Ingress", () => {
    const b = one("http://app.example.com/extra/page");
    expectServed(b, "extra", { ingress: "web/app-extra", host: "app.example.com", path: "/extra", pathType: "Prefix" });
    expect(b.http!.backend).to.deep.equal({ service: "extra", port: "http" });
  });

  it("the first Ingress's rules still apply on the merged host", () => {
    expectServed(one("http://app.example.com/docs/"), "docs-prefix", { ingress: "web/app" });
  });

  it("an unmatched path on the host goes to the defaultBackend of the Ingress that created the host", () => {
    const b = one("http://app.example.com/nowhere");
    expectServed(b, "fallback", { ingress: "web/app", host: "app.example.com" });
    expect(b.http!.backend).to.deep.equal({ service: "fallback", port: 80 });
  });

  it("a host no Ingress names goes to the rule-less Ingress's defaultBackend (via --resolve)", () => {
    const t = topo.curl("http://unknown.test/x", { resolve: ["unknown.test:80:203.0.113.10"] });
    expect(t.request.http!.resolved).to.equal("--resolve unknown.test:80:203.0.113.10");
    expect(t.request.dst).to.equal("203.0.113.10");
    expectServed(t.branches[0]!, "catchall", { ingress: "web/catch-all", host: "unknown.test" });
  });
});

describe("curl: the request as curl sends it", () => {
  before(loadTopology);

  it("-H 'Host: ...' overrides the URL's host for routing, while DNS still resolves the URL's host", () => {
    const t = topo.curl("http://app.example.com/docs", { headers: ["Host: foo.example.com:8080"] });
    expect(t.request.http).to.include({ host: "foo.example.com", url: "http://app.example.com/docs" });
    expect(t.request.http!.resolved).to.equal(
      "Ingress web/app (via ingress-nginx/ingress-nginx-controller): app.example.com -> 203.0.113.10",
    );
    expect(t.request.http!.headers).to.deep.equal({ host: "foo.example.com:8080" });
    expectServed(t.branches[0]!, "wild", { ingress: "web/wild", host: "*.example.com" });
  });

  it("--resolve HOST:PORT:ADDR beats DNS and only for that port", () => {
    const t = topo.curl("http://app.example.com/docs", {
      resolve: ["app.example.com:443:192.0.2.1", "app.example.com:80:203.0.113.10"],
    });
    expect(t.request.http!.resolved).to.equal("--resolve app.example.com:80:203.0.113.10");
    expectServed(t.branches[0]!, "docs-exact", { path: "/docs" });
  });

  it("--resolve to an address that is not the VIP sends the request there (and nothing answers)", () => {
    const t = topo.curl("http://app.example.com/docs", { resolve: ["app.example.com:80:192.0.2.1"] });
    expect(t.request.dst).to.equal("192.0.2.1");
    expect(t.branches.map((b) => b.disposition)).to.deep.equal(["EXITS_NETWORK"]);
    expect(t.branches[0]!.http).to.equal(undefined);
  });

  it("a query string is kept in the request but plays no part in routing", () => {
    const t = topo.curl("http://app.example.com/docs?page=2&q=x");
    expect(t.request.http!.path).to.equal("/docs?page=2&q=x");
    const b = t.branches[0]!;
    expectServed(b, "docs-exact", { path: "/docs", pathType: "Exact" });
    expect(answeredBy(b).line).to.match(/^GET app\.example\.com\/docs\?page=2&q=x answered by pod web\/docs-exact-/);
  });

  it("-X POST is carried through the controller to the backend pod", () => {
    const t = topo.curl("http://app.example.com/extra/cart", { method: "post" });
    expect(t.request.http!.method).to.equal("POST");
    const b = t.branches[0]!;
    expectServed(b, "extra", { path: "/extra" });
    expect(answeredBy(b).line).to.match(/^POST app\.example\.com\/extra\/cart answered by pod web\/extra-/);
  });
});
