// The Gateway API conformance suite's matching tests, transcribed (kubernetes-sigs/gateway-api at
// 4564255ac2c35d582249b3cdf261bdf51c8bca32, conformance/tests/<file>.go and its .yaml; see
// spec/fixtures/gateway-conformance/SOURCES.md): each request the test sends and the backend or
// status it expects.
import { describe, it } from "mocha";
import { check, conformanceState, type Expected } from "./gateway-support.ts";

const V1 = "infra-backend-v1";
const V2 = "infra-backend-v2";
const V3 = "infra-backend-v3";
const p = (path: string, extra: Partial<Expected["req"]> = {}) => ({ path, ...extra });
const h = (headers: Record<string, string>, path = "/") => ({ path, headers });

interface Table {
  readonly test: string;
  readonly file: string;
  readonly gateway: string;
  readonly cases: readonly Expected[];
}

const TABLES: readonly Table[] = [
  {
    test: "HTTPRouteExactPathMatching",
    file: "httproute-exact-path-matching",
    gateway: "same-namespace",
    cases: [
      { req: p("/one"), backend: V1 },
      { req: p("/two"), backend: V2 },
      { req: p("/"), status: 404 },
      { req: p("/one/example"), status: 404 },
      { req: p("/two/"), status: 404 },
      { req: p("/Two"), status: 404 },
    ],
  },
  {
    test: "HTTPRouteMatching",
    file: "httproute-matching",
    gateway: "same-namespace",
    cases: [
      { req: p("/"), backend: V1 },
      { req: p("/example"), backend: V1 },
      { req: h({ Version: "one" }), backend: V1 },
      { req: p("/v2"), backend: V2 },
      { req: p("/v2/example"), backend: V2 },
      { req: h({ Version: "two" }), backend: V2 },
      { req: p("/v2/"), backend: V2 },
      { req: p("/v2example"), backend: V1 },
      { req: p("/foo/v2/example"), backend: V1 },
    ],
  },
  {
    test: "HTTPRouteMatchingAcrossRoutes",
    file: "httproute-matching-across-routes",
    gateway: "same-namespace",
    cases: [
      { req: p("/", { host: "example.com" }), backend: V1 },
      { req: p("/example", { host: "example.com" }), backend: V1 },
      { req: p("/example", { host: "example.net" }), backend: V1 },
      { req: p("/example", { host: "example.com", headers: { Version: "one" } }), backend: V1 },
      { req: p("/v2", { host: "example.com" }), backend: V2 },
      { req: p("/v2", { host: "example.net" }), backend: V1 },
      { req: p("/v2/example", { host: "example.com" }), backend: V2 },
      { req: p("/", { host: "example.com", headers: { Version: "two" } }), backend: V2 },
    ],
  },
  {
    test: "HTTPRouteHostnameIntersection",
    file: "httproute-hostname-intersection",
    gateway: "httproute-hostname-intersection",
    cases: [
      { req: p("/s1", { host: "very.specific.com" }), backend: V1 },
      { req: p("/s1", { host: "very.specific.com:1234" }), backend: V1 },
      { req: p("/s1", { host: "non.matching.com" }), status: 404 },
      { req: p("/s1", { host: "foo.nonmatchingwildcard.io" }), status: 404 },
      { req: p("/s1", { host: "foo.wildcard.io" }), status: 404 },
      { req: p("/non-matching-prefix", { host: "very.specific.com" }), status: 404 },
      { req: p("/s2", { host: "foo.wildcard.io" }), backend: V2 },
      { req: p("/s2", { host: "bar.wildcard.io" }), backend: V2 },
      { req: p("/s2", { host: "foo.bar.wildcard.io" }), backend: V2 },
      { req: p("/s2", { host: "non.matching.com" }), status: 404 },
      { req: p("/s2", { host: "wildcard.io" }), status: 404 },
      { req: p("/s2", { host: "very.specific.com" }), status: 404 },
      { req: p("/non-matching-prefix", { host: "foo.wildcard.io" }), status: 404 },
      { req: p("/s3", { host: "very.specific.com" }), backend: V3 },
      { req: p("/s3", { host: "non.matching.com" }), status: 404 },
      { req: p("/s3", { host: "foo.specific.com" }), status: 404 },
      { req: p("/s3", { host: "foo.wildcard.io" }), status: 404 },
      { req: p("/s4", { host: "foo.anotherwildcard.io" }), backend: V1 },
      { req: p("/s4", { host: "bar.anotherwildcard.io" }), backend: V1 },
      { req: p("/s4", { host: "foo.bar.anotherwildcard.io" }), backend: V1 },
      { req: p("/s4", { host: "anotherwildcard.io" }), status: 404 },
      { req: p("/s4", { host: "foo.wildcard.io" }), status: 404 },
      { req: p("/s4", { host: "very.specific.com" }), status: 404 },
      { req: p("/non-matching-prefix", { host: "foo.anotherwildcard.io" }), status: 404 },
      { req: p("/s5", { host: "specific.but.wrong.com" }), status: 404 },
      { req: p("/s5", { host: "wildcard.io" }), status: 404 },
    ],
  },
  {
    test: "HTTPRouteListenerHostnameMatching",
    file: "httproute-listener-hostname-matching",
    gateway: "httproute-listener-hostname-matching",
    cases: [
      { req: p("/", { host: "bar.com" }), backend: V1 },
      { req: p("/", { host: "foo.bar.com" }), backend: V2 },
      { req: p("/", { host: "baz.bar.com" }), backend: V3 },
      { req: p("/", { host: "boo.bar.com" }), backend: V3 },
      { req: p("/", { host: "multiple.prefixes.bar.com" }), backend: V3 },
      { req: p("/", { host: "multiple.prefixes.foo.com" }), backend: V3 },
      { req: p("/", { host: "foo.com" }), status: 404 },
      { req: p("/", { host: "no.matching.host" }), status: 404 },
    ],
  },
  {
    test: "HTTPRouteHeaderMatching",
    file: "httproute-header-matching",
    gateway: "same-namespace",
    cases: [
      { req: h({ Version: "one" }), backend: V1 },
      { req: h({ Version: "two" }), backend: V2 },
      { req: h({ Version: "two", Color: "orange" }), backend: V1 },
      { req: h({ Version: "two", Color: "blue" }), backend: V2 },
      { req: h({ Color: "orange" }), status: 404 },
      { req: h({ "Some-Other-Header": "one" }), status: 404 },
      { req: h({ Color: "blue" }), backend: V1 },
      { req: h({ Color: "green" }), backend: V1 },
      { req: h({ Color: "red" }), backend: V2 },
      { req: h({ Color: "yellow" }), backend: V2 },
      { req: h({ Color: "purple" }), status: 404 },
    ],
  },
  {
    test: "HTTPRouteQueryParamMatching",
    file: "httproute-query-param-matching",
    gateway: "same-namespace",
    cases: [
      { req: p("/?animal=whale"), backend: V1 },
      { req: p("/?animal=dolphin"), backend: V2 },
      { req: p("/?animal=dolphin&color=blue"), backend: V3 },
      { req: p("/?ANIMAL=Whale"), backend: V3 },
      { req: p("/?animal=whale&otherparam=irrelevant"), backend: V1 },
      { req: p("/?animal=dolphin&color=yellow"), backend: V2 },
      { req: p("/?color=blue"), status: 404 },
      { req: p("/?animal=dog"), status: 404 },
      { req: p("/?animal=whaledolphin"), status: 404 },
      { req: p("/"), status: 404 },
      { req: p("/path1?animal=whale"), backend: V1 },
      { req: h({ version: "one" }, "/?animal=whale"), backend: V2 },
      { req: h({ version: "two" }, "/path2?animal=whale"), backend: V3 },
      { req: p("/path3?animal=shark"), backend: V1 },
      { req: h({ version: "three" }, "/path4?animal=kraken"), backend: V1 },
      { req: p("/?animal=shark"), status: 404 },
      { req: p("/path4?animal=kraken"), status: 404 },
      { req: p("/path5?animal=hydra"), backend: V1 },
      { req: h({ version: "four" }, "/?animal=hydra"), backend: V3 },
    ],
  },
  {
    test: "HTTPRouteMethodMatching",
    file: "httproute-method-matching",
    gateway: "same-namespace",
    cases: [
      { req: p("/", { method: "POST" }), backend: V1 },
      { req: p("/", { method: "GET" }), backend: V2 },
      { req: p("/", { method: "HEAD" }), status: 404 },
      { req: p("/path1", { method: "GET" }), backend: V1 },
      { req: p("/", { method: "PUT", headers: { version: "one" } }), backend: V2 },
      { req: p("/path2", { method: "POST", headers: { version: "two" } }), backend: V3 },
      { req: p("/path3", { method: "PATCH" }), backend: V1 },
      { req: p("/path4", { method: "DELETE", headers: { version: "three" } }), backend: V1 },
      { req: p("/", { method: "PUT" }), status: 404 },
      { req: p("/path4", { method: "DELETE" }), status: 404 },
      { req: p("/path5", { method: "PATCH" }), backend: V1 },
      { req: p("/", { method: "PATCH", headers: { version: "four" } }), backend: V2 },
    ],
  },
  {
    test: "HTTPRoutePathMatchOrder",
    file: "httproute-path-match-order",
    gateway: "same-namespace",
    cases: [
      { req: p("/match/exact/one"), backend: V3 },
      { req: p("/match/exact"), backend: V2 },
      { req: p("/match"), backend: V1 },
      { req: p("/match/prefix/one/any"), backend: V2 },
      { req: p("/match/prefix/any"), backend: V1 },
      { req: p("/match/any"), backend: V3 },
    ],
  },
];

const GRPC = "/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho";
const g = (method: string, extra: Partial<Expected["req"]> = {}) => ({
  path: `${GRPC}/${method}`,
  method: "POST",
  grpc: true,
  ...extra,
});
const G1 = "grpc-infra-backend-v1";
const G2 = "grpc-infra-backend-v2";
const G3 = "grpc-infra-backend-v3";

const GRPC_TABLES: readonly Table[] = [
  {
    test: "GRPCRouteExactMethodMatching",
    file: "grpcroute-exact-method-matching",
    gateway: "same-namespace",
    cases: [
      { req: g("Echo"), backend: G1 },
      { req: g("EchoTwo"), backend: G2 },
      { req: g("EchoThree"), status: 404 },
    ],
  },
  {
    test: "GRPCRouteHeaderMatching",
    file: "grpcroute-header-matching",
    gateway: "same-namespace",
    cases: [
      { req: g("Echo", { headers: { Version: "one" } }), backend: G1 },
      { req: g("Echo", { headers: { Version: "two" } }), backend: G2 },
      { req: g("Echo", { headers: { Version: "two", Color: "orange" } }), backend: G1 },
      { req: g("Echo", { headers: { Version: "two", Color: "blue" } }), backend: G2 },
      { req: g("Echo", { headers: { Color: "orange" } }), status: 404 },
      { req: g("Echo", { headers: { "Some-Other-Header": "one" } }), status: 404 },
      { req: g("Echo", { headers: { Color: "blue" } }), backend: G1 },
      { req: g("Echo", { headers: { Color: "green" } }), backend: G1 },
      { req: g("Echo", { headers: { Color: "red" } }), backend: G2 },
      { req: g("Echo", { headers: { Color: "yellow" } }), backend: G2 },
      { req: g("Echo", { headers: { Color: "purple" } }), status: 404 },
    ],
  },
  {
    test: "GRPCRouteListenerHostnameMatching",
    file: "grpcroute-listener-hostname-matching",
    gateway: "grpcroute-listener-hostname-matching",
    cases: [
      { req: g("Echo", { host: "bar.com" }), backend: G1 },
      { req: g("Echo", { host: "foo.bar.com" }), backend: G2 },
      { req: g("Echo", { host: "baz.bar.com" }), backend: G3 },
      { req: g("Echo", { host: "boo.bar.com" }), backend: G3 },
      { req: g("Echo", { host: "multiple.prefixes.bar.com" }), backend: G3 },
      { req: g("Echo", { host: "multiple.prefixes.foo.com" }), backend: G3 },
      { req: g("Echo", { host: "foo.com" }), status: 404 },
      { req: g("Echo", { host: "no.matching.host" }), status: 404 },
    ],
  },
];

for (const t of [...TABLES, ...GRPC_TABLES]) {
  describe(`conformance ${t.test} (conformance/tests/${t.file}.go)`, () => {
    const state = conformanceState(`${t.file}.yaml`);
    t.cases.forEach((c, i) => {
      it(`case ${i}: ${c.req.method ?? "GET"} ${c.req.host ?? ""}${c.req.path} -> ${c.backend ?? c.status}`, () =>
        check(state, t.gateway, c));
    });
  });
}
