// curl through a Gateway against real nginx configured as NGINX Gateway Fabric would be: the configuration
// written for a Gateway's proxy pod (always; `nginx -t` where nginx is installed), the rows verify sends,
// and verify's HTTPRoute rows in real network namespaces on topologies/gateway.yaml and on
// spec/fixtures/gateway-http-verify.yaml (root with network namespaces, wireguard-go and nginx).
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadTopologySync } from "../lib/topology.ts";
import { nginxGatewayConfig } from "../lib/emulate/nginx-gateway-config.ts";
import { NGINX, nginxPlans } from "../lib/emulate/nginx.ts";
import { checkPrerequisites } from "../lib/emulate/prerequisites.ts";
import { sameGatewayRequest, sameLocation } from "../lib/verify/gateway-rows.ts";
import { reportText } from "../lib/verify/report.ts";
import { defaultRequests, type VerifyRequest } from "../lib/verify/requests.ts";
import { verify } from "../lib/verify/verify.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const SHOP = join(ROOT, "topologies/gateway.yaml");
const FIXTURE = join(ROOT, "spec/fixtures/gateway-http-verify.yaml");
const HTTPS = join(ROOT, "spec/fixtures/gateway-https-verify.yaml");

describe("the nginx configuration of a Gateway's proxy pod (as NGINX Gateway Fabric writes it)", () => {
  const topo = loadTopologySync(FIXTURE);
  const conf = nginxGatewayConfig({
    cluster: topo.cluster,
    pod: "web/p",
    gateway: "web/edge",
    ports: [80, 8080],
    prefix: "/x",
  });

  it("serves the proxy pod's plain-HTTP listener ports", function () {
    if (!existsSync(NGINX)) this.skip();
    const plan = nginxPlans(topo.cluster).find((p) => p.gateway === "web/edge");
    expect(plan?.ports).to.deep.equal([80, 8080]);
  });

  it("a server per hostname, a 404 default server, the listener without a hostname as ~^", () => {
    expect(conf.text).to.contain("listen 80 default_server;\n    return 404;");
    expect(conf.text).to.contain('server_name "app.example.org";');
    expect(conf.text).to.contain('server_name "*.example.org";');
    expect(conf.text).to.contain("server_name ~^;");
  });

  it("locations: = for Exact, /p/ and = /p for a PathPrefix, /p/ alone for a trailing-slash prefix", () => {
    expect(conf.text).to.contain("location = /health {");
    expect(conf.text).to.contain("location /split/ {");
    expect(conf.text).to.contain("location = /split {");
    expect(conf.text).to.contain("location /docs/ {");
    expect(conf.text).not.to.contain("location = /docs {");
  });

  it("matches as maps tried in precedence, the header match before the path-only rule of the same path", () => {
    const api = conf.text.slice(conf.text.indexOf("location /api/ {"));
    const lines = api
      .split("\n")
      .slice(1, 4)
      .map((l) => l.trim());
    expect(lines[0]).to.match(
      /^if \(\$_kh_80_app_example_org_m\d+\) \{ rewrite \^ \/_kh-80_app_example_org-m\d+ last; \}$/,
    );
    expect(lines[1]).to.match(/^rewrite \^ \/_kh-80_app_example_org-m\d+ last;$/);
    expect(conf.text).to.match(
      /map \$http_x_version \$_kh_80_app_example_org_m\d+_c0 \{ "~\^\(\?:v2\)\$" 1; default 0; \}/,
    );
  });

  it("redirects, rewrites, header modifiers and weights as NGF writes them", () => {
    expect(conf.text).to.contain('return 302 "$scheme://other.example.org:80$request_uri";');
    expect(conf.text).to.contain('rewrite "^/old([^?]*)?" "/new$1?$args?";');
    expect(conf.text).to.contain('rewrite "^/v1([^?]*)?" "/v2$1?$args?" break;');
    expect(conf.text).to.contain('proxy_set_header Host "internal.example.org";');
    expect(conf.text).to.contain('proxy_set_header X-Tag "$').and.to.contain('{x_tag_header_var}gw";');
    expect(conf.text).to.contain('proxy_set_header X-Drop "";');
    expect(conf.text).to.match(
      /split_clients \$request_id \$group_web__site_rule6 \{\n {4}50\.00% web_web_80;\n {4}\* web_api_80;/,
    );
    expect(conf.text).to.contain('add_header Cache-Control "no-store" always;');
  });

  it("nginx accepts it (nginx -t)", function () {
    if (!existsSync(NGINX)) {
      console.log(`      skipped: ${NGINX} is not installed`);
      this.skip();
    }
    const dir = mkdtempSync(join(tmpdir(), "khspec-nginx-gw-"));
    try {
      const c = nginxGatewayConfig({
        cluster: topo.cluster,
        pod: "web/p",
        gateway: "web/edge",
        ports: [80],
        prefix: dir,
      });
      writeFileSync(join(dir, "nginx.conf"), c.text);
      execFileSync(NGINX, ["-t", "-q", "-c", join(dir, "nginx.conf"), "-p", dir, "-e", join(dir, "e.log")], {
        stdio: ["ignore", "pipe", "pipe"],
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("verify's Gateway rows and how they compare", () => {
  it("sends each attached HTTPRoute's paths and edges, with the match's conditions and without them", () => {
    const rows = defaultRequests(loadTopologySync(FIXTURE).cluster).filter((r) => r.kind === "gateway");
    const text = rows.map((r) => [r.method ?? "GET", ...(r.headers ?? []), r.to].join(" "));
    for (const want of [
      "GET X-Version: v2 http://app.example.org/api/x?q=1",
      "GET http://app.example.org/search?lang=de",
      "GET http://app.example.org/search",
      "POST http://app.example.org/admin",
      "GET http://app.example.org/splitx",
      "GET Host: kh-sample.example.org http://203.0.113.30/",
      "GET Host: kh-sample.any.example http://203.0.113.30:8080/exact",
    ])
      expect(text).to.include(want);
  });

  it("a Location's port may be left out where it is the scheme's own; no other difference passes", () => {
    expect(sameLocation("http://a.example/x", "http://a.example:80/x")).to.equal(true);
    expect(sameLocation("https://a.example:443/", "https://a.example/")).to.equal(true);
    expect(sameLocation("http://a.example/x", "http://a.example:8080/x")).to.equal(false);
    expect(sameLocation("http://a.example/x", "https://a.example/x")).to.equal(false);
  });

  it("the backend may get the implementation's X-Forwarded-* beside every predicted header, nothing else", () => {
    const want = { method: "GET", host: "h", path: "/p", headers: { "X-Env": "prod" } };
    const got = (headers: Record<string, string>) => ({ method: "GET", host: "h", path: "/p", headers });
    expect(sameGatewayRequest(want, got({ host: "h", "x-env": "prod", "x-forwarded-for": "1.2.3.4" }))).to.equal(true);
    expect(sameGatewayRequest(want, got({ host: "h", "x-env": "dev" }))).to.equal(false);
    expect(sameGatewayRequest(want, got({ host: "h", "x-env": "prod", "x-drop": "1" }))).to.equal(false);
  });
});

describe("verify: curl through a Gateway against real nginx", function () {
  this.timeout(180_000);
  const missing = checkPrerequisites() ?? (existsSync(NGINX) ? undefined : `${NGINX} is not installed`);
  before(function () {
    if (missing) {
      console.log(`      skipped: ${missing}`);
      this.skip();
    }
  });

  const run = async (file: string, extra: readonly VerifyRequest[] = []) => {
    const topo = loadTopologySync(file);
    const requests = [...defaultRequests(topo.cluster).filter((r) => r.kind === "gateway"), ...extra];
    const rep = await verify(topo, { repeat: 12, timeoutMs: 2000, requests, only: true });
    const text = reportText(rep, file);
    expect(rep.skipped, text).to.equal(undefined);
    return { rep, text };
  };

  it("agrees on every row of topologies/gateway.yaml: plain http's 301, and https through the HTTPS listener", async () => {
    const { rep, text } = await run(SHOP);
    expect(
      rep.rows.filter((r) => r.verdict !== "agree").map((r) => `${r.request.to}: ${r.why}`),
      text,
    ).to.deep.equal([]);
    const seen = (to: string) =>
      rep.rows.filter((r) => r.request.to === to).flatMap((r) => r.groups.filter((g) => g.observed > 0));
    expect(seen("http://shop.example.com/")[0]!.key).to.equal("HTTP 301, Location https://shop.example.com/");
    // TLS ends at the HTTPS listener with the certificate of its certificateRef; the routes then decide.
    expect(seen("https://shop.example.com/v1/x?q=1")[0]!.key).to.match(
      /^HTTP 200, shop\/api-.* upstream GET \/v2\/x\?q=1 /,
    );
    expect(seen("https://shop.example.com/old-shop")[0]!.key).to.equal("HTTP 302, Location https://shop.example.com/");
    expect(seen("https://shop.example.com/legacy")[0]!.key).to.equal("HTTP 500");
    // The 80/20 split: both carts answer (the chi-square test of the spread is verify's own).
    const carts = seen("https://shop.example.com/checkout").map((g) => /shop\/(cart-v\d)-/.exec(g.key)?.[1]);
    expect(carts).to.have.members(["cart-v1", "cart-v2"]);
  });

  it("HTTPS edges: 421 both ways, no SNI refused, TLS to a plain port, plain http to a TLS port (400)", async () => {
    const row = (to: string, host?: string): VerifyRequest => ({
      from: "client/client",
      proto: "tcp",
      kind: "gateway",
      to,
      ...(host ? { headers: [`Host: ${host}`] } : {}),
    });
    const { rep, text } = await run(SHOP, [
      row("https://admin.example.com/"),
      row("https://203.0.113.20/"),
      row("https://shop.example.com:80/"),
      row("http://shop.example.com:443/"),
    ]);
    const seen = (to: string, host?: string) =>
      rep.rows
        .filter((r) => r.request.to === to && r.request.headers?.[0] === (host ? `Host: ${host}` : undefined))
        .flatMap((r) => [
          ...r.groups.filter((g) => g.observed > 0).map((g) => g.key),
          ...r.unexpected.map((u) => u.what),
        ]);
    expect(seen("https://shop.example.com/", "admin.example.com"), text).to.deep.equal(["HTTP 421"]);
    expect(seen("https://admin.example.com/", "shop.example.com"), text).to.deep.equal(["HTTP 421"]);
    // A Host no listener takes: the default server's 404 (the Host picks nginx's server, not the SNI).
    expect(seen("https://shop.example.com/", "kh-any.kh-nowhere.example"), text).to.deep.equal(["HTTP 404"]);
    expect(seen("https://admin.example.com/")[0]).to.match(/^HTTP 200, shop\/web-.* \(Host admin\.example\.com\)$/);
    // curl sends no server name to an address: no listener takes it, NGF's default server refuses the handshake.
    expect(seen("https://203.0.113.20/"), text).to.deep.equal(["tls-rejected"]);
    // TLS to the plain-HTTP port: nginx answers the ClientHello with a plain 400, which curl's TLS cannot read.
    expect(seen("https://shop.example.com:80/"), text).to.deep.equal(["tls-rejected"]);
    // Plain http to the TLS port: curl sent no handshake, nginx answers 400 ("The plain HTTP request was sent to
    // HTTPS port"), and so does kubehop's Gateway proxy (it once said the handshake failed).
    expect(seen("http://shop.example.com:443/"), text).to.deep.equal(["HTTP 400"]);
    expect(
      rep.rows.filter((r) => r.verdict === "disagree").map((r) => `${r.request.to}: ${r.why}`),
      text,
    ).to.deep.equal([]);
  });

  it("agrees on HTTPS listeners sharing a port: exact, wildcard and any host, by server name and Host", async () => {
    const via = (sni: string, port = 443) => [`${sni}:${port}:203.0.113.40`];
    const { rep, text } = await run(HTTPS, [
      { from: "client/client", proto: "tcp", kind: "gateway", to: "https://alt.example.net/" },
      { from: "client/client", proto: "tcp", kind: "gateway", to: "https://shop.example.net:8443/" },
      ...["/docs", "/"].map((path) => ({
        from: "client/client",
        proto: "tcp" as const,
        kind: "gateway" as const,
        to: `https://kh-any.kh-nowhere.example${path}`,
        headers: ["Host: other.example.com"],
        resolve: via("kh-any.kh-nowhere.example"),
      })),
    ]);
    expect(
      rep.rows.filter((r) => r.verdict !== "agree").map((r) => `${r.request.to}: ${r.why}`),
      text,
    ).to.deep.equal([]);
    const seen = (to: string, host?: string) =>
      rep.rows
        .filter((r) => r.request.to === to && r.request.headers?.[0] === (host ? `Host: ${host}` : undefined))
        .flatMap((r) =>
          r.groups
            .filter((g) => g.observed > 0)
            .map((g) => g.key.replace(/-[a-z0-9]+-[a-z0-9]+ saw .*? upstream/, " upstream")),
        );
    // Every pair of listeners' names as server name and Host: 421, the exact name beside its wildcard too.
    const names = ["shop.example.net", "kh-sample.example.net", "kh-any.kh-nowhere.example"];
    for (const sni of names)
      for (const host of names.filter((h) => h !== sni))
        expect(seen(`https://${sni}/`, host), `${sni} ${host}`).to.deep.equal(["HTTP 421"]);
    // The wildcard listener takes a name the exact one does not; a route without hostnames serves it.
    expect(seen("https://alt.example.net/")).to.deep.equal(["HTTP 200, web/api upstream GET / (Host alt.example.net)"]);
    // The listener without a hostname: its route's hostname, a path it does not route (404).
    expect(seen("https://kh-any.kh-nowhere.example/docs", "other.example.com")).to.deep.equal([
      "HTTP 200, web/web upstream GET /docs (Host other.example.com)",
    ]);
    expect(seen("https://kh-any.kh-nowhere.example/", "other.example.com")).to.deep.equal(["HTTP 404"]);
    // Port 8443 has only alt.example.net's listener: another server name is refused at the handshake.
    expect(seen("https://shop.example.net:8443/")).to.deep.equal(["tls-rejected"]);
  });

  it("agrees on every HTTPRoute row of the fixture but where NGINX Gateway Fabric departs from the standard", async () => {
    const { rep, text } = await run(FIXTURE);
    const disagree = rep.rows.filter((r) => r.verdict === "disagree").map((r) => `${r.request.to}: ${r.why}`);
    // NGF answers 404 when a path's matches all fail (httpmatches.js), where the standard goes on to the next
    // rule that matches (here PathPrefix /); and nginx's 301 adds the slash of a trailing-slash prefix the
    // standard says matches without it. kubehop follows the standard in both.
    const notFound = ["/search", "/search/", "/search/x?q=1", "/admin", "/admin/", "/admin/x?q=1"];
    expect(disagree, text).to.deep.equal([
      ...notFound.map((p) => `http://app.example.org${p}: seen but not predicted: HTTP 404 x12`),
      "http://app.example.org/docs: seen but not predicted: HTTP 301, Location http://app.example.org/docs/ x3",
    ]);
    const agreed = rep.rows.filter((r) => r.verdict === "agree");
    expect(agreed.length, text).to.be.greaterThan(50);
    const seen = agreed.flatMap((r) => r.groups.filter((g) => g.observed > 0).map((g) => g.key));
    for (const want of ["HTTP 500", "HTTP 503", "HTTP 301, Location http://app.example.org/new/x?q=1"])
      expect(seen, want).to.include(want);
    expect(seen.some((k) => k.includes("upstream GET /v2/x?q=1 (Host internal.example.org)"))).to.equal(true);
    expect(seen.some((k) => k.startsWith("HTTP 200, web/api-") && k.includes("upstream POST /admin"))).to.equal(true);
  });
});
