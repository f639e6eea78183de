// kubehop curl, issue 4: what ingress-nginx answers itself (404, 503, 308 and -L), TLS without a
// certificate for the host (-k), an Ingress of a class no controller serves, and service-upstream.
import { expect } from "chai";
import { loadTopologySync, type Topology } from "../lib/topology.ts";
import { RequestError } from "../lib/trace/request.ts";
import type { Branch, Step, Trace } from "../lib/trace/types.ts";
import { formatDiagnostic } from "../lib/model/diagnostic.ts";

let topo: Topology;
/** Loaded once, by the first suite that runs (each top-level suite's before hook asks for it). */
function loadTopology(): void {
  topo ??= loadTopologySync("spec/fixtures/topologies/curl-failures.yaml");
}
type At = Step & { at: string; segment: number | undefined };
const steps = (b: { hops: Branch["hops"] }): At[] =>
  b.hops.flatMap((h) => h.steps.map((s) => ({ ...s, at: h.location, segment: h.segment })));
const CONTROLLER_POD = /^pod\/ingress-nginx\/ingress-nginx-controller-[a-z0-9]+-[a-z0-9]+$/;
const CONTROLLER = "ingress-nginx/ingress-nginx-controller-ddhqx7cpvc-x5j98";

function only(t: Trace): Branch {
  expect(t.branches).to.have.length(1);
  expect(t.branches[0]!.probability).to.equal(1);
  return t.branches[0]!;
}

/** The controller answered: the last request step is at its pod, and the reply goes back to the client. */
function expectAnsweredByController(b: Branch, action: string) {
  const last = steps(b).at(-1)!;
  expect(last.at).to.equal(`pod/${CONTROLLER}`);
  expect(last.action).to.equal(action);
  expect(
    b.hops.map((h) => h.segment).filter((s) => s !== undefined),
    "a single connection: no segments",
  ).to.deep.equal([]);
  expect(steps(b).some((s) => s.type === "proxy")).to.equal(false);
  expect(b.reply!.disposition).to.equal("DELIVERED");
  expect(b.reply!.reason).to.equal("reply delivered to client client");
}

describe("curl: 404 from the controller's default backend", () => {
  before(loadTopology);

  it("a path no rule of the host matches (and no defaultBackend): HTTP_404, answered by the controller pod", () => {
    const b = only(topo.curl("https://store.example.com/nothing"));
    expect(b.disposition).to.equal("HTTP_404");
    expect(b.reason).to.equal(
      `HTTP 404 from ingress-nginx in pod ${CONTROLLER}: no Ingress rule matches: the controller's default backend answers 404`,
    );
    expect(b.http).to.deep.equal({ status: 404, host: "store.example.com", clientIP: "198.51.100.10" });
    expectAnsweredByController(b, "HTTP_404");
  });
});

describe("curl: 503", () => {
  before(loadTopology);

  it("the backend Service has no ready endpoints", () => {
    const b = only(topo.curl("https://store.example.com/empty/x"));
    expect(b.disposition).to.equal("HTTP_503");
    expect(b.reason).to.equal(
      `HTTP 503 from ingress-nginx in pod ${CONTROLLER}: Service store/empty has no ready endpoint for port http: 503 Service Temporarily Unavailable`,
    );
    expect(b.http).to.deep.equal({
      status: 503,
      host: "store.example.com",
      clientIP: "198.51.100.10",
      ingress: "store/store",
      path: "/empty",
      pathType: "Prefix",
      backend: { service: "empty", port: 80 },
    });
    expectAnsweredByController(b, "HTTP_503");
  });

  it("the backend Service does not exist", () => {
    const b = only(topo.curl("https://store.example.com/ghost"));
    expect(b.disposition).to.equal("HTTP_503");
    expect(b.reason).to.equal(
      `HTTP 503 from ingress-nginx in pod ${CONTROLLER}: Service store/ghost does not exist: 503`,
    );
    expect(b.http).to.include({ status: 503, ingress: "store/store", path: "/ghost" });
    expect(b.http).to.not.have.property("pod");
    expectAnsweredByController(b, "HTTP_503");
  });
});

describe("curl: 308 to https, and -L", () => {
  before(loadTopology);

  it("a host with a tls section over http gets 308 with the https Location, and no backend is contacted", () => {
    const t = topo.curl("http://store.example.com/shop/cart?id=7");
    const b = only(t);
    expect(b.disposition).to.equal("HTTP_RESPONSE");
    expect(b.http).to.deep.equal({
      status: 308,
      host: "store.example.com",
      clientIP: "198.51.100.10",
      location: "https://store.example.com/shop/cart?id=7",
      ingress: "store/store",
    });
    expectAnsweredByController(b, "HTTP_308");
    expect(t.followed).to.equal(undefined);
  });

  it("with follow (-L) the request after it is traced too, over https to the pod", () => {
    const t = topo.curl("http://store.example.com/shop/cart", { follow: true });
    expect(only(t).http!.status).to.equal(308);
    expect(t.followed).to.have.length(1);
    const next = t.followed![0]!;
    expect(next.request.http).to.include({
      url: "https://store.example.com/shop/cart",
      scheme: "https",
      path: "/shop/cart",
    });
    expect(next.request.dport).to.equal(443);
    const b = only(next);
    expect(b.disposition).to.equal("HTTP_RESPONSE");
    expect(b.http).to.include({ status: 200, ingress: "store/store", path: "/shop", pathType: "Prefix" });
    expect(b.http!.backend).to.deep.equal({ service: "shop", port: "http" });
    expect(b.http!.pod).to.match(/^store\/shop-[a-z0-9]+-[a-z0-9]+$/);
    const tls = steps(b).find((s) => s.action === "TLS")!;
    expect(tls.at).to.match(CONTROLLER_POD);
    expect(tls.reason).to.match(/^TLS ends here with the certificate of Secret store\/store-tls /);
    expect(steps(b).find((s) => s.action === "HTTP_200")!.at).to.equal(`pod/${b.http!.pod}`);
    // The LB listener for 443 takes it to the https NodePort.
    expect(steps(b).find((s) => s.at === "lb/edge" && s.action === "NAT")!.after).to.include({
      dst: "192.168.10.11:30443",
    });
    expect(b.reply!.disposition).to.equal("DELIVERED");
  });
});

describe("curl: https to a host without a certificate", () => {
  before(loadTopology);

  it("without -k: TLS_CERT_UNTRUSTED at the controller, no HTTP exchange, no reply", () => {
    const b = only(topo.curl("https://plain.example.com/"));
    expect(b.disposition).to.equal("TLS_CERT_UNTRUSTED");
    expect(b.reason).to.equal(
      `curl rejects the certificate ingress-nginx in pod ${CONTROLLER} presents for plain.example.com (use -k to accept it)`,
    );
    const last = steps(b).at(-1)!;
    expect(last.at).to.equal(`pod/${CONTROLLER}`);
    expect(last.action).to.equal("TLS_UNTRUSTED");
    expect(last.reason).to.contain(
      '"Kubernetes Ingress Controller Fake Certificate" (no Ingress has a tls section for plain.example.com)',
    );
    expect(b.http).to.equal(undefined);
    expect(b.reply).to.equal(undefined);
  });

  it("with -k: the fake certificate is accepted and the request is served", () => {
    const b = only(topo.curl("https://plain.example.com/", { insecure: true }));
    expect(b.disposition).to.equal("HTTP_RESPONSE");
    expect(b.http).to.include({ status: 200, ingress: "store/plain", clientIP: "198.51.100.10" });
    expect(steps(b).find((s) => s.action === "TLS")!.reason).to.match(/Fake Certificate.*; accepted because of -k$/);
    expect(b.reply!.disposition).to.equal("DELIVERED");
  });
});

describe("curl: SNI picks the certificate, Host picks the route", () => {
  before(loadTopology);

  it("https to a TLS host with -H Host of a host without TLS: the Secret's certificate verifies, the Host's rule answers", () => {
    const b = only(topo.curl("https://store.example.com/", { headers: ["Host: plain.example.com"] }));
    expect(b.disposition).to.equal("HTTP_RESPONSE");
    expect(steps(b).find((s) => s.action === "TLS")!.reason).to.match(
      /^TLS ends here with the certificate of Secret store\/store-tls /,
    );
    expect(b.http).to.include({ status: 200, ingress: "store/plain", host: "plain.example.com" });
  });

  it("the reverse: the URL's host has no certificate, so curl rejects it even though Host names a TLS host", () => {
    const b = only(topo.curl("https://plain.example.com/shop", { headers: ["Host: store.example.com"] }));
    expect(b.disposition).to.equal("TLS_CERT_UNTRUSTED");
    expect(b.reason).to.equal(
      `curl rejects the certificate ingress-nginx in pod ${CONTROLLER} presents for plain.example.com (use -k to accept it)`,
    );
  });
});

describe("curl: an Ingress of a class no controller serves", () => {
  before(loadTopology);

  const warning =
    "spec/fixtures/topologies/curl-failures.yaml:119:1: warning[ingress-not-served]: Ingress store/foreign is of class traefik, which no controller here serves: IngressClass traefik names controller traefik.io/ingress-controller, not k8s.io/ingress-nginx";

  it("is named in trace.diagnostics", () => {
    expect(topo.curl("https://store.example.com/shop").diagnostics.map(formatDiagnostic)).to.include(warning);
  });

  it("its host gets no DNS name, so curl fails to resolve it with a clear RequestError", () => {
    expect(() => topo.curl("http://foreign.example.com/")).to.throw(
      RequestError,
      "could not resolve host foreign.example.com: not in the Topology's DNS zone, and no Ingress serves it (Ingress store/foreign is of class traefik, which no controller here serves: IngressClass traefik names controller traefik.io/ingress-controller, not k8s.io/ingress-nginx); use --resolve foreign.example.com:80:ADDR",
    );
  });

  it("sent to the VIP anyway (--resolve), ingress-nginx ignores the Ingress: its default backend answers 404", () => {
    const b = only(topo.curl("http://foreign.example.com/", { resolve: ["foreign.example.com:80:203.0.113.10"] }));
    expect(b.disposition).to.equal("HTTP_404");
    expect(b.http).to.deep.equal({ status: 404, host: "foreign.example.com", clientIP: "198.51.100.10" });
    expect(steps(b).find((s) => s.action === "HTTP_ROUTE")!.reason).to.match(
      /^host foreign\.example\.com matched no Ingress host, so the catch-all server answers/,
    );
  });
});

describe("curl: the service-upstream annotation", () => {
  before(loadTopology);

  it("sends the controller's connection to the ClusterIP, and kube-proxy DNATs it on the controller's node", () => {
    const b = only(topo.curl("http://upstream.example.com/"));
    expect(b.disposition).to.equal("HTTP_RESPONSE");
    expect(b.http).to.include({ status: 200, ingress: "store/upstream" });
    expect(b.http!.pod).to.match(/^store\/shop-/);
    const proxied = steps(b).find((s) => s.type === "proxy")!;
    expect(proxied.reason).to.match(
      /^service-upstream: to the ClusterIP 10\.96\.\d+\.\d+:80, kube-proxy picks the pod; a new connection from the controller's pod IP 10\.244\.0\.2$/,
    );
    const clusterIP = /ClusterIP (10\.96\.\d+\.\d+):80/.exec(proxied.reason)![1];
    expect(proxied.after).to.include({ src: "10.244.0.2:41000", dst: `${clusterIP}:80` });
    const dnat = steps(b).filter((s) => s.type === "dnat" && s.segment === 2);
    expect(dnat).to.have.length(1);
    expect(dnat[0]!.at).to.equal("node-1");
    expect(dnat[0]!.reason).to.match(
      /^nat PREROUTING > KUBE-SERVICES > KUBE-SVC-[A-Z0-9]{16} > KUBE-SEP-[A-Z0-9]{16}: DNAT to 10\.244\.1\.2:8080 \(rule \d+\)$/,
    );
    expect(dnat[0]!.before).to.include({ dst: `${clusterIP}:80` });
    expect(b.choices).to.deep.equal([
      "source-hash of 198.51.100.10 picks node-1",
      `service-upstream: to the ClusterIP ${clusterIP}:80, kube-proxy picks the pod`,
    ]);
    expect(b.reply!.disposition).to.equal("DELIVERED");
  });

  it("without it the controller connects to the pod IP directly: no kube-proxy DNAT on the second connection", () => {
    const b = only(topo.curl("https://store.example.com/shop"));
    expect(steps(b).find((s) => s.type === "proxy")!.after).to.include({ dst: "10.244.1.2:8080" });
    expect(steps(b).filter((s) => s.type === "dnat" && s.segment === 2)).to.deep.equal([]);
  });
});

describe("curl: the controller's port decides TLS, not the URL's scheme alone", () => {
  before(loadTopology);

  it("plain http to the https port: nginx answers 400 itself, before any Ingress rule", () => {
    const b = only(topo.curl("http://store.example.com:443/shop"));
    expect(b.disposition).to.equal("HTTP_400");
    expect(b.http).to.include({ status: 400, host: "store.example.com" });
    expect(b.http!.ingress).to.equal(undefined);
    expect(b.detail).to.deep.include({ kind: "controller-answer", cause: "plain-http-to-tls-port", port: 443 });
    expect(b.reason).to.match(/port 443 speaks TLS and curl sent plain HTTP: 400 .*sent to HTTPS port/);
    expect(steps(b).some((s) => s.action === "HTTP_ROUTE")).to.equal(false);
  });

  it("https to the plain port: the TLS handshake fails, no HTTP exchange, no reply", () => {
    const b = only(topo.curl("https://store.example.com:80/shop"));
    expect(b.disposition).to.equal("TLS_HANDSHAKE_FAILED");
    expect(b.detail).to.deep.include({ kind: "tls-refused", port: 80, sni: "store.example.com" });
    expect(b.reason).to.contain("port 80 speaks plain HTTP");
    expect(steps(b).at(-1)!.action).to.equal("TLS_HANDSHAKE_FAILED");
    expect(b.http).to.equal(undefined);
    expect(b.reply).to.equal(undefined);
  });

  it("the matching schemes still route: http on 80 redirects to https, https on 443 reaches the backend", () => {
    expect(only(topo.curl("http://store.example.com/shop")).http).to.include({ status: 308 });
    expect(only(topo.curl("https://store.example.com/shop")).http).to.include({ status: 200 });
  });
});
