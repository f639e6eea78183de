// curl through ingress against real nginx: kubehop's upstream request (always), the nginx configuration
// written for an emulation (always; `nginx -t` where nginx is installed), and `verify`'s Ingress rows in
// real network namespaces on the default topology and the ingress-rewrite hard case (root with network
// namespaces, wireguard-go and nginx; skipped with the reason otherwise).
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadTopologySync } from "../lib/topology.ts";
import { nginxConfig, PROBE_HOST } from "../lib/emulate/nginx-config.ts";
import { NGINX } from "../lib/emulate/nginx.ts";
import { checkPrerequisites } from "../lib/emulate/prerequisites.ts";
import { traceText } from "../lib/output/trace-text.ts";
import { reportText } from "../lib/verify/report.ts";
import { defaultRequests, type VerifyRequest } from "../lib/verify/requests.ts";
import { verify } from "../lib/verify/verify.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const DEFAULT = join(ROOT, "topologies/default.yaml");
const REWRITE = join(ROOT, "topologies/hard-cases/ingress-rewrite.yaml");
const HOSTS = join(ROOT, "topologies/hard-cases/ingress-hosts.yaml");
const FLAGS = join(ROOT, "topologies/hard-cases/ingress-controller-flags.yaml");
const TLS = join(ROOT, "spec/fixtures/ingress-tls-verify.yaml");

describe("curl through ingress: the request the backend pod receives", () => {
  const topo = loadTopologySync(REWRITE);
  const upstreamOf = (url: string, headers: string[] = []) => {
    const t = topo.curl(url, { headers });
    expect(t.branches.length).to.be.greaterThan(0);
    const ups = t.branches.map((b) => b.http?.upstream);
    // Every endpoint branch gets the same request.
    expect(new Set(ups.map((u) => JSON.stringify(u))).size).to.equal(1);
    return ups[0]!;
  };

  it("rewrite-target with captures: the path rewritten and escaped again, the client's arguments kept", () => {
    expect(upstreamOf("http://rewrite.example.com/app/x?q=1").path).to.equal("/x?q=1");
    expect(upstreamOf("http://rewrite.example.com/app/a%20b?x=1").path).to.equal("/a%20b?x=1");
    expect(upstreamOf("http://rewrite.example.com/app").path).to.equal("/");
  });

  it("a ? in rewrite-target starts new arguments; the client's follow after &, a capture escaped as an argument", () => {
    expect(upstreamOf("http://search.example.com/find/shoes").path).to.equal("/search?term=shoes");
    expect(upstreamOf("http://search.example.com/find/shoes?page=2").path).to.equal("/search?term=shoes&page=2");
    expect(upstreamOf("http://search.example.com/find/a+b%26c").path).to.equal("/search?term=a%2Bb%26c");
  });

  it("carries the headers nginx.tmpl sets: Host as sent, X-Real-IP, X-Forwarded-*, the client's own X-Forwarded-For kept aside", () => {
    const up = upstreamOf("http://slash.example.com/api", ["X-Forwarded-For: 1.2.3.4", "X-Trace: abc"]);
    expect(up).to.deep.equal({
      method: "GET",
      host: "slash.example.com",
      path: "/api",
      headers: {
        host: "slash.example.com",
        "x-forwarded-for": "198.51.100.10",
        "x-forwarded-host": "slash.example.com",
        "x-forwarded-port": "80",
        "x-forwarded-proto": "http",
        "x-forwarded-scheme": "http",
        "x-original-forwarded-for": "1.2.3.4",
        "x-real-ip": "198.51.100.10",
        "x-scheme": "http",
        "x-trace": "abc",
      },
    });
  });

  it("Upgrade goes on with Connection: upgrade, the client's X-Request-ID is kept, Connection and Proxy are not", () => {
    const up = upstreamOf("http://slash.example.com/api", [
      "Upgrade: websocket",
      "Connection: Upgrade",
      "Proxy: evil",
      "X-Request-ID: abc",
    ]);
    expect(up.headers).to.include({ upgrade: "websocket", connection: "upgrade", "x-request-id": "abc" });
    expect(up.headers).not.to.have.property("proxy");
    const plain = upstreamOf("http://slash.example.com/api", ["Connection: keep-alive"]);
    expect(plain.headers).not.to.have.any.keys("connection", "upgrade", "x-request-id");
  });

  it("the text shows the upstream request line only when the controller changed the request", () => {
    const rewritten = traceText(topo.curl("http://search.example.com/find/shoes"));
    expect(rewritten).to.contain("upstream request: GET /search?term=shoes (Host: search.example.com)");
    expect(traceText(topo.curl("http://slash.example.com/api"))).not.to.contain("upstream request:");
  });

  it("redirects name the host as nginx does: lua's 308 the Host as sent (no port), nginx's 301 the validated host", () => {
    const location = (url: string, host: string) =>
      topo.curl(url, { headers: [`Host: ${host}`] }).branches[0]!.http!.location;
    expect(location("http://secure.example.com/login/", "Secure.Example.com:8443")).to.equal(
      "https://Secure.Example.com/login",
    );
    expect(location("http://slash.example.com/docs", "Slash.Example.com.:99")).to.equal(
      "http://slash.example.com/docs/",
    );
  });

  it("a redirect or a controller's own answer has no upstream request", () => {
    for (const url of [
      "http://secure.example.com/login/",
      "http://slash.example.com/docs",
      "http://slash.example.com/empty",
    ])
      for (const b of topo.curl(url).branches) expect(b.http?.upstream, url).to.equal(undefined);
  });
});

describe("the nginx configuration an emulated ingress-nginx controller runs", () => {
  const topo = loadTopologySync(REWRITE);
  const prefix = "/nowhere";
  const conf = nginxConfig({ cluster: topo.cluster, pod: "ingress-nginx/c-1", ports: [80], prefix });

  it("one server per host, the catch-all the default server answering 404, and the probe host", () => {
    expect(conf.text).to.contain('listen 80 default_server;\n    server_name _;\n    location "/" {');
    for (const host of ["rewrite", "slash", "secure", "forced", "moved", "search"])
      expect(conf.text).to.contain(`server_name "${host}.example.com";`);
    expect(conf.text).to.contain(`server_name "${PROBE_HOST}";`);
    expect(conf.text).to.contain('return 200 "ingress-nginx/c-1 $remote_addr:$remote_port\\n";');
  });

  it("locations as the template renders them: regex for a rewrite host, exact twins, rewrite ... break", () => {
    expect(conf.text).to.contain('location ~* "^/app(/|$)(.*)" {');
    expect(conf.text).to.contain('location ~* "^/static" {');
    expect(conf.text).to.contain('rewrite "(?i)/app(/|$)(.*)" /$2 break;');
    expect(conf.text).to.contain('location "/docs/" {');
    expect(conf.text).to.contain('location = "/docs/" {');
    expect(conf.text).to.contain('location = "/exact" {');
    expect(conf.text).to.contain('location = "/api" {');
  });

  it("ssl-redirect only for the TLS host, force-ssl-redirect keeps the slash, permanent-redirect returns", () => {
    const server = (host: string) => {
      const at = conf.text.indexOf(`server_name "${host}";`);
      return conf.text.slice(at, conf.text.indexOf("\n  }\n", at));
    };
    expect(server("secure.example.com")).to.contain("return 308 https://$redirect_host$redirect_uri;");
    expect(server("secure.example.com")).to.contain('if ($request_uri ~ "^(.*)/$")');
    expect(server("forced.example.com")).to.contain("return 308 https://$redirect_host$redirect_uri;");
    expect(server("forced.example.com")).not.to.contain('if ($request_uri ~ "^(.*)/$")');
    expect(server("slash.example.com")).not.to.contain("return 308");
    expect(server("moved.example.com")).to.contain('return 301 "https://new.example.com/landing";');
    expect(server("slash.example.com")).to.match(/location "\/empty\/" \{[^}]*return 503;/);
  });

  it("upstreams of the ready endpoints, and the template's proxy headers", () => {
    expect(conf.text).to.match(/upstream shop-app-http \{\n {4}server 10\.244\.\d+\.\d+:8080;\n {4}server 10\.244/);
    expect(conf.text).to.contain("proxy_set_header X-Forwarded-For $remote_addr;");
    expect(conf.text).to.contain("proxy_set_header Host $best_http_host;");
    expect(conf.unrendered.size).to.equal(0);
  });

  it("a location with an annotation the configuration does not write is named, so its rows are skipped", () => {
    const canary = loadTopologySync(DEFAULT);
    const ing = canary.cluster.ingress.served[0]!.ingress;
    const annotated = { ...ing, annotations: { ...ing.annotations, "nginx.ingress.kubernetes.io/affinity": "cookie" } };
    const served = [{ ...canary.cluster.ingress.served[0]!, ingress: annotated }];
    const cluster = { ...canary.cluster, ingress: { ...canary.cluster.ingress, served } };
    const c = nginxConfig({ cluster, pod: "x/y", ports: [80], prefix });
    expect([...c.unrendered.keys()]).to.deep.equal([`${ing.namespace}/${ing.name}`]);
  });

  it("nginx accepts it (nginx -t)", function () {
    if (!existsSync(NGINX)) {
      console.log(`      skipped: ${NGINX} is not installed`);
      this.skip();
    }
    const dir = mkdtempSync(join(tmpdir(), "khspec-nginx-"));
    try {
      const real = nginxConfig({ cluster: topo.cluster, pod: "ingress-nginx/c-1", ports: [80], prefix: dir });
      writeFileSync(join(dir, "nginx.conf"), real.text);
      const out = execFileSync(NGINX, ["-t", "-c", join(dir, "nginx.conf"), "-p", dir, "-e", join(dir, "e.log")], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      });
      expect(out).to.equal("");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("verify: curl through ingress against real nginx", function () {
  // Each topology is built in real namespaces (5-15 s) and every Ingress request sent 3 to 12 times.
  this.timeout(120_000);
  const missing = checkPrerequisites() ?? (existsSync(NGINX) ? undefined : `${NGINX} is not installed`);
  before(function () {
    if (missing) {
      console.log(`      skipped: ${missing}`);
      this.skip();
    }
  });

  type Extra =
    | string
    | { readonly to: string; readonly headers?: readonly string[]; readonly resolve?: readonly string[] };
  const ingressRows = (file: string, extra: readonly Extra[]) => {
    const topo = loadTopologySync(file);
    const given: VerifyRequest[] = extra.map((x) => ({
      from: "client/client",
      proto: "tcp",
      kind: "ingress",
      ...(typeof x === "string" ? { to: x } : x),
    }));
    return { topo, requests: [...defaultRequests(topo.cluster).filter((r) => r.kind === "ingress"), ...given] };
  };

  const agrees = async (file: string, extra: readonly Extra[]) => {
    const { topo, requests } = ingressRows(file, extra);
    const rep = await verify(topo, { repeat: 12, timeoutMs: 2000, requests, only: true });
    const text = reportText(rep, file);
    expect(rep.skipped, text).to.equal(undefined);
    expect(
      rep.rows.filter((r) => r.verdict === "disagree").map((r) => `${r.request.to}: ${r.why}`),
      text,
    ).to.deep.equal([]);
    // https rows run too: nginx ends TLS with the run's certificates, the probe trusting the run's CA.
    for (const r of rep.rows.filter((x) => x.request.to.startsWith("https:")))
      expect(r.verdict, text).to.equal("agree");
    return rep.rows.filter((r) => r.verdict === "agree");
  };

  it("agrees on topologies/default.yaml: 200 with the upstream request, 308 to https, 404", async () => {
    const agreed = await agrees(DEFAULT, []);
    expect(agreed.length).to.be.greaterThan(8);
    const keys = agreed.flatMap((r) => r.groups.filter((g) => g.observed > 0).map((g) => g.key));
    expect(keys.some((k) => k.startsWith("HTTP 308, Location https://shop.example.com/api"))).to.equal(true);
    expect(keys.some((k) => k.startsWith("HTTP 200, shop/api-") && k.includes("upstream GET /healthz"))).to.equal(true);
  });

  it("agrees on the ingress-rewrite hard case: rewrites, trailing slashes, ssl-redirect, 503, odd paths", async () => {
    const agreed = await agrees(REWRITE, [
      "http://rewrite.example.com/app/a%20b?x=1",
      "http://rewrite.example.com/APP/x",
      "http://search.example.com/find/a+b%26c?page=2",
      "http://slash.example.com//docs/x",
      "http://slash.example.com/DOCS/x",
      "http://slash.example.com/docs/%2e%2e/api",
      "http://secure.example.com/?a=/",
      "http://secure.example.com/login?x=1",
      { to: "http://slash.example.com/api", headers: ["Host: Slash.Example.COM:8080", "X-Forwarded-For: 1.2.3.4"] },
      { to: "http://slash.example.com/api", headers: ["Upgrade: websocket", "Connection: Upgrade"] },
      { to: "http://secure.example.com/login/", headers: ["Host: Secure.Example.com:8443"] },
      { to: "http://slash.example.com/docs", headers: ["Host: Slash.Example.com."] },
      { to: "http://slash.example.com/api", headers: ["Connection: keep-alive", "Proxy: evil", "X-Request-ID: abc"] },
    ]);
    expect(agreed.length).to.be.greaterThan(30);
    const seen = agreed.flatMap((r) => r.groups.filter((g) => g.observed > 0).map((g) => g.key));
    for (const want of [
      "HTTP 301, Location http://slash.example.com/docs/",
      "HTTP 308, Location https://secure.example.com/login",
      "HTTP 308, Location https://forced.example.com/pay/",
      "HTTP 308, Location https://Secure.Example.com/login",
      "HTTP 503",
      "HTTP 404",
    ])
      expect(seen, want).to.include(want);
    expect(seen.some((k) => k.includes("upstream GET /search?term=a%2Bb%26c&page=2"))).to.equal(true);
    expect(seen.some((k) => k.includes("upstream GET /a%20b?x=1"))).to.equal(true);
  });

  it("agrees on https through ingress: the Secret's certificate by SNI, the fake one refused, Host picks the route", async () => {
    const agreed = await agrees(REWRITE, [
      "https://secure.example.com/login/",
      "https://secure.example.com/login",
      "https://slash.example.com/api",
      "https://forced.example.com/pay/",
      { to: "https://secure.example.com/api", headers: ["Host: slash.example.com"] },
      { to: "https://secure.example.com/x", headers: ["Host: nowhere.example.com"] },
    ]);
    const key = (to: string, host?: string) =>
      agreed
        .filter((r) => r.request.to === to && (r.request.headers?.[0] ?? "") === (host ? `Host: ${host}` : ""))
        .flatMap((r) => r.groups.filter((g) => g.observed > 0).map((g) => g.key));
    // ssl-redirect redirects only what came in plain: over https the backend answers, told X-Forwarded-Proto https.
    expect(key("https://secure.example.com/login/")[0]).to.match(/^HTTP 200, shop\/app-.* upstream GET \/login\/ /);
    // nginx's own 301 to add the slash names the https scheme the request came in with.
    expect(key("https://secure.example.com/login")).to.deep.equal([
      "HTTP 301, Location https://secure.example.com/login/",
    ]);
    // No tls section names slash or forced: nginx presents ingress-nginx's fake certificate, which curl refuses.
    expect(key("https://slash.example.com/api")).to.deep.equal(["tls-untrusted"]);
    expect(key("https://forced.example.com/pay/")).to.deep.equal(["tls-untrusted"]);
    // SNI secure.example.com gets secure's certificate; the Host then picks slash's server, or the catch-all.
    expect(key("https://secure.example.com/api", "slash.example.com")[0]).to.match(
      /^HTTP 200, .* upstream GET \/api \(Host slash\.example\.com\)$/,
    );
    expect(key("https://secure.example.com/x", "nowhere.example.com")).to.deep.equal(["HTTP 404"]);
  });

  it("which certificate the controller presents: a wildcard tls entry's for a host under it, the fake one else", async () => {
    const vip = (host: string) => ({ to: `https://${host}/`, resolve: [`${host}:443:203.0.113.10`] });
    const { topo, requests } = ingressRows(TLS, [
      "https://a.wild.example.com/",
      "https://b.wild.example.com/",
      "https://e.example.org/",
      vip("x.wild.example.com"),
      vip("x.y.wild.example.com"),
      { to: "https://a.wild.example.com/", headers: ["Host: b.wild.example.com"] },
    ]);
    const rep = await verify(topo, { repeat: 12, timeoutMs: 2000, requests, only: true });
    const text = reportText(rep, TLS);
    const seen = (to: string, host?: string) =>
      rep.rows
        .filter((r) => r.request.to === to && r.request.headers?.[0] === (host ? `Host: ${host}` : undefined))
        .flatMap((r) => [
          ...r.groups
            .filter((g) => g.observed > 0)
            .map((g) =>
              g.key.replace(/-[a-z0-9]+-[a-z0-9]+ saw .*? upstream/, " upstream").replace(/, X-Real-IP .*/, ""),
            ),
          ...r.unexpected.map((u) =>
            u.what.replace(/-[a-z0-9]+-[a-z0-9]+ saw .*? upstream/, " upstream").replace(/ \[.*/, ""),
          ),
        ]);
    const only = (xs: string[]) => [...new Set(xs)];
    // The tls entry lists no c.example.org Secret, and d-tls is not for e.example.org: the fake certificate.
    expect(only(seen("https://c.example.org/")), text).to.deep.equal(["tls-untrusted"]);
    expect(only(seen("https://e.example.org/")), text).to.deep.equal(["tls-untrusted"]);
    // The wildcard server's certificate: by certificate.lua for b (no tls section names it), by the SAN for x.
    expect(only(seen("https://b.wild.example.com/")), text).to.deep.equal([
      "HTTP 200, web/web upstream GET / (Host b.wild.example.com)",
    ]);
    expect(only(seen("https://x.wild.example.com/")), text).to.deep.equal([
      "HTTP 200, web/api upstream GET / (Host x.wild.example.com)",
    ]);
    // Two labels under the wildcard: no server and no certificate takes them.
    expect(only(seen("https://x.y.wild.example.com/")), text).to.deep.equal(["tls-untrusted"]);
    // a.wild's rule is in the Ingress whose tls entry is *.wild.example.com: ingress-nginx's extractTLSSecretName
    // finds wild-tls by its certificate's name, so curl gets a.wild's page over TLS, and kubehop agrees (it once
    // gave the host the fake certificate, matching tls hosts by name only).
    expect(
      rep.rows.filter((r) => r.verdict === "disagree").map((r) => r.request.to),
      text,
    ).to.deep.equal([]);
    expect(only(seen("https://a.wild.example.com/"))).to.deep.equal([
      "HTTP 200, web/web upstream GET / (Host a.wild.example.com)",
    ]);
    expect(only(seen("https://a.wild.example.com/", "b.wild.example.com"))).to.deep.equal([
      "HTTP 200, web/web upstream GET / (Host b.wild.example.com)",
    ]);
  });

  it("agrees on plain http to the TLS port (400) and TLS to the plain port (no handshake)", async () => {
    const { topo, requests } = ingressRows(REWRITE, [
      "http://secure.example.com:443/login/",
      "https://secure.example.com:80/login/",
    ]);
    const rep = await verify(topo, { repeat: 12, timeoutMs: 2000, requests, only: true });
    const text = reportText(rep, REWRITE);
    // nginx answers the first 400 (plain HTTP to an HTTPS port) and cannot speak TLS on the second (curl: wrong
    // version number). kubehop's controller once ignored which port took the connection and routed both.
    expect(
      rep.rows.filter((r) => r.verdict === "disagree").map((r) => `${r.request.to}: ${r.why}`),
      text,
    ).to.deep.equal([]);
    const seen = (to: string) =>
      rep.rows
        .filter((r) => r.request.to === to)
        .map((r) => [
          r.verdict,
          ...r.groups.filter((g) => g.observed > 0).map((g) => g.key),
          ...r.unexpected.map((u) => u.what),
        ]);
    expect(seen("http://secure.example.com:443/login/"), text).to.deep.equal([["agree", "HTTP 400"]]);
    expect(seen("https://secure.example.com:80/login/"), text).to.deep.equal([["agree", "tls-rejected"]]);
  });

  it("agrees on the ingress-hosts hard case: wildcard and exact hosts, the catch-all, merged Ingresses, 302, 403", async () => {
    const host = (h: string) => ({ to: "http://any.example.org/x", headers: [`Host: ${h}`] });
    const agreed = await agrees(HOSTS, [
      "http://any.example.org/shared/x",
      host("foo.wild.example.com"),
      host("a.b.wild.example.com"),
      host("exact.wild.example.com"),
      host("wild.example.com"),
      "http://merged.example.com/zzz",
      "http://regex.example.com/STATIC/x",
      "http://rooted.example.com/?x=1",
    ]);
    expect(agreed.length).to.be.greaterThan(20);
    const seen = agreed.flatMap((r) => r.groups.filter((g) => g.observed > 0).map((g) => g.key));
    for (const want of [
      "HTTP 200, web/one saw 10.244.0.2, upstream GET /x (Host foo.wild.example.com)",
      "HTTP 200, web/two saw 10.244.0.2, upstream GET /x (Host exact.wild.example.com)",
      "HTTP 200, web/three saw 10.244.0.2, upstream GET /zzz (Host merged.example.com)",
      "HTTP 302, Location http://rooted.example.com/home",
      "HTTP 403",
    ])
      expect(seen, want).to.include(want);
  });

  it("agrees on the ingress-controller-flags hard case: nginx on --http-port 8080 and --https-port 8443, the controller's own class and ConfigMap", async () => {
    const agreed = await agrees(FLAGS, [
      "http://app.example.com:443/",
      "https://app.example.com:80/",
      "http://stock.example.com/",
      // use-forwarded-headers: X-Forwarded-Proto https is no plain http to redirect; the rest go upstream.
      { to: "http://secure.example.com/", headers: ["X-Forwarded-Proto: https"] },
      // The stock install's host sent to the internal one, which does not serve it.
      { to: "http://app.example.com/", headers: ["Host: stock.example.com"] },
      {
        to: "http://app.example.com/",
        headers: [
          "X-Forwarded-For: 203.0.113.7, 10.1.2.3",
          "X-Forwarded-Host: public.example.com",
          "X-Forwarded-Port: 8443",
        ],
      },
    ]);
    const seen = (to: string) =>
      agreed
        .filter((r) => r.request.to === to && !r.request.headers?.length)
        .flatMap((r) => r.groups.filter((g) => g.observed > 0).map((g) => g.key));
    expect(seen("https://app.example.com/")[0]).to.match(/^HTTP 200, web\/app saw 10\.244\.0\.2, upstream GET \//);
    // The ConfigMap turns ssl-redirect off; secure.example.com's annotation turns it on again.
    expect(seen("http://app.example.com/")[0]).to.match(/^HTTP 200, web\/app saw 10\.244\.0\.2, upstream GET \//);
    expect(seen("http://secure.example.com/")).to.deep.equal(["HTTP 308, Location https://secure.example.com"]);
    expect(seen("http://app.example.com:443/")).to.deep.equal(["HTTP 400"]);
    expect(seen("https://app.example.com:80/")).to.deep.equal(["tls-rejected"]);
    // Served only because of --watch-ingress-without-class; stock.example.com's class is the stock install's.
    expect(seen("http://any.example.com/any")[0]).to.match(/^HTTP 200, web\/app saw/);
    expect(seen("http://stock.example.com/")[0]).to.match(/^HTTP 200, web\/app saw 10\.244\.1\.2, upstream GET \//);
    const forwarded = agreed.filter((r) => r.request.headers?.length);
    expect(forwarded.map((r) => r.groups.filter((g) => g.observed > 0).length)).to.deep.equal([1, 1, 1]);
    expect(forwarded[1]!.groups.filter((g) => g.observed > 0).map((g) => g.key)).to.deep.equal(["HTTP 404"]);
    expect(forwarded[0]!.groups[0]!.key).to.match(
      /^HTTP 200, web\/app saw 10\.244\.0\.2, upstream GET \/ \(Host secure/,
    );
  });
});
