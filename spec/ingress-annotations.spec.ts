// ingress-nginx annotations that change where a request goes or what it gets (issue 13, item 6), each
// traced end to end as the real controller answers. Facts from kubernetes/ingress-nginx at commit
// dbb11b92ddb77bee9c35e462479129354c84f939: rootfs/etc/nginx/template/nginx.tmpl (app-root's server-level
// `if ($uri = /) return 302`, the location's `return CODE URL`, deny/allow then `deny all`, auth_request,
// client_max_body_size), internal/ingress/annotations/{redirect,ipallowlist,ipdenylist,authreq,canary,
// sessionaffinity,backendprotocol}, internal/ingress/controller/controller.go (custom-default-backend,
// mergeAlternativeBackends) and rootfs/etc/nginx/lua/balancer.lua (route_to_alternative_balancer).
// Fixture: one controller pod on node-1 behind a NodePort-mode LB that does not keep the client address.
import { readFileSync } from "node:fs";
import { expect } from "chai";
import { type CurlOptions, loadTopologySync, type Topology } from "../lib/topology.ts";
import type { Branch, Step } from "../lib/trace/types.ts";

const FIXTURE = readFileSync("spec/fixtures/topologies/ingress-annotations.yaml", "utf8");
let topo: Topology;
let keepsClient: Topology;
function load(): void {
  topo ??= loadTopologySync(FIXTURE);
  // The LB keeps the client's address and kube-proxy does not masquerade: nginx sees 198.51.100.10.
  keepsClient ??= loadTopologySync(
    FIXTURE.replace("preserveClientIP: false", "preserveClientIP: true")
      .replace("mode: nodeport", "mode: passthrough")
      .replace("externalTrafficPolicy: Cluster", "externalTrafficPolicy: Local"),
  );
}

const steps = (b: Branch): Step[] => b.hops.flatMap((h) => h.steps);
const step = (b: Branch, action: string): Step => {
  const s = steps(b).find((x) => x.action === action);
  expect(s, `a ${action} step`).to.not.equal(undefined);
  return s!;
};
function only(url: string, opts: CurlOptions = {}, t = topo): Branch {
  const trace = t.curl(url, opts);
  expect(trace.branches, url).to.have.length(1);
  return trace.branches[0]!;
}

describe("ingress-nginx annotations: redirects", () => {
  before(load);

  it("app-root answers / with 302 to the app root, before any location (the server's `if ($uri = /)`)", () => {
    const b = only("http://approot.example.com/");
    expect(b.disposition).to.equal("HTTP_RESPONSE");
    expect(b.http).to.include({ status: 302, location: "http://approot.example.com/app1", ingress: "app/approot" });
    const route = step(b, "HTTP_ROUTE");
    expect(route.detail).to.deep.include({ outcome: "redirect" });
    expect(route.detail.kind === "http-route" && route.detail.redirect).to.deep.equal({
      status: 302,
      location: "http://approot.example.com/app1",
      by: "app-root",
    });
    expect(route.reason).to.contain("app/approot sets app-root /app1");
  });

  it("app-root leaves every other path to the location: /app1 is proxied", () => {
    const t = topo.curl("http://approot.example.com/app1");
    expect(t.branches.map((b) => b.http?.status)).to.deep.equal([200, 200]);
  });

  it("permanent-redirect answers with permanent-redirect-code (308 here; 301 by default)", () => {
    const b = only("http://moved.example.com/anything");
    expect(b.http).to.include({ status: 308, location: "https://new.example.com/" });
    expect(step(b, "HTTP_308").reason).to.equal("redirect to https://new.example.com/");
  });

  it("temporal-redirect wins over permanent-redirect and answers 302 by default", () => {
    const b = only("http://away.example.com/");
    expect(b.http).to.include({ status: 302, location: "https://elsewhere.example.com/sale" });
    const route = step(b, "HTTP_ROUTE");
    expect(route.detail.kind === "http-route" && route.detail.redirect?.by).to.equal("temporal-redirect");
  });

  it("force-ssl-redirect sends plain HTTP to https with 308 (http-redirect-code), without a certificate", () => {
    const b = only("http://secure.example.com/a/");
    expect(b.http).to.include({ status: 308, location: "https://secure.example.com/a" });
    const route = step(b, "HTTP_ROUTE");
    expect(route.detail.kind === "http-route" && route.detail.redirect?.by).to.equal("force-ssl-redirect");
  });
});

describe("ingress-nginx annotations: source ranges see the address nginx sees", () => {
  before(load);

  it("allowlist: the LB and kube-proxy hide the client (nginx sees 10.244.0.1), so deny all answers 403", () => {
    const b = only("http://office.example.com/");
    expect(b.disposition).to.equal("HTTP_403");
    expect(b.http).to.include({ status: 403, clientIP: "10.244.0.1" });
    const check = step(b, "DENIED");
    expect(check.detail).to.deep.include({
      kind: "source-range",
      clientIp: "10.244.0.1",
      annotation: "whitelist-source-range",
      ranges: ["10.0.0.1", "198.51.100.0/24"],
    });
    expect(check.reason).to.contain("is in no range of app/office whitelist-source-range");
  });

  it("allowlist: with the client address kept (passthrough LB, externalTrafficPolicy Local), it passes", () => {
    const t = keepsClient.curl("http://office.example.com/");
    for (const b of t.branches) {
      expect(b.http).to.include({ status: 200, clientIP: "198.51.100.10" });
      expect(step(b, "ALLOWED").detail).to.deep.include({ kind: "source-range", matched: "198.51.100.0/24" });
    }
  });

  it("denylist: the client's own address is denied only where nginx sees it", () => {
    expect(topo.curl("http://blocked.example.com/").branches.map((b) => b.http?.status)).to.deep.equal([200, 200]);
    const b = only("http://blocked.example.com/", {}, keepsClient);
    expect(b.disposition).to.equal("HTTP_403");
    expect(step(b, "DENIED").detail).to.deep.include({ annotation: "denylist-source-range", matched: "198.51.100.10" });
  });

  it("a range the controller cannot read denies the location: 503, with the warning naming it", () => {
    const b = only("http://broken.example.com/");
    expect(b.disposition).to.equal("HTTP_503");
    expect(step(b, "HTTP_503").detail).to.deep.include({ cause: "location-denied" });
    const warning = topo.cluster.diagnostics.find((d) => d.message.includes("allowlist-source-range"));
    expect(warning?.code).to.equal("ingress-annotation");
    expect(warning?.message).to.contain("ingress-nginx denies the location: every request gets 503");
  });
});

describe("ingress-nginx annotations: auth-url", () => {
  before(load);

  it("an in-cluster auth Service: the verdict is unknown offline, so the trace splits into allowed and denied", () => {
    const t = topo.curl("http://private.example.com/x");
    const denied = t.branches.filter((b) => b.http?.status !== 200);
    const allowed = t.branches.filter((b) => b.http?.status === 200);
    expect(denied).to.have.length(1);
    expect(allowed).to.have.length(2);
    expect(denied[0]!.probability).to.equal(0.5);
    expect(allowed.map((b) => b.probability)).to.deep.equal([0.25, 0.25]);
    const fact = step(allowed[0]!, "AUTH_ALLOWED").detail;
    expect(fact).to.deep.include({
      kind: "auth-request",
      service: "app/auth",
      readyEndpoints: 1,
      basis: "unknown",
      verdict: "allowed",
    });
    // auth-signin turns the 401 into a 302 to the sign-in page, with the request to come back to.
    expect(denied[0]!.http).to.include({
      status: 302,
      location: "https://login.example.com/start?rd=http://private.example.com%2Fx",
    });
  });

  it("--auth-verdict (CurlOptions.authVerdict) picks one branch", () => {
    expect(topo.curl("http://private.example.com/", { authVerdict: "denied" }).branches).to.have.length(1);
    const t = topo.curl("http://private.example.com/", { authVerdict: "allowed" });
    expect(t.branches.map((b) => b.http?.status)).to.deep.equal([200, 200]);
    expect(step(t.branches[0]!, "AUTH_ALLOWED").detail).to.deep.include({ basis: "given" });
  });

  it("an auth-url naming a Service that does not exist: the subrequest fails and auth_request answers 500", () => {
    const b = only("http://lockedout.example.com/");
    expect(b.disposition).to.equal("HTTP_500");
    expect(step(b, "AUTH_ERROR").detail).to.deep.include({ basis: "no-service", service: "app/gone" });
  });
});

describe("ingress-nginx annotations: canary", () => {
  before(load);

  it("canary-weight 20: one branch of 0.2 to the canary, the primary's endpoints share 0.8", () => {
    const t = topo.curl("http://shop.example.com/");
    const byPod = t.branches.map((b) => [b.http!.pod!.replace(/-[a-z0-9]+-[a-z0-9]+$/, ""), b.probability]);
    expect(byPod).to.deep.equal([
      ["app/web-canary", 0.2],
      ["app/web", 0.4],
      ["app/web", 0.4],
    ]);
    expect(step(t.branches[0]!, "CANARY").detail).to.deep.include({ by: "weight", weight: 20, weightTotal: 100 });
  });

  it("canary-by-header: always sends every request to the canary, never to the primary", () => {
    const always = topo.curl("http://shop.example.com/", { headers: ["X-Canary: always"] });
    expect(always.branches.map((b) => b.http?.backend?.service)).to.deep.equal(["web-canary"]);
    const never = topo.curl("http://shop.example.com/", { headers: ["X-Canary: never"] });
    expect(never.branches.map((b) => b.http?.backend?.service)).to.deep.equal(["shop", "shop"]);
    expect(step(never.branches[0]!, "PRIMARY").reason).to.equal(
      "header X-Canary: never sends it to the primary app/shop (app/shop-canary)",
    );
  });

  it("canary-by-cookie decides when the header does not", () => {
    const t = topo.curl("http://shop.example.com/", { headers: ["Cookie: a=b; canary=always"] });
    expect(t.branches.map((b) => b.http?.backend?.service)).to.deep.equal(["web-canary"]);
  });
});

describe("ingress-nginx annotations: what the upstream gets", () => {
  before(load);

  it("affinity cookie and backend-protocol HTTPS are named on the proxy step and in the branch's choice", () => {
    const t = topo.curl("http://sticky.example.com/");
    const proxy = step(t.branches[0]!, "PROXIED");
    expect(proxy.detail).to.deep.include({ protocol: "HTTPS", affinity: { by: "cookie", cookie: "route" } });
    expect(proxy.reason).to.contain("backend-protocol HTTPS: TLS to the upstream");
    expect(t.branches[0]!.choices.join("; ")).to.contain("affinity: cookie route keeps the client here");
  });

  it("upstream-hash-by is named as the affinity of each endpoint branch", () => {
    const t = topo.curl("http://hashed.example.com/");
    expect(step(t.branches[1]!, "PROXIED").detail).to.deep.include({ affinity: { by: "hash", key: "$request_uri" } });
  });

  it("default-backend: the Service with no endpoint is replaced by the annotation's Service, not 503", () => {
    const b = only("http://soon.example.com/");
    expect(b.http?.status).to.equal(200);
    expect(b.http?.pod).to.match(/^app\/fallback-/);
    expect(step(b, "PROXIED").detail).to.deep.include({
      via: "custom-default-backend",
      upstreamName: "custom-default-backend-app-fallback",
    });
  });

  it("proxy-body-size 1k: a 2,000-byte -d body gets 413 before anything else; a small one passes", () => {
    const big = only("http://upload.example.com/", {
      method: "POST",
      headers: ["Content-Length: 2000"],
    });
    expect(big.disposition).to.equal("HTTP_413");
    expect(step(big, "TOO_LARGE").detail).to.deep.include({ size: 2000, limit: 1024, from: "annotation" });
    const small = topo.curl("http://upload.example.com/", { method: "POST", headers: ["Content-Length: 10"] });
    expect(small.branches.map((b) => b.http?.status)).to.deep.equal([200, 200]);
  });

  it("the configmap's default proxy-body-size, 1m, holds where no annotation sets one", () => {
    const b = only("http://approot.example.com/x", { method: "POST", headers: [`Content-Length: ${2 * 1024 * 1024}`] });
    expect(b.disposition).to.equal("HTTP_413");
    expect(step(b, "TOO_LARGE").reason).to.contain("the configmap's proxy-body-size 1m (no annotation)");
  });
});

describe("ingress-nginx annotations: values the controller cannot read", () => {
  const diagnosticsOf = (annotations: string) =>
    loadTopologySync(
      FIXTURE.replace("annotations: {nginx.ingress.kubernetes.io/app-root: /app1}", `annotations: {${annotations}}`),
    )
      .cluster.diagnostics.filter((d) => d.code === "ingress-annotation")
      .map((d) => d.message);

  it("a redirect code out of range falls back (redirect.go); one that is not an integer fails validation", () => {
    expect(
      diagnosticsOf(
        "nginx.ingress.kubernetes.io/permanent-redirect: https://x.example.com/, nginx.ingress.kubernetes.io/permanent-redirect-code: '399'",
      ).filter((m) => m.includes("permanent-redirect-code")),
    ).to.deep.equal([
      'nginx.ingress.kubernetes.io/permanent-redirect-code: "399" is not a code from 300 to 308; ingress-nginx uses 301',
    ]);
    expect(
      diagnosticsOf("nginx.ingress.kubernetes.io/temporal-redirect-code: soon").find((m) => m.includes("soon")),
    ).to.contain("ingress-nginx refuses the whole Ingress");
  });

  it("an annotation kubehop does not simulate is named, and canary settings without canary: true are said to be ignored", () => {
    const messages = diagnosticsOf(
      "nginx.ingress.kubernetes.io/limit-rps: '5', nginx.ingress.kubernetes.io/canary-weight: '10'",
    );
    expect(messages).to.include(
      "nginx.ingress.kubernetes.io/limit-rps is not simulated; traces do not take it into account",
    );
    expect(messages.find((m) => m.includes("canary-weight"))).to.contain('has no effect without canary: "true"');
  });
});
