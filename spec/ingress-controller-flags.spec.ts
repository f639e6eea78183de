// The ingress-nginx controller's flags: read from its container's command line as pflag reads them,
// applied to which Ingresses it serves and to the ports nginx serves HTTP and HTTPS on. The flags'
// names and defaults are kubernetes/ingress-nginx pkg/flags/flags.go (commit 034c3cca); the real
// manifest is upstream's deploy/static/provider/cloud/deploy.yaml (spec/fixtures/real/SOURCES.md).
import { readFileSync } from "node:fs";
import { expect } from "chai";
import { readControllerFlags } from "../lib/ingress/controller-flags.ts";
import { readControllerSettings } from "../lib/ingress/controller-settings.ts";
import { parseAnnotations } from "../lib/ingress/annotations.ts";
import { forwarded } from "../lib/ingress/forwarded.ts";
import { DEFAULT_CONTROLLER, selectIngresses } from "../lib/ingress/classes.ts";
import type { Ingress, IngressClass } from "../lib/model/ingress.ts";
import { formatDiagnostic } from "../lib/model/diagnostic.ts";
import { loadTopologySync } from "../lib/topology.ts";

const at = (line: number) => ({ file: "c.yaml", line, col: 7 });
const flags = (...words: string[]) =>
  readControllerFlags(
    words.map((text, i) => ({ text, at: at(i + 1) })),
    "Deployment ingress-nginx/c",
  );
const said = (r: ReturnType<typeof flags>) => r.notes.map((d) => formatDiagnostic(d));

describe("ingress-nginx controller flags: read as the controller's flag parser reads them", () => {
  it("no flags: ingress-nginx's defaults (controller k8s.io/ingress-nginx, class nginx, ports 80 and 443)", () => {
    expect(flags("/nginx-ingress-controller").config).to.deep.equal(DEFAULT_CONTROLLER);
    expect(DEFAULT_CONTROLLER).to.include({ controller: "k8s.io/ingress-nginx", ingressClass: "nginx" });
    expect(DEFAULT_CONTROLLER).to.include({ httpPort: 80, httpsPort: 443, watchWithoutClass: false });
  });

  it("--name=value and --name value (the next word, whatever it looks like) both set a flag", () => {
    const r = flags("--controller-class", "example.com/x", "--ingress-class=x", "--http-port", "8080");
    expect(r.config).to.include({ controller: "example.com/x", ingressClass: "x", httpPort: 8080, httpsPort: 443 });
    expect(r.notes).to.deep.equal([]);
  });

  it("a boolean flag is true bare, takes strconv.ParseBool's words after =, and never takes the next word", () => {
    expect(flags("--watch-ingress-without-class").config.watchWithoutClass).to.equal(true);
    expect(flags("--watch-ingress-without-class=false").config.watchWithoutClass).to.equal(false);
    expect(flags("--watch-ingress-without-class=T").config.watchWithoutClass).to.equal(true);
    // "false" after a bare boolean is an argument, not its value: the flag is on.
    expect(flags("--watch-ingress-without-class", "false").config.watchWithoutClass).to.equal(true);
    expect(said(flags("--ingress-class-by-name=yes"))).to.deep.equal([
      "c.yaml:1:7: warning[ingress-controller-flag]: Deployment ingress-nginx/c: --ingress-class-by-name=yes: " +
        "not a boolean, and the controller exits on it (hint: use true or false)",
    ]);
  });

  it("words before and between flags are arguments, and -- ends the flags", () => {
    const r = flags("/nginx-ingress-controller", "extra", "--https-port=8443", "--", "--http-port=1");
    expect(r.config).to.include({ httpsPort: 8443, httpPort: 80 });
  });

  it("a port that is not 1-65535 is said, and the default kept", () => {
    const r = flags("--https-port=0", "--http-port=80a");
    expect(r.config).to.include({ httpPort: 80, httpsPort: 443 });
    expect(said(r)).to.deep.equal([
      "c.yaml:1:7: warning[ingress-controller-flag]: Deployment ingress-nginx/c: --https-port=0: not a port, " +
        "and the controller exits on it (hint: use a port from 1 to 65535)",
      "c.yaml:2:7: warning[ingress-controller-flag]: Deployment ingress-nginx/c: --http-port=80a: not a port, " +
        "and the controller exits on it (hint: use a port from 1 to 65535)",
    ]);
  });

  it("flags that change traffic but are not simulated, and unknown flags, are said at their line; inert flags are not", () => {
    const r = flags(
      "--election-id=leader",
      "--enable-metrics=false",
      "--v=2",
      "--default-ssl-certificate=ns/wildcard",
      "--annotations-prefix=custom.io",
      "--annotations-prefix=nginx.ingress.kubernetes.io",
      "--enable-ssl-passthrough=false",
      "--no-such-flag=1",
    );
    expect(said(r)).to.deep.equal([
      "c.yaml:4:7: warning[ingress-controller-flag]: Deployment ingress-nginx/c: --default-ssl-certificate=" +
        "ns/wildcard is not simulated: the catch-all HTTPS server is taken to present nginx's fake certificate",
      "c.yaml:5:7: warning[ingress-controller-flag]: Deployment ingress-nginx/c: --annotations-prefix=custom.io " +
        "is not simulated: kubehop reads nginx.ingress.kubernetes.io/ annotations, which this controller " +
        "ignores, and not custom.io/ ones",
      "c.yaml:8:7: warning[ingress-controller-flag]: Deployment ingress-nginx/c: --no-such-flag: a flag " +
        "kubehop does not know (hint: ingress-nginx exits on a flag it does not know)",
    ]);
  });

  it("a valued flag with nothing after it is said", () => {
    expect(said(flags("--ingress-class"))).to.deep.equal([
      "c.yaml:1:7: warning[ingress-controller-flag]: Deployment ingress-nginx/c: --ingress-class has no value, " +
        "and the controller exits on it",
    ]);
  });
});

function ing(name: string, over: Partial<Ingress> = {}): Ingress {
  return { namespace: "shop", name, annotations: {}, rules: [], tls: [], ...over };
}

describe("ingress-nginx controller flags: which Ingresses the controller serves", () => {
  const other: IngressClass = { name: "internal", controller: "example.com/other", isDefault: false };

  it("--watch-namespace: an Ingress of another namespace is not seen, with the reason", () => {
    const sel = selectIngresses(
      [ing("a", { className: "nginx" }), ing("b", { namespace: "web", className: "nginx" })],
      [{ name: "nginx", controller: "k8s.io/ingress-nginx", isDefault: false }],
      { ...DEFAULT_CONTROLLER, watchNamespace: "shop" },
    );
    expect(sel.served.map((s) => s.ingress.name)).to.deep.equal(["a"]);
    expect(sel.ignored.map((i) => i.reason)).to.deep.equal([
      "Ingress web/b is in namespace web; the controller watches only namespace shop (--watch-namespace)",
    ]);
  });

  it("--ingress-class-by-name: the IngressClass named as --ingress-class is served whatever its controller", () => {
    const config = { ...DEFAULT_CONTROLLER, ingressClass: "internal" };
    const without = selectIngresses([ing("a", { className: "internal" })], [other], config);
    expect(without.served).to.deep.equal([]);
    const byName = selectIngresses([ing("a", { className: "internal" })], [other], {
      ...config,
      ingressClassByName: true,
    });
    expect(byName.served.map((s) => s.how)).to.deep.equal([
      "IngressClass internal (controller example.com/other, watched by name (--ingress-class-by-name))",
    ]);
  });
});

describe("ingress-nginx controller flags: in a topology", () => {
  it("upstream's deploy.yaml: ingress-nginx's default flags, its ConfigMap found through $(POD_NAMESPACE) and empty: nothing to say", () => {
    const topo = loadTopologySync("spec/fixtures/real/manifests/ingress-nginx-deploy/deploy-cloud.yaml");
    expect(topo.cluster.ingress.controller).to.deep.equal({
      ...DEFAULT_CONTROLLER,
      configMap: "ingress-nginx/ingress-nginx-controller",
    });
    expect(topo.cluster.ingress.settings).to.deep.equal({
      configMap: "ingress-nginx/ingress-nginx-controller",
      values: {},
    });
    expect(topo.cluster.diagnostics.filter((d) => /^ingress-(controller|configmap)/.test(d.code))).to.deep.equal([]);
  });

  it("the same without its ConfigMap: said, as a note, at the flag", () => {
    const text = readFileSync("spec/fixtures/real/manifests/ingress-nginx-deploy/deploy-cloud.yaml", "utf8");
    const without = text.replace(/apiVersion: v1\ndata: null\nkind: ConfigMap\n(?:.*\n)*?---\n/, "");
    expect(without.length).to.be.lessThan(text.length);
    const said = loadTopologySync(without).cluster.diagnostics.filter((d) => d.code === "ingress-controller-configmap");
    expect(said.map((d) => formatDiagnostic(d))).to.deep.equal([
      "<input>:418:11: info[ingress-controller-configmap]: Deployment ingress-nginx/ingress-nginx-controller: " +
        "--configmap=ingress-nginx/ingress-nginx-controller: the ConfigMap is not in the input; a trace takes " +
        "ingress-nginx's defaults for its settings (ssl-redirect, proxy-body-size, ...) (hint: add the ConfigMap " +
        "(kubectl get configmap -n NAMESPACE NAME -o yaml) to simulate its settings)",
    ]);
  });

  it("the hard case: nginx serves HTTPS on --https-port 8443 and plain HTTP on 8080; its class and the classless Ingress", () => {
    const topo = loadTopologySync("topologies/hard-cases/ingress-controller-flags.yaml");
    const internal = topo.cluster.ingress.controllers.find(
      (c) => c.key === "Pod internal-ingress/internal-controller-1",
    )!;
    expect(internal.config).to.include({ httpPort: 8080, httpsPort: 8443, watchWithoutClass: true });
    expect(internal.served.map((s) => s.ingress.name)).to.deep.equal(["app", "classless", "secure"]);
    const https = topo.curl("https://app.example.com/").branches[0]!;
    expect([https.disposition, https.http?.status]).to.deep.equal(["HTTP_RESPONSE", 200]);
    // lua_ingress.lua's $pass_port: 443 for a connection to --https-port, else the port it came to.
    expect(https.http?.upstream?.headers["x-forwarded-port"]).to.equal("443");
    expect(topo.curl("http://app.example.com/").branches[0]!.http?.upstream?.headers["x-forwarded-port"]).to.equal(
      "8080",
    );
    const plainToTls = topo.curl("http://app.example.com:443/").branches[0]!;
    expect(plainToTls.disposition).to.equal("HTTP_400");
    expect(plainToTls.detail).to.deep.include({ cause: "plain-http-to-tls-port", port: 8443 });
    expect(topo.curl("https://app.example.com:80/").branches[0]!.disposition).to.equal("TLS_HANDSHAKE_FAILED");
  });

  it("without --https-port a containerPort named https is not a TLS port: nginx serves HTTPS on 443 only", () => {
    const text = readFileSync("topologies/hard-cases/ingress-controller-flags.yaml", "utf8").replace(
      "        - --https-port=8443\n",
      "",
    );
    const topo = loadTopologySync(text);
    expect(topo.cluster.ingress.controllers.map((c) => c.config.httpsPort)).to.deep.equal([443, 443]);
    // The Service sends 443 to the port named https, 8443, where nginx does not serve Ingresses.
    const b = topo.curl("https://app.example.com/").branches[0]!;
    expect(b.disposition).to.equal("UNDECIDED");
    expect(b.detail).to.deep.include({ kind: "controller-other-port", port: 8443, httpPort: 8080, httpsPort: 443 });
    expect(b.reason).to.match(
      /^port 8443 of pod internal-ingress\/internal-controller-1 is neither the controller's --http-port \(8080\) nor its --https-port \(443\)/,
    );
  });
});

describe("ingress-nginx controller ConfigMap: global settings under the Ingresses' annotations", () => {
  const at = (key: string) => ({ file: "cm.yaml", line: 1, col: key.length });
  const read = (data: unknown) => readControllerSettings(data, at, "ns/cfg");

  it("keeps the simulated keys, says what it cannot read or does not simulate, and is silent on inert keys", () => {
    const r = read({
      "ssl-redirect": " false ",
      "proxy-body-size": "8m",
      "force-ssl-redirect": "maybe",
      "proxy-read-timeout": "120",
      "log-format-upstream": "$remote_addr",
      "compute-full-forwarded-for": "true",
      "block-cidrs": 7,
    });
    expect(r.settings).to.deep.equal({
      configMap: "ns/cfg",
      values: { "ssl-redirect": "false", "proxy-body-size": "8m" },
    });
    expect(r.notes.map((d) => `${d.severity} ${d.code}: ${d.message}`)).to.deep.equal([
      "warning ingress-configmap-key: ConfigMap ns/cfg: block-cidrs is not a string: ingress-nginx cannot read it",
      "warning ingress-configmap-key: ConfigMap ns/cfg: compute-full-forwarded-for is not simulated: a trace takes " +
        "ingress-nginx's default for it",
      'warning ingress-configmap-key: ConfigMap ns/cfg: force-ssl-redirect: "maybe" is not a boolean: kubehop takes the default',
    ]);
    expect(read(null)).to.deep.equal({ settings: { configMap: "ns/cfg", values: {} }, notes: [] });
  });

  it("an annotation wins over the ConfigMap, which wins over the default; an unreadable annotation falls back to it", () => {
    const settings = { configMap: "ns/cfg", values: { "ssl-redirect": "false", "proxy-body-size": "8m" } };
    const bare = parseAnnotations({ annotations: {} }, settings);
    expect([bare.sslRedirect, bare.redirectFrom]).to.deep.equal([
      false,
      { ssl: "configmap", force: "default", configMap: "ns/cfg" },
    ]);
    expect(bare.bodyLimit).to.deep.equal({
      text: "8m",
      bytes: 8 * 1024 * 1024,
      from: "configmap",
      configMap: "ns/cfg",
    });
    const own = parseAnnotations(
      {
        annotations: {
          "nginx.ingress.kubernetes.io/ssl-redirect": "true",
          "nginx.ingress.kubernetes.io/proxy-body-size": "1k",
        },
      },
      settings,
    );
    expect([own.sslRedirect, own.redirectFrom.ssl, own.bodyLimit.from, own.bodyLimit.bytes]).to.deep.equal([
      true,
      "annotation",
      "annotation",
      1024,
    ]);
    const unreadable = parseAnnotations(
      { annotations: { "nginx.ingress.kubernetes.io/ssl-redirect": "yes" } },
      settings,
    );
    expect([unreadable.sslRedirect, unreadable.redirectFrom.ssl]).to.deep.equal([false, "configmap"]);
    const none = parseAnnotations({ annotations: {} });
    expect([none.sslRedirect, none.redirectFrom.ssl, none.bodyLimit.from]).to.deep.equal([true, "default", "default"]);
  });

  it("the hard case: no redirect where the ConfigMap turns it off, the annotation's where it is on, 413 over its 2m", () => {
    const topo = loadTopologySync("topologies/hard-cases/ingress-controller-flags.yaml");
    expect(topo.cluster.ingress.controllers.map((c) => [c.key, c.config.configMap])).to.deep.equal([
      ["Pod ingress-nginx/stock-controller-1", undefined],
      ["Pod internal-ingress/internal-controller-1", "internal-ingress/internal-controller"],
    ]);
    expect(topo.curl("http://app.example.com/").branches[0]!.http?.status).to.equal(200);
    const secure = topo.curl("http://secure.example.com/").branches[0]!;
    expect([secure.http?.status, secure.http?.location]).to.deep.equal([308, "https://secure.example.com"]);
    const big = topo.curl("http://app.example.com/", { method: "POST", headers: ["Content-Length: 3000000"] })
      .branches[0]!;
    expect(big.http?.status).to.equal(413);
    const check = big.hops.flatMap((h) => h.steps).find((s) => s.detail?.kind === "body-size");
    expect(check?.reason).to.equal(
      "Content-Length 3000000 bytes is over client_max_body_size 2097152 bytes (proxy-body-size 2m of ConfigMap " +
        "internal-ingress/internal-controller (no annotation)): 413 before the body is read",
    );
  });

  it("the ConfigMap's whitelist-source-range guards every location no annotation guards; its denylist likewise", () => {
    const text = readFileSync("topologies/hard-cases/ingress-controller-flags.yaml", "utf8").replace(
      '  proxy-read-timeout: "120"\n',
      '  proxy-read-timeout: "120"\n  whitelist-source-range: 10.0.0.0/8, 192.168.0.0/16\n',
    );
    const topo = loadTopologySync(text);
    const denied = topo.curl("http://app.example.com/").branches[0]!;
    expect(denied.http?.status).to.equal(403);
    const check = denied.hops.flatMap((h) => h.steps).find((s) => s.detail?.kind === "source-range");
    expect(check?.reason).to.equal(
      "remote_addr 198.51.100.10, the source nginx sees, is in no range of ConfigMap internal-ingress/internal-controller's " +
        "whitelist-source-range 10.0.0.0/8,192.168.0.0/16 (web/app sets none): deny all, 403",
    );
    // An Ingress's own allowlist replaces the ConfigMap's.
    const own = loadTopologySync(
      text.replace(
        "metadata: {name: app, namespace: web}\nspec:\n  ingressClassName: internal",
        "metadata:\n  name: app\n  namespace: web\n" +
          '  annotations: {nginx.ingress.kubernetes.io/whitelist-source-range: "198.51.100.0/24"}\n' +
          "spec:\n  ingressClassName: internal",
      ),
    );
    expect(own.curl("http://app.example.com/").branches[0]!.http?.status).to.equal(200);
    const unreadable = readControllerSettings({ "denylist-source-range": "10.0.0.0/8, nope" }, at, "ns/cfg");
    expect(unreadable.settings.values).to.deep.equal({});
    expect(unreadable.notes.map((d) => d.message)).to.deep.equal([
      'ConfigMap ns/cfg: denylist-source-range: "10.0.0.0/8, nope" is not a list of addresses and CIDRs: nginx ' +
        "refuses such a configuration; kubehop takes no list, and what nginx serves then is not known",
    ]);
  });

  it("use-forwarded-headers: X-Forwarded-Proto decides the redirect, X-Forwarded-For the client address the checks see", () => {
    const topo = loadTopologySync("topologies/hard-cases/ingress-controller-flags.yaml");
    const viaLb = topo.curl("http://secure.example.com/", { headers: ["X-Forwarded-Proto: https"] }).branches[0]!;
    expect(viaLb.http?.status).to.equal(200);
    expect(viaLb.http?.upstream?.headers).to.include({ "x-forwarded-proto": "https", "x-scheme": "https" });
    // What kept the redirect away is said at the route.
    const route = viaLb.hops.flatMap((h) => h.steps).find((s) => s.action === "HTTP_ROUTE")!;
    expect((route.detail as { considered?: string[] }).considered).to.deep.equal([
      "ssl-redirect: not applied, X-Forwarded-Proto is https (use-forwarded-headers): lua_ingress.lua redirects " +
        "only what came as plain http",
    ]);
    const text = readFileSync("topologies/hard-cases/ingress-controller-flags.yaml", "utf8").replace(
      '  use-forwarded-headers: "true"\n',
      '  use-forwarded-headers: "true"\n  whitelist-source-range: 203.0.113.0/24\n',
    );
    const guarded = loadTopologySync(text);
    // The connection comes from 198.51.100.10; the address nginx takes is X-Forwarded-For's first.
    expect(guarded.curl("http://app.example.com/").branches[0]!.http?.status).to.equal(403);
    const spoofed = guarded.curl("http://app.example.com/", { headers: ["X-Forwarded-For: 203.0.113.7, 10.1.2.3"] });
    expect(spoofed.branches[0]!.http?.status).to.equal(200);
    const check = spoofed.branches[0]!.hops.flatMap((h) => h.steps).find((s) => s.detail?.kind === "source-range");
    expect(check?.reason).to.match(
      /^remote_addr 203\.0\.113\.7, X-Forwarded-For's first address \(use-forwarded-headers\), passes /,
    );
    expect(spoofed.branches[0]!.http?.upstream?.headers).to.include({
      "x-real-ip": "203.0.113.7",
      "x-forwarded-for": "203.0.113.7",
      "x-original-forwarded-for": "203.0.113.7, 10.1.2.3",
    });
  });

  it("without use-forwarded-headers the X-Forwarded-* headers are the client's own, passed on as X-Original-*", () => {
    const conn = { scheme: "http", host: "a.example.com", src: 0xc6336410, dport: 80 };
    const headers = { "x-forwarded-proto": "https", "x-forwarded-for": "203.0.113.7", "x-forwarded-host": "b" };
    expect(forwarded({ ...conn, headers }, false, 443)).to.deep.equal({
      scheme: "http",
      host: "a.example.com",
      port: "80",
      remoteAddr: 0xc6336410,
    });
    expect(forwarded({ ...conn, headers }, true, 443)).to.include({
      scheme: "https",
      host: "b",
      remoteAddr: 0xcb007107,
    });
    // A list with what is not an IPv4 address is not taken: the connection's address stays.
    const odd = forwarded({ ...conn, headers: { "x-forwarded-for": "203.0.113.7, unknown" } }, true, 443);
    expect(odd.remoteAddr).to.equal(0xc6336410);
    expect(forwarded({ ...conn, dport: 8443, headers: {} }, false, 8443).port).to.equal("443");
  });

  it("two installs: each controller's pods serve what their own flags select, with their own ConfigMap", () => {
    const topo = loadTopologySync("topologies/hard-cases/ingress-controller-flags.yaml");
    expect(topo.cluster.ingress.controllers.map((c) => [c.key, c.served.map((s) => s.ingress.name)])).to.deep.equal([
      ["Pod ingress-nginx/stock-controller-1", ["stock"]],
      ["Pod internal-ingress/internal-controller-1", ["app", "classless", "secure"]],
    ]);
    // Every Ingress is some controller's: none is said to be not served.
    expect(topo.cluster.diagnostics.filter((d) => d.code === "ingress-not-served")).to.deep.equal([]);
    expect(topo.curl("http://stock.example.com/").branches[0]!.http?.status).to.equal(200);
    // The stock Ingress's host, sent to the internal controller: not one of its Ingresses.
    const elsewhere = topo.curl("http://app.example.com/", { headers: ["Host: stock.example.com"] }).branches[0]!;
    expect([elsewhere.http?.status, elsewhere.detail?.kind]).to.deep.equal([404, "controller-answer"]);
    // The stock controller has no ConfigMap: ssl-redirect stays on, but stock.example.com has no certificate.
    const big = topo.curl("http://stock.example.com/", { method: "POST", headers: ["Content-Length: 1500000"] });
    expect(big.branches[0]!.http?.status).to.equal(413);
  });

  it("an Ingress no install serves: each install's reason where they differ, one reason where they agree", () => {
    const text = readFileSync("topologies/hard-cases/ingress-controller-flags.yaml", "utf8");
    const legacy = text.replace(
      "metadata: {name: stock, namespace: web}\nspec:\n  ingressClassName: nginx",
      "metadata:\n  name: stock\n  namespace: web\n  annotations: {kubernetes.io/ingress.class: other}\nspec:",
    );
    expect(legacy).to.not.equal(text);
    expect(loadTopologySync(legacy).cluster.ingress.ignored.map((i) => i.reason)).to.deep.equal([
      "Pod ingress-nginx/stock-controller-1: Ingress web/stock is of class other (annotation " +
        'kubernetes.io/ingress.class), which no controller here serves: ingress-nginx accepts only "nginx"; ' +
        "Pod internal-ingress/internal-controller-1: Ingress web/stock is of class other (annotation " +
        'kubernetes.io/ingress.class), which no controller here serves: ingress-nginx accepts only "internal"',
    ]);
    const missing = loadTopologySync(text.replace("ingressClassName: nginx", "ingressClassName: traefik"));
    expect(missing.cluster.ingress.ignored.map((i) => i.reason)).to.deep.equal([
      "Ingress web/stock is of class traefik, which no controller here serves: there is no IngressClass named traefik",
    ]);
  });

  it("pods of one install name one ConfigMap: it is read, and what it holds said, once", () => {
    const text = readFileSync("topologies/hard-cases/ingress-controller-flags.yaml", "utf8").replace(
      '  use-forwarded-headers: "true"\n',
      '  use-forwarded-headers: "true"\n  compute-full-forwarded-for: "true"\n',
    );
    const start = text.indexOf("apiVersion: v1\nkind: Pod\nmetadata:\n  name: internal-controller-1");
    const pod = text
      .slice(start, text.indexOf("---\n", start))
      .replace("internal-controller-1", "internal-controller-2");
    const topo = loadTopologySync(`${text}---\n${pod}`);
    expect(topo.cluster.ingress.controllers.map((c) => c.key)).to.include("Pod internal-ingress/internal-controller-2");
    expect(
      topo.cluster.diagnostics.filter((d) => d.code === "ingress-configmap-key").map((d) => d.message),
    ).to.deep.equal([
      "ConfigMap internal-ingress/internal-controller: compute-full-forwarded-for is not simulated: a trace takes " +
        "ingress-nginx's default for it",
    ]);
  });
});
