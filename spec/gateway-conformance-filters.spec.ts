// The Gateway API conformance suite's filter tests, transcribed (kubernetes-sigs/gateway-api at
// 4564255ac2c35d582249b3cdf261bdf51c8bca32, conformance/tests/<file>.go and its .yaml; see
// spec/fixtures/gateway-conformance/SOURCES.md): redirects (Location compared part by part as
// conformance/utils/http/http.go does), rewrites, header modifiers, and weights as probabilities.
import { expect } from "chai";
import { describe, it } from "mocha";
import { routeGatewayRequest } from "../lib/gateway/router.ts";
import { check, conformanceState, type Expected, INFRA } from "./gateway-support.ts";

const V1 = "infra-backend-v1";
const V2 = "infra-backend-v2";

interface Table {
  readonly test: string;
  readonly file: string;
  readonly gateway: string;
  readonly cases: readonly Expected[];
}

const redirect = (path: string, status: number, to: Expected["redirect"], req: Partial<Expected["req"]> = {}) => ({
  req: { path, ...req },
  status,
  redirect: to,
});

const setAddRemove = {
  headers: { "X-Header-Remove": "remove-val", "X-Header-Add-Append": "append-val-1", "X-Header-Set": "set-val" },
};
const setAddRemoveSeen = {
  "X-Header-Add": "header-val-1",
  "X-Header-Add-Append": "append-val-1,header-val-2",
  "X-Header-Set": "set-overwrites-values",
};

// The https listener of same-namespace-with-https-listener: tls.MakeTLSRequest... with SNI example.org.
const TLS443 = { port: 443, scheme: "https" as const, sni: "example.org", host: "example.org" };

const TABLES: readonly Table[] = [
  {
    test: "HTTPRouteRedirectPath",
    file: "httproute-redirect-path",
    gateway: "same-namespace",
    cases: [
      redirect("/original-prefix/lemon", 302, { path: "/replacement-prefix/lemon" }),
      redirect("/full/path/original", 302, { path: "/full-path-replacement" }),
      redirect("/path-and-host", 302, { host: "example.org", path: "/replacement-prefix" }),
      redirect("/path-and-status", 301, { path: "/replacement-prefix" }),
      redirect("/full-path-and-host", 302, { host: "example.org", path: "/replacement-full" }),
      redirect("/full-path-and-status", 301, { path: "/replacement-full" }),
    ],
  },
  {
    test: "HTTPRouteRedirectPort",
    file: "httproute-redirect-port",
    gateway: "same-namespace",
    cases: [
      redirect("/port", 302, { port: "8083" }),
      redirect("/port-and-host", 302, { host: "example.org", port: "8083" }),
      redirect("/port-and-status", 301, { port: "8083" }),
      redirect("/port-and-host-and-status", 302, { port: "8083", host: "example.org" }),
    ],
  },
  {
    test: "HTTPRouteRedirectScheme",
    file: "httproute-redirect-scheme",
    gateway: "same-namespace",
    cases: [
      redirect("/scheme", 302, { scheme: "https" }),
      redirect("/scheme-and-host", 302, { host: "example.org", scheme: "https" }),
      redirect("/scheme-and-status", 301, { scheme: "https" }),
      redirect("/scheme-and-host-and-status", 302, { scheme: "https", host: "example.org" }),
    ],
  },
  {
    test: "HTTPRouteRedirectHostAndStatus",
    file: "httproute-redirect-host-and-status",
    gateway: "same-namespace",
    cases: [
      redirect("/hostname-redirect", 302, { host: "example.org" }),
      redirect("/host-and-status", 301, { host: "example.org" }),
    ],
  },
  {
    test: "HTTPRouteRedirectPortAndScheme (http-listener-on-80)",
    file: "httproute-redirect-port-and-scheme",
    gateway: "same-namespace",
    cases: [
      redirect("/scheme-nil-and-port-nil", 302, { scheme: "http", host: "example.org" }),
      redirect("/scheme-nil-and-port-80", 302, { scheme: "http", host: "example.org" }),
      redirect("/scheme-nil-and-port-8080", 302, { scheme: "http", port: "8080", host: "example.org" }),
      redirect("/scheme-https-and-port-nil", 302, { scheme: "https", host: "example.org" }),
      redirect("/scheme-https-and-port-443", 302, { scheme: "https", host: "example.org" }),
      redirect("/scheme-https-and-port-8443", 302, { scheme: "https", port: "8443", host: "example.org" }),
    ],
  },
  {
    test: "HTTPRouteRedirectPortAndScheme (http-listener-on-8080)",
    file: "httproute-redirect-port-and-scheme",
    gateway: "same-namespace-with-http-listener-on-8080",
    cases: [
      redirect("/scheme-nil-and-port-nil", 302, { scheme: "http", port: "8080", host: "example.org" }, { port: 8080 }),
      redirect("/scheme-nil-and-port-80", 302, { scheme: "http", host: "example.org" }, { port: 8080 }),
      redirect("/scheme-https-and-port-nil", 302, { scheme: "https", host: "example.org" }, { port: 8080 }),
    ],
  },
  {
    test: "HTTPRouteRedirectPortAndScheme (https-listener-on-443)",
    file: "httproute-redirect-port-and-scheme",
    gateway: "same-namespace-with-https-listener",
    cases: [
      redirect("/scheme-nil-and-port-nil", 302, { scheme: "https", host: "example.org" }, TLS443),
      redirect("/scheme-nil-and-port-443", 302, { scheme: "https", host: "example.org" }, TLS443),
      redirect("/scheme-nil-and-port-8443", 302, { scheme: "https", port: "8443", host: "example.org" }, TLS443),
      redirect("/scheme-http-and-port-nil", 302, { scheme: "http", host: "example.org" }, TLS443),
      redirect("/scheme-http-and-port-80", 302, { scheme: "http", host: "example.org" }, TLS443),
      redirect("/scheme-http-and-port-8080", 302, { scheme: "http", port: "8080", host: "example.org" }, TLS443),
    ],
  },
  {
    test: "HTTPRouteRewritePath",
    file: "httproute-rewrite-path",
    gateway: "same-namespace",
    cases: [
      { req: { path: "/prefix/one/two" }, upstream: { path: "/one/two" }, backend: V1 },
      { req: { path: "/strip-prefix/three" }, upstream: { path: "/three" }, backend: V1 },
      { req: { path: "/strip-prefix" }, upstream: { path: "/" }, backend: V1 },
      { req: { path: "/full/one/two" }, upstream: { path: "/one" }, backend: V1 },
      {
        req: { path: "/full/rewrite-path-and-modify-headers/test", ...setAddRemove },
        upstream: { path: "/test", headers: setAddRemoveSeen },
        absent: ["X-Header-Remove"],
        backend: V1,
      },
      {
        req: { path: "/prefix/rewrite-path-and-modify-headers/one", ...setAddRemove },
        upstream: { path: "/prefix/one", headers: setAddRemoveSeen },
        absent: ["X-Header-Remove"],
        backend: V1,
      },
    ],
  },
  {
    test: "HTTPRouteRewriteHost",
    file: "httproute-rewrite-host",
    gateway: "same-namespace",
    cases: [
      {
        req: { path: "/one", host: "rewrite.example" },
        upstream: { path: "/one", host: "one.example.org" },
        backend: V1,
      },
      { req: { path: "/two", host: "rewrite.example" }, upstream: { path: "/two", host: "example.org" }, backend: V2 },
      {
        req: {
          path: "/rewrite-host-and-modify-headers",
          host: "rewrite.example",
          headers: { "X-Header-Remove": "remove-val", "X-Header-Add-Append": "append-val-1" },
        },
        upstream: { path: "/rewrite-host-and-modify-headers", host: "test.example.org", headers: setAddRemoveSeen },
        absent: ["X-Header-Remove"],
        backend: V2,
      },
    ],
  },
  {
    test: "HTTPRouteRequestHeaderModifier",
    file: "httproute-request-header-modifier",
    gateway: "same-namespace",
    cases: [
      {
        req: { path: "/set", headers: { "Some-Other-Header": "val" } },
        upstream: { headers: { "Some-Other-Header": "val", "X-Header-Set": "set-overwrites-values" } },
        backend: V1,
      },
      {
        req: { path: "/set", headers: { "Some-Other-Header": "val", "X-Header-Set": "some-other-value" } },
        upstream: { headers: { "Some-Other-Header": "val", "X-Header-Set": "set-overwrites-values" } },
        backend: V1,
      },
      {
        req: { path: "/add", headers: { "Some-Other-Header": "val" } },
        upstream: { headers: { "Some-Other-Header": "val", "X-Header-Add": "add-appends-values" } },
        backend: V1,
      },
      {
        req: { path: "/add", headers: { "Some-Other-Header": "val", "X-Header-Add": "some-other-value" } },
        upstream: { headers: { "Some-Other-Header": "val", "X-Header-Add": "some-other-value,add-appends-values" } },
        backend: V1,
      },
      { req: { path: "/remove", headers: { "X-Header-Remove": "val" } }, absent: ["X-Header-Remove"], backend: V1 },
      {
        req: {
          path: "/multiple",
          headers: {
            "X-Header-Set-2": "set-val-2",
            "X-Header-Add-2": "add-val-2",
            "X-Header-Remove-2": "remove-val-2",
            "Another-Header": "another-header-val",
          },
        },
        upstream: {
          headers: {
            "X-Header-Set-1": "header-set-1",
            "X-Header-Set-2": "header-set-2",
            "X-Header-Add-1": "header-add-1",
            "X-Header-Add-2": "add-val-2,header-add-2",
            "X-Header-Add-3": "header-add-3",
            "Another-Header": "another-header-val",
          },
        },
        absent: ["X-Header-Remove-1", "X-Header-Remove-2"],
        backend: V1,
      },
      {
        req: {
          path: "/case-insensitivity",
          headers: {
            "x-header-set": "original-val-set",
            "x-header-add": "original-val-add",
            "x-header-remove": "original-val-remove",
            "Another-Header": "another-header-val",
          },
        },
        upstream: {
          headers: {
            "X-Header-Set": "header-set",
            "X-Header-Add": "original-val-add,header-add",
            "Another-Header": "another-header-val",
          },
        },
        absent: ["x-header-remove", "X-Header-Remove"],
        backend: V1,
      },
    ],
  },
  {
    test: "HTTPRouteResponseHeaderModifier",
    file: "httproute-response-header-modifier",
    gateway: "same-namespace",
    cases: [
      {
        req: { path: "/set" },
        backendSets: { "Some-Other-Header": "val" },
        response: { "Some-Other-Header": "val", "X-Header-Set": "set-overwrites-values" },
        backend: V1,
      },
      {
        req: { path: "/set" },
        backendSets: { "Some-Other-Header": "val", "X-Header-Set": "some-other-value" },
        response: { "Some-Other-Header": "val", "X-Header-Set": "set-overwrites-values" },
        backend: V1,
      },
      {
        req: { path: "/add" },
        backendSets: { "Some-Other-Header": "val" },
        response: { "Some-Other-Header": "val", "X-Header-Add": "add-appends-values" },
        backend: V1,
      },
      {
        req: { path: "/add" },
        backendSets: { "Some-Other-Header": "val", "X-Header-Add": "some-other-value" },
        response: { "Some-Other-Header": "val", "X-Header-Add": "some-other-value,add-appends-values" },
        backend: V1,
      },
      {
        req: { path: "/remove" },
        backendSets: { "X-Header-Remove": "val" },
        responseAbsent: ["X-Header-Remove"],
        backend: V1,
      },
      {
        req: { path: "/multiple" },
        backendSets: {
          "X-Header-Set-2": "set-val-2",
          "X-Header-Add-2": "add-val-2",
          "X-Header-Remove-2": "remove-val-2",
          "Another-Header": "another-header-val",
          "X-Header-Remove-1": "val",
        },
        response: {
          "X-Header-Set-1": "header-set-1",
          "X-Header-Set-2": "header-set-2",
          "X-Header-Add-1": "header-add-1",
          "X-Header-Add-2": "add-val-2,header-add-2",
          "X-Header-Add-3": "header-add-3",
          "Another-Header": "another-header-val",
        },
        responseAbsent: ["X-Header-Remove-1", "X-Header-Remove-2"],
        backend: V1,
      },
      {
        req: { path: "/case-insensitivity" },
        backendSets: {
          "x-header-set": "original-val-set",
          "x-header-add": "original-val-add",
          "x-header-remove": "original-val-remove",
          "Another-Header": "another-header-val",
        },
        response: {
          "X-Header-Set": "header-set",
          "X-Header-Add": "original-val-add,header-add",
          "X-Lowercase-Add": "lowercase-add",
          "X-Mixedcase-Add-1": "mixedcase-add-1",
          "X-Mixedcase-Add-2": "mixedcase-add-2",
          "X-Uppercase-Add": "uppercase-add",
          "Another-Header": "another-header-val",
        },
        responseAbsent: ["x-header-remove", "X-Header-Remove"],
        backend: V1,
      },
      {
        req: {
          path: "/response-and-request-header-modifiers",
          headers: { "X-Header-Remove": "remove-val", "X-Header-Add-Append": "append-val-1", "X-Header-Echo": "echo" },
        },
        backendSets: {
          "X-Header-Set-2": "set-val-2",
          "X-Header-Add-2": "add-val-2",
          "X-Header-Remove-2": "remove-val-2",
          "Another-Header": "another-header-val",
          "X-Header-Remove-1": "remove-val-1",
          "X-Header-Echo": "echo",
        },
        upstream: {
          headers: {
            "X-Header-Add": "header-val-1",
            "X-Header-Set": "set-overwrites-values",
            "X-Header-Add-Append": "append-val-1,header-val-2",
            "X-Header-Echo": "echo",
          },
        },
        absent: ["X-Header-Remove"],
        response: {
          "X-Header-Set-1": "header-set-1",
          "X-Header-Set-2": "header-set-2",
          "X-Header-Add-1": "header-add-1",
          "X-Header-Add-2": "add-val-2,header-add-2",
          "Another-Header": "another-header-val",
          "X-Header-Echo": "echo",
        },
        responseAbsent: ["X-Header-Remove-1", "X-Header-Remove-2"],
        backend: V1,
      },
    ],
  },
];

// HTTPRouteBackendRequestHeaderModifier runs HTTPRouteRequestHeaderModifier's cases against the same
// modifiers written on the backendRef (httproute-request-header-modifier.go, its -backend.yaml).
const onRule = TABLES.find((t) => t.test === "HTTPRouteRequestHeaderModifier")!;
const BACKEND_MODIFIER: Table = {
  test: "HTTPRouteBackendRequestHeaderModifier",
  file: "httproute-request-header-modifier-backend",
  gateway: "same-namespace",
  cases: onRule.cases,
};

for (const t of [...TABLES, BACKEND_MODIFIER]) {
  const source = t.file.replace(/-backend$/, "");
  describe(`conformance ${t.test} (conformance/tests/${source}.go)`, () => {
    const state = conformanceState(`${t.file}.yaml`);
    t.cases.forEach((c, i) => {
      it(`case ${i}: ${c.req.method ?? "GET"} ${c.req.host ?? ""}${c.req.path} -> ${c.backend ?? c.status}`, () =>
        check(state, t.gateway, c));
    });
  });
}

describe("conformance HTTPRouteWeight (conformance/tests/httproute-weight.go)", () => {
  const state = conformanceState("httproute-weight.yaml");
  // The test samples requests and accepts a distribution near 0.7/0.3/0.0; kubehop gives the exact shares.
  it("GET / splits 0.7 to infra-backend-v1, 0.3 to infra-backend-v2 and nothing to weight-0 infra-backend-v3", () => {
    const r = routeGatewayRequest(state, {
      gateway: `${INFRA}/same-namespace`,
      port: 80,
      host: "example.com",
      method: "GET",
      path: "/",
    });
    const share = (svc: string) =>
      r.branches.filter((b) => b.backend?.service === svc).reduce((sum, b) => sum + b.probability, 0);
    expect(r.branches.every((b) => b.outcome === "forwarded" && b.upstream?.path === "/")).to.equal(true);
    expect(share("infra-backend-v1")).to.be.closeTo(0.7, 1e-12);
    expect(share("infra-backend-v2")).to.be.closeTo(0.3, 1e-12);
    expect(share("infra-backend-v3")).to.equal(0);
    expect(r.branches.reduce((sum, b) => sum + b.probability, 0)).to.be.closeTo(1, 1e-12);
  });
});
