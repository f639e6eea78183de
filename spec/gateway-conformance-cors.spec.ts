// The Gateway API conformance suite's HTTPRouteCORS, transcribed (kubernetes-sigs/gateway-api at
// 4564255ac2c35d582249b3cdf261bdf51c8bca32, conformance/tests/httproute-cors.go and its .yaml; see
// spec/fixtures/gateway-conformance/SOURCES.md): each request, the statuses the test accepts, the
// response headers it requires (Headers: exactly; ValidHeaderValues: one of, whitespace ignored
// where the test says so) and those that must be absent, checked on the answer the gateway gives.
import { expect } from "chai";
import { describe, it } from "mocha";
import { headerValue } from "../lib/gateway/matching.ts";
import { routeGatewayRequest } from "../lib/gateway/router.ts";
import { conformanceState, gatewayAndRoutesMustBeAccepted, INFRA } from "./gateway-support.ts";

interface CorsCase {
  readonly name: string;
  readonly path: string;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly statuses: readonly number[];
  readonly valid?: Record<string, readonly string[]>;
  readonly exact?: Record<string, string>;
  readonly absent?: readonly string[];
  readonly ignoreWhitespace?: boolean;
}

const PREFLIGHT_OK = [200, 204];
const FOO = "https://www.foo.com";
const ASK_1_2 = { "access-control-request-method": "GET", "access-control-request-headers": "x-header-1, x-header-2" };
const CORS_1_ALLOWED = (origin: string) => ({
  "access-control-allow-origin": [origin],
  "access-control-allow-methods": ["GET, OPTIONS", "OPTIONS, GET"],
  "access-control-allow-headers": ["x-header-1, x-header-2", "x-header-2, x-header-1"],
  "access-control-expose-headers": ["x-header-3, x-header-4", "x-header-4, x-header-3"],
  "access-control-max-age": ["3600"],
  "access-control-allow-credentials": ["true"],
});
const preflight1 = (name: string, origin: string): CorsCase => ({
  name,
  path: "/cors-1",
  method: "OPTIONS",
  headers: { Origin: origin, ...ASK_1_2 },
  statuses: PREFLIGHT_OK,
  valid: CORS_1_ALLOWED(origin),
  ignoreWhitespace: true,
});
const CREDENTIALS = "access-control-allow-credentials";

const CASES: readonly CorsCase[] = [
  preflight1("CORS preflight request from an exact matching origin should be allowed", FOO),
  preflight1("CORS preflight request from a wildcard matching origin should be allowed", "https://www.bar.com"),
  preflight1(
    "CORS preflight request from a wildcard matching any number of periods left to '*' should be allowed",
    "https://xpto.www.bar.com",
  ),
  {
    name: "CORS preflight request from a non-matching origin should not be allowed",
    path: "/cors-1",
    method: "OPTIONS",
    headers: { Origin: "https://foobar.com", "access-control-request-method": "GET" },
    statuses: [200, 204, 403],
    absent: ["access-control-allow-origin"],
  },
  {
    name: "Simple request from an exact matching origin should be allowed",
    path: "/cors-1",
    method: "GET",
    headers: { Origin: FOO, ...ASK_1_2 },
    statuses: [200],
    exact: { "access-control-allow-origin": FOO },
  },
  {
    name: "Simple request from a wildcard matching origin should be allowed",
    path: "/cors-1",
    method: "GET",
    headers: { Origin: "https://www.bar.com", ...ASK_1_2 },
    statuses: [200],
    exact: { "access-control-allow-origin": "https://www.bar.com" },
  },
  {
    // The test leaves the status out: http.go then expects 200.
    name: "Simple request from a non-matching origin should not be allowed",
    path: "/cors-1",
    method: "GET",
    headers: { Origin: "https://foobar.com", "access-control-request-method": "GET" },
    statuses: [200],
    absent: ["access-control-allow-origin"],
  },
  {
    name: "CORS preflight request with POST method should be allowed by allowMethods with wildcard",
    path: "/cors-2",
    method: "OPTIONS",
    headers: { Origin: FOO, "access-control-request-method": "POST" },
    statuses: PREFLIGHT_OK,
    valid: { "access-control-allow-methods": ["POST", "*"] },
    exact: { "access-control-allow-origin": FOO },
    absent: [CREDENTIALS],
  },
  {
    name: "CORS preflight request should not receive access-control-allow-credentials header without access-control-allow-credentials set to true",
    path: "/cors-2",
    method: "OPTIONS",
    headers: { Origin: FOO, "access-control-request-method": "POST" },
    statuses: PREFLIGHT_OK,
    absent: ["Access-Control-Allow-Credentials"],
  },
  ...["https://foobar.com", "https://foobar.com:12345"].map(
    (origin): CorsCase => ({
      name: `CORS preflight request from a wildcard origin${origin.includes(":1") ? " containing a port" : ""} should return header with '*' or with the requested Origin`,
      path: "/cors-wildcard-origin",
      method: "OPTIONS",
      headers: { Origin: origin, "access-control-request-method": "PUT" },
      statuses: PREFLIGHT_OK,
      valid: { "access-control-allow-origin": [origin, "*"], "access-control-allow-methods": ["PUT"] },
      absent: ["Access-Control-Allow-Credentials"],
    }),
  ),
  {
    name: "Request from a wildcard origin containing a port should return header with '*' or with the requested Origin",
    path: "/cors-wildcard-origin",
    method: "PUT",
    headers: { Origin: "https://foobar.com:12345" },
    statuses: [200],
    valid: { "access-control-allow-origin": ["https://foobar.com:12345", "*"] },
  },
  {
    name: "Simple request from a wildcard origin should return header with '*' or with the requested Origin",
    path: "/cors-wildcard-origin",
    method: "PUT",
    headers: { Origin: "https://foobar.com" },
    statuses: [200],
    valid: { "access-control-allow-origin": ["https://foobar.com", "*"] },
    absent: ["Access-Control-Allow-Credentials"],
  },
  {
    name: "CORS preflight request requesting specific method and headers should be allowed and always echo the origin with allowCredentials set to true",
    path: "/cors-wildcard-methods-headers",
    method: "OPTIONS",
    headers: { Origin: "https://other.foo.com", ...ASK_1_2, "access-control-request-method": "PUT" },
    statuses: PREFLIGHT_OK,
    valid: {
      "access-control-allow-origin": ["https://other.foo.com"],
      "access-control-allow-methods": ["PUT"],
      "access-control-allow-headers": ["x-header-1, x-header-2", "x-header-2, x-header-1"],
      [CREDENTIALS]: ["true"],
    },
    ignoreWhitespace: true,
  },
  {
    name: "CORS preflight request requesting specific method and headers should hide access-control-allow-credentials headers with allowCredentials set to false",
    path: "/cors-wildcard-methods-headers-unauth",
    method: "OPTIONS",
    headers: { Origin: "https://other.foo.com", ...ASK_1_2, "access-control-request-method": "PUT" },
    statuses: PREFLIGHT_OK,
    valid: {
      "access-control-allow-origin": ["https://other.foo.com", "*"],
      "access-control-allow-methods": ["PUT", "*"],
      "access-control-allow-headers": ["x-header-1, x-header-2", "x-header-2, x-header-1", "*"],
    },
    absent: [CREDENTIALS],
    ignoreWhitespace: true,
  },
  {
    name: "CORS request should receive access-control-allow-credentials header with allowCredentials set to true",
    path: "/cors-wildcard-methods-headers",
    method: "GET",
    headers: { Origin: "https://other.foo.com" },
    statuses: [200],
    valid: { "access-control-allow-origin": ["https://other.foo.com"], [CREDENTIALS]: ["true"] },
  },
  {
    name: "CORS request should not receive access-control-allow-credentials header without allowCredentials set to true",
    path: "/cors-wildcard-methods-headers-unauth",
    method: "GET",
    headers: { Origin: "https://other.foo.com" },
    statuses: [200],
    valid: { "access-control-allow-origin": ["https://other.foo.com", "*"] },
    absent: [CREDENTIALS],
  },
];

describe("conformance HTTPRouteCORS (conformance/tests/httproute-cors.go)", () => {
  const state = conformanceState("httproute-cors.yaml");
  it("the Gateway and its four routes are accepted", () =>
    gatewayAndRoutesMustBeAccepted(
      state,
      `${INFRA}/same-namespace`,
      ...[
        "cors-multiple-origins-methods-headers",
        "cors-wildcard-methods",
        "cors-wildcard-origin",
        "cors-wildcard-methods-headers",
      ].map((r) => `${INFRA}/${r}`),
    ));
  CASES.forEach((c, i) => {
    it(`case ${i}: ${c.name}`, () => {
      const r = routeGatewayRequest(state, {
        gateway: `${INFRA}/same-namespace`,
        port: 80,
        host: "example.com",
        method: c.method,
        path: c.path,
        headers: c.headers,
      });
      expect(r.branches, c.name).to.have.length(1);
      const b = r.branches[0]!;
      // A forwarded request is answered 200 by the echo backend; a preflight by the gateway itself.
      const status = b.outcome === "forwarded" ? 200 : b.status;
      expect(c.statuses, `status ${status} (${b.outcome})`).to.include(status);
      const squash = (v: string | undefined) => (c.ignoreWhitespace ? v?.replace(/\s+/g, "") : v);
      const seen = (name: string) => headerValue(b.responseHeaders, name);
      for (const [name, values] of Object.entries(c.valid ?? {}))
        expect(values.map(squash), `${name} in ${JSON.stringify(b.responseHeaders)}`).to.include(squash(seen(name)));
      for (const [name, value] of Object.entries(c.exact ?? {})) expect(seen(name), name).to.equal(value);
      for (const name of c.absent ?? []) expect(seen(name), `${name} is absent`).to.equal(undefined);
    });
  });
});
