// The Gateway API conformance suite's namespace, ReferenceGrant, invalid-reference and status tests,
// transcribed (kubernetes-sigs/gateway-api at 4564255ac2c35d582249b3cdf261bdf51c8bca32,
// conformance/tests/<file>.go and its .yaml; see spec/fixtures/gateway-conformance/SOURCES.md): the
// conditions each test waits for, checked as conformance/utils/kubernetes/helpers.go checks them,
// and the requests it then sends.
import { describe, it } from "mocha";
import {
  check,
  conformanceState,
  conformanceStateWithout,
  type ExpectedListener,
  gatewayAndRoutesMustBeAccepted,
  gatewayMustHaveListeners,
  gatewayMustHaveZeroRoutes,
  INFRA,
  routeMustHaveCondition,
  routeMustHaveNoAcceptedParents,
} from "./gateway-support.ts";

const title = (test: string, file: string) => `conformance ${test} (conformance/tests/${file}.go)`;
const WEB = "gateway-conformance-web-backend";
const APP = "gateway-conformance-app-backend";
const SAME = `${INFRA}/same-namespace`;
const resolved = { type: "ResolvedRefs", status: "True", reason: "ResolvedRefs" } as const;
const notResolved = (reason?: string) =>
  ({ type: "ResolvedRefs", status: "False", ...(reason ? { reason } : {}) }) as const;
const notAccepted = (reason: string) => ({ type: "Accepted", status: "False", reason }) as const;

describe(title("HTTPRouteCrossNamespace", "httproute-cross-namespace"), () => {
  const state = conformanceState("httproute-cross-namespace.yaml");
  const gw = `${INFRA}/backend-namespaces`;
  it("the route in a backend namespace is Accepted by backend-namespaces and its refs resolve", () => {
    gatewayAndRoutesMustBeAccepted(state, gw, `${WEB}/cross-namespace`);
    routeMustHaveCondition(state, `${WEB}/cross-namespace`, gw, resolved);
  });
  it("GET / reaches web-backend", () =>
    check(state, "backend-namespaces", { req: { path: "/" }, backend: "web-backend", ns: WEB }));
});

describe(title("HTTPRouteReferenceGrant", "httproute-reference-grant"), () => {
  const route = `${INFRA}/reference-grant`;
  it("with the ReferenceGrant: Accepted, ResolvedRefs, GET / reaches web-backend", () => {
    const state = conformanceState("httproute-reference-grant.yaml");
    gatewayAndRoutesMustBeAccepted(state, SAME, route);
    routeMustHaveCondition(state, route, SAME, resolved);
    check(state, "same-namespace", { req: { path: "/" }, backend: "web-backend", ns: WEB });
  });
  it("after the test deletes the ReferenceGrant: GET / answers 500", () => {
    const state = conformanceStateWithout(
      { referenceGrants: [`${WEB}/reference-grant`] },
      "httproute-reference-grant.yaml",
    );
    check(state, "same-namespace", { req: { path: "/" }, status: 500 });
  });
});

describe(title("HTTPRouteInvalidCrossNamespaceBackendRef", "httproute-invalid-cross-namespace-backend-ref"), () => {
  const state = conformanceState("httproute-invalid-cross-namespace-backend-ref.yaml");
  const route = `${INFRA}/invalid-cross-namespace-backend-ref`;
  it("the route is Accepted; ResolvedRefs False, RefNotPermitted", () => {
    gatewayAndRoutesMustBeAccepted(state, SAME, route);
    routeMustHaveCondition(state, route, SAME, notResolved("RefNotPermitted"));
  });
  it("GET / answers 500", () => check(state, "same-namespace", { req: { path: "/" }, status: 500 }));
});

describe(title("HTTPRouteInvalidNonExistentBackendRef", "httproute-invalid-nonexistent-backendref"), () => {
  const state = conformanceState("httproute-invalid-nonexistent-backendref.yaml");
  const route = `${INFRA}/invalid-nonexistent-backend-ref`;
  it("the route is Accepted; ResolvedRefs False, BackendNotFound", () => {
    gatewayAndRoutesMustBeAccepted(state, SAME, route);
    routeMustHaveCondition(state, route, SAME, notResolved("BackendNotFound"));
  });
  it("GET / answers 500", () => check(state, "same-namespace", { req: { path: "/" }, status: 500 }));
});

describe(title("HTTPRouteInvalidBackendRefUnknownKind", "httproute-invalid-backendref-unknown-kind"), () => {
  const state = conformanceState("httproute-invalid-backendref-unknown-kind.yaml");
  const route = `${INFRA}/invalid-backend-ref-unknown-kind`;
  it("the route is Accepted; ResolvedRefs False, InvalidKind", () => {
    gatewayAndRoutesMustBeAccepted(state, SAME, route);
    routeMustHaveCondition(state, route, SAME, notResolved("InvalidKind"));
  });
  it("GET /v2 answers 500", () => check(state, "same-namespace", { req: { path: "/v2" }, status: 500 }));
});

describe(
  title("HTTPRoutePartiallyInvalidViaInvalidReferenceGrant", "httproute-partially-invalid-via-invalid-reference-grant"),
  () => {
    const state = conformanceState("httproute-partially-invalid-via-invalid-reference-grant.yaml");
    const route = `${INFRA}/invalid-reference-grant`;
    it("the route is Accepted; ResolvedRefs False, RefNotPermitted (app-backend-v2 is not granted)", () => {
      gatewayAndRoutesMustBeAccepted(state, SAME, route);
      routeMustHaveCondition(state, route, SAME, notResolved("RefNotPermitted"));
    });
    it("GET /v2 answers 500", () => check(state, "same-namespace", { req: { path: "/v2" }, status: 500 }));
    it("GET / reaches the granted sibling app-backend-v1", () =>
      check(state, "same-namespace", { req: { path: "/" }, backend: "app-backend-v1", ns: APP }));
  },
);

describe(title("HTTPRouteInvalidReferenceGrant", "httproute-invalid-reference-grant"), () => {
  const state = conformanceState("httproute-invalid-reference-grant.yaml");
  const route = `${INFRA}/reference-grant`;
  it("no grant covers the Service: Accepted; ResolvedRefs False, RefNotPermitted", () => {
    gatewayAndRoutesMustBeAccepted(state, SAME, route);
    routeMustHaveCondition(state, route, SAME, notResolved("RefNotPermitted"));
  });
  it("GET / answers 500", () => check(state, "same-namespace", { req: { path: "/" }, status: 500 }));
});

// [test, file, route, the Gateway its parentRef names]
const PARENT_REF_TESTS = [
  [
    "HTTPRouteInvalidParentRefNotMatchingListenerPort",
    "httproute-invalid-parentref-not-matching-listener-port",
    "httproute-listener-not-matching-route-port",
    SAME,
  ],
  [
    "HTTPRouteInvalidParentRefNotMatchingSectionName",
    "httproute-invalid-parentref-not-matching-section-name",
    "httproute-listener-not-matching-section-name",
    SAME,
  ],
  [
    "HTTPRouteInvalidParentRefSectionNameNotMatchingPort",
    "httproute-invalid-parentref-section-name-not-matching-port",
    "httproute-listener-section-name-not-matching-port",
    `${INFRA}/gateway-with-one-not-matching-port-and-section-name-route`,
  ],
] as const;

for (const [test, file, name, gw] of PARENT_REF_TESTS)
  describe(title(test, file), () => {
    const state = conformanceState(`${file}.yaml`);
    const route = `${INFRA}/${name}`;
    it("Accepted False, NoMatchingParent; no accepted parent; 0 routes attached", () => {
      // Only the listener-port test also waits for ResolvedRefs True.
      if (test.endsWith("ListenerPort")) routeMustHaveCondition(state, route, gw, resolved);
      routeMustHaveCondition(state, route, gw, notAccepted("NoMatchingParent"));
      routeMustHaveNoAcceptedParents(state, route);
      gatewayMustHaveZeroRoutes(state, gw);
    });
  });

describe(title("HTTPRouteDisallowedKind", "httproute-disallowed-kind"), () => {
  const state = conformanceState("httproute-disallowed-kind.yaml");
  const route = `${INFRA}/disallowed-kind`;
  const gw = `${INFRA}/tlsroutes-only`;
  it("ResolvedRefs True; Accepted False, NotAllowedByListeners; no accepted parent; 0 routes attached", () => {
    routeMustHaveCondition(state, route, gw, resolved);
    routeMustHaveCondition(state, route, gw, notAccepted("NotAllowedByListeners"));
    routeMustHaveNoAcceptedParents(state, route);
    gatewayMustHaveZeroRoutes(state, gw);
  });
});

describe(title("HTTPRouteInvalidCrossNamespaceParentRef", "httproute-invalid-cross-namespace-parent-ref"), () => {
  const state = conformanceState("httproute-invalid-cross-namespace-parent-ref.yaml");
  const route = `${WEB}/invalid-cross-namespace-parent-ref`;
  it("ResolvedRefs True; Accepted False, NotAllowedByListeners; no accepted parent; 0 routes attached", () => {
    routeMustHaveCondition(state, route, SAME, resolved);
    routeMustHaveCondition(state, route, SAME, notAccepted("NotAllowedByListeners"));
    routeMustHaveNoAcceptedParents(state, route);
    gatewayMustHaveZeroRoutes(state, SAME);
  });
});

describe(title("HTTPRouteHostnameIntersection, status", "httproute-hostname-intersection"), () => {
  const state = conformanceState("httproute-hostname-intersection.yaml");
  const gw = `${INFRA}/httproute-hostname-intersection`;
  it("the four intersecting routes are Accepted with their refs resolved", () => {
    const routes = [
      "specific-host-matches-listener-specific-host",
      "specific-host-matches-listener-wildcard-host",
      "wildcard-host-matches-listener-specific-host",
      "wildcard-host-matches-listener-wildcard-host",
    ].map((r) => `${INFRA}/${r}`);
    gatewayAndRoutesMustBeAccepted(state, gw, ...routes);
    for (const r of routes) routeMustHaveCondition(state, r, gw, resolved);
  });
  it("no-intersecting-hosts: Accepted False, NoMatchingListenerHostname", () =>
    routeMustHaveCondition(state, `${INFRA}/no-intersecting-hosts`, gw, notAccepted("NoMatchingListenerHostname")));
  it("a listener without a hostname takes the route's hostnames", () => {
    const all = `${INFRA}/httproute-hostname-intersection-all`;
    gatewayAndRoutesMustBeAccepted(state, all, all);
    routeMustHaveCondition(state, all, all, resolved);
    for (const host of ["first.com", "sub.first.com", "second.com", "sub.second.com"])
      check(state, "httproute-hostname-intersection-all", { req: { path: "/", host }, backend: "infra-backend-v2" });
  });
});

const httpListener = (name: string, attachedRoutes: number): ExpectedListener => ({
  name,
  supportedKinds: ["HTTPRoute"],
  attachedRoutes,
  conditions: [
    { type: "Accepted", status: "True" },
    { type: "ResolvedRefs", status: "True" },
  ],
});

describe(title("GatewayWithAttachedRoutes", "gateway-with-attached-routes"), () => {
  const state = conformanceState("gateway-with-attached-routes.yaml");
  it("gateway-with-one-attached-route: listener http has 1 route", () =>
    gatewayMustHaveListeners(state, `${INFRA}/gateway-with-one-attached-route`, [httpListener("http", 1)]));
  it("gateway-with-two-attached-routes: 2 routes; http-route-not-accepted is NoMatchingListenerHostname", () => {
    const gw = `${INFRA}/gateway-with-two-attached-routes`;
    gatewayMustHaveListeners(state, gw, [httpListener("http", 2)]);
    routeMustHaveCondition(state, `${INFRA}/http-route-not-accepted`, gw, notAccepted("NoMatchingListenerHostname"));
  });
  it("a listener with unresolved refs still counts its attached route; the route's refs do not resolve", () => {
    const gw = `${INFRA}/unresolved-gateway-with-one-attached-unresolved-route`;
    gatewayMustHaveListeners(state, gw, [
      {
        name: "tls",
        supportedKinds: ["HTTPRoute"],
        attachedRoutes: 1,
        conditions: [
          { type: "Programmed", status: "False" },
          { type: "ResolvedRefs", status: "False" },
        ],
      },
    ]);
    routeMustHaveCondition(state, `${INFRA}/http-route-4`, gw, notResolved());
  });
});

describe(title("GatewayWithAttachedRoutesWithPort8080", "gateway-with-attached-routes"), () => {
  const state = conformanceState("gateway-with-attached-routes-with-port-8080.yaml");
  it("the route names sectionName http: http has 1 route, http-unattached 0", () =>
    gatewayMustHaveListeners(state, `${INFRA}/gateway-with-two-listeners-and-one-attached-route`, [
      httpListener("http-unattached", 0),
      httpListener("http", 1),
    ]));
});

const httpsListener = (conditions: ExpectedListener["conditions"]): ExpectedListener => ({
  name: "https",
  supportedKinds: ["HTTPRoute"],
  attachedRoutes: 0,
  conditions,
});

describe(title("GatewayInvalidTLSConfiguration", "gateway-invalid-tls-configuration"), () => {
  const state = conformanceState("gateway-invalid-tls-configuration.yaml");
  for (const gw of [
    "gateway-certificate-nonexistent-secret",
    "gateway-certificate-unsupported-group",
    "gateway-certificate-unsupported-kind",
    "gateway-certificate-malformed-secret",
  ])
    it(`${gw}: listener https ResolvedRefs False, InvalidCertificateRef`, () =>
      gatewayMustHaveListeners(state, `${INFRA}/${gw}`, [httpsListener([notResolved("InvalidCertificateRef")])]));
});

const SECRET_TESTS = [
  ["GatewaySecretMissingReferenceGrant", "gateway-secret-missing-reference-grant", false],
  ["GatewaySecretInvalidReferenceGrant", "gateway-secret-invalid-reference-grant", false],
  ["GatewaySecretReferenceGrantAllInNamespace", "gateway-secret-reference-grant-all-in-namespace", true],
  ["GatewaySecretReferenceGrantSpecific", "gateway-secret-reference-grant-specific", true],
] as const;

for (const [test, file, granted] of SECRET_TESTS)
  describe(title(test, file), () => {
    const state = conformanceState(`${file}.yaml`);
    it(
      granted
        ? "listener https: Programmed True (Programmed), ResolvedRefs True"
        : "listener https: ResolvedRefs False, RefNotPermitted",
      () =>
        gatewayMustHaveListeners(state, `${INFRA}/${file}`, [
          httpsListener(
            granted
              ? [
                  { type: "Programmed", status: "True", reason: "Programmed" },
                  { type: "ResolvedRefs", status: "True" },
                ]
              : [notResolved("RefNotPermitted")],
          ),
        ]),
    );
  });
