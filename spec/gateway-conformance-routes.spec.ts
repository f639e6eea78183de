// The Gateway API conformance suite's HTTPRoute/GRPCRoute tests of attachment and listeners that
// the first transcription left out, transcribed (kubernetes-sigs/gateway-api at
// 4564255ac2c35d582249b3cdf261bdf51c8bca32, conformance/tests/<file>.go and its .yaml; see
// spec/fixtures/gateway-conformance/SOURCES.md): one route, named rules, omitted backendRefs,
// listeners by port, a route on two Gateways, backendRef header modifiers with weights, HTTPS
// listeners and misdirected requests, and Service types.
import { expect } from "chai";
import { describe, it } from "mocha";
import { headerValue } from "../lib/gateway/matching.ts";
import { routeGatewayRequest } from "../lib/gateway/router.ts";
import { check, conformanceState, type Expected, gatewayAndRoutesMustBeAccepted, INFRA } from "./gateway-support.ts";

const V1 = "infra-backend-v1";
const V2 = "infra-backend-v2";
const V3 = "infra-backend-v3";

interface Table {
  readonly test: string;
  readonly file: string;
  readonly gateway: string;
  /** Routes GatewayAndHTTPRoutesMustBeAccepted waits for. */
  readonly routes: readonly string[];
  readonly cases: readonly Expected[];
}

const GRPC = "/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho";
const g = (method: string) => ({ path: `${GRPC}/${method}`, method: "POST", grpc: true });
// tls.MakeTLSRequest...: the server name and the Host are the test's, on the https listeners' port.
const tls = (sni: string, host: string, path = "/") => ({ port: 443, scheme: "https" as const, sni, host, path });
const MISDIRECTED = "/detect-misdirected-requests";

const TABLES: readonly Table[] = [
  {
    test: "HTTPRouteSimpleSameNamespace",
    file: "httproute-simple-same-namespace",
    gateway: "same-namespace",
    routes: ["gateway-conformance-infra-test"],
    cases: [{ req: { path: "/" }, backend: V1 }],
  },
  {
    // The test asks for 200 only; the backends are the manifest's.
    test: "HTTPRouteNamedRule",
    file: "httproute-named-rule",
    gateway: "same-namespace",
    routes: ["http-named-rules"],
    cases: [
      { req: { path: "/named" }, backend: V1 },
      { req: { path: "/unnamed" }, backend: V2 },
    ],
  },
  {
    test: "GRPCRouteNamedRule",
    file: "grpcroute-named-rule",
    gateway: "same-namespace",
    routes: [],
    cases: [
      { req: g("Echo"), backend: "grpc-infra-backend-v1" },
      { req: g("EchoTwo"), backend: "grpc-infra-backend-v2" },
    ],
  },
  {
    test: "HTTPRouteNoBackendRefs",
    file: "httproute-omitted-backendrefs",
    gateway: "same-namespace",
    routes: ["omitted-backendrefs"],
    cases: [
      { req: { path: "/forward" }, backend: V1 },
      { req: { path: "/omitted-no-forward" }, status: 500 },
      { req: { path: "/empty-no-forward" }, status: 500 },
    ],
  },
  {
    test: "HTTPRouteListenerPortMatching",
    file: "httproute-listener-port-matching",
    gateway: "httproute-listener-port-matching",
    routes: [],
    cases: [
      { req: { host: "foo.com", path: "/" }, backend: V1 },
      { req: { host: "foo.com:8080", port: 8080, path: "/" }, backend: V2 },
      { req: { host: "bar.com:8080", port: 8080, path: "/" }, backend: V2 },
      { req: { host: "foo.com:8090", port: 8090, path: "/" }, backend: V3 },
      { req: { host: "bar.com:8090", port: 8090, path: "/" }, status: 404 },
    ],
  },
  {
    test: "HTTPRouteMultipleGateways (Gateway same-namespace)",
    file: "httproute-multiple-gateways",
    gateway: "same-namespace",
    routes: ["multiple-gateways-shared-route", "same-namespace-dedicated-route"],
    cases: [
      { req: { path: "/shared" }, backend: V1 },
      { req: { path: "/" }, backend: V2 },
    ],
  },
  {
    test: "HTTPRouteMultipleGateways (Gateway all-namespaces)",
    file: "httproute-multiple-gateways",
    gateway: "all-namespaces",
    routes: ["multiple-gateways-shared-route", "all-namespaces-dedicated-route"],
    cases: [
      { req: { path: "/shared" }, backend: V1 },
      { req: { path: "/" }, backend: V3 },
    ],
  },
  {
    test: "HTTPRouteHTTPSListener",
    file: "httproute-https-listener",
    gateway: "same-namespace-with-https-listener",
    routes: ["httproute-https-test", "httproute-https-test-no-hostname"],
    cases: [
      { req: tls("example.org", "example.org"), backend: V1 },
      { req: tls("unknown-example.org", "unknown-example.org"), status: 404 },
      { req: tls("second-example.org", "second-example.org"), backend: V2 },
    ],
  },
  {
    test: "HTTPRouteHTTPSListenerDetectMisdirectedRequests",
    file: "httproute-https-listener-detect-misdirected-requests",
    gateway: "same-namespace-with-https-listener",
    routes: [1, 2, 3, 4].map((i) => `https-listener-detect-misdirected-requests-test-${i}`),
    cases: [
      { req: tls("example.org", "example.org", MISDIRECTED), backend: V1 },
      { req: tls("example.org", "second-example.org", MISDIRECTED), status: 421 },
      { req: tls("example.org", "unknown-example.org", MISDIRECTED), status: 404 },
      { req: tls("second-example.org", "second-example.org", MISDIRECTED), backend: V2 },
      { req: tls("second-example.org", "example.org", MISDIRECTED), status: 421 },
      { req: tls("second-example.org", "unknown-example.org", MISDIRECTED), status: 421 },
      { req: tls("third-example.wildcard.org", "third-example.wildcard.org", MISDIRECTED), backend: V3 },
      { req: tls("third-example.wildcard.org", "fith-example.wildcard.org", MISDIRECTED), backend: V3 },
      { req: tls("third-example.wildcard.org", "fourth-example.wildcard.org", MISDIRECTED), status: 421 },
      { req: tls("third-example.wildcard.org", "second-example.org", MISDIRECTED), status: 421 },
      { req: tls("third-example.wildcard.org", "unknown-example.org", MISDIRECTED), status: 421 },
      { req: tls("fourth-example.wildcard.org", "fourth-example.wildcard.org", MISDIRECTED), backend: V1 },
      { req: tls("fourth-example.wildcard.org", "fith-example.wildcard.org", MISDIRECTED), status: 421 },
      { req: tls("unknown-example.org", "example.org", MISDIRECTED), backend: V1 },
      { req: tls("unknown-example.org", "unknown-example.org", MISDIRECTED), status: 404 },
    ],
  },
  {
    // The test expects infra-backend-v1's pods behind each Service (it fills the manual
    // EndpointSlices with their IPs at run time); routing is checked here to each Service, whose
    // endpoints the data path then picks. Only the IPv4 EndpointSlices are transcribed.
    test: "HTTPRouteServiceTypes",
    file: "httproute-service-types",
    gateway: "same-namespace",
    routes: ["service-types"],
    cases: ["manual-endpointslices", "headless", "headless-manual-endpointslices"].map((s) => ({
      req: { path: `/${s}` },
      backend: s,
    })),
  },
];

for (const t of TABLES) {
  describe(`conformance ${t.test} (conformance/tests/${t.file}.go)`, () => {
    const state = conformanceState(`${t.file}.yaml`);
    if (t.routes.length > 0)
      it("the Gateway and its routes are accepted", () =>
        gatewayAndRoutesMustBeAccepted(state, `${INFRA}/${t.gateway}`, ...t.routes.map((r) => `${INFRA}/${r}`)));
    t.cases.forEach((c, i) => {
      const sni = c.req.sni ? `(SNI ${c.req.sni}) ` : "";
      it(`case ${i}: ${c.req.method ?? "GET"} ${sni}${c.req.host ?? ""}${c.req.path} -> ${c.backend ?? c.status}`, () =>
        check(state, t.gateway, c));
    });
  });
}

describe("conformance HTTPRouteNamedRule: the rule's name in the answer", () => {
  it("names the rule that has a name, and only the index of the one that has none", () => {
    const state = conformanceState("httproute-named-rule.yaml");
    const at = (path: string) =>
      routeGatewayRequest(state, { gateway: `${INFRA}/same-namespace`, port: 80, host: "x", method: "GET", path }).rule;
    expect(at("/named")).to.deep.equal({ index: 0, name: "named-rule" });
    expect(at("/unnamed")).to.deep.equal({ index: 1 });
  });
});

describe("conformance HTTPRouteRequestHeaderModifierBackendWeights (conformance/tests/httproute-request-header-modifier-backend-weights.go)", () => {
  const state = conformanceState("httproute-request-header-modifier-backend-weights.yaml");
  it("the route is accepted", () =>
    gatewayAndRoutesMustBeAccepted(
      state,
      `${INFRA}/same-namespace`,
      `${INFRA}/request-header-modifier-backend-weights`,
    ));
  // The test sends 100 requests and expects each pod to have received Backend: <its own Service>.
  it("GET / splits half and half, each backend receiving its own Backend header", () => {
    const r = routeGatewayRequest(state, {
      gateway: `${INFRA}/same-namespace`,
      port: 80,
      host: "example.com",
      method: "GET",
      path: "/",
    });
    expect(r.branches.map((b) => [b.backend?.service, b.probability])).to.deep.equal([
      [V1, 0.5],
      [V2, 0.5],
    ]);
    for (const b of r.branches) expect(headerValue(b.upstream?.headers ?? {}, "Backend")).to.equal(b.backend?.service);
  });
});
