// Loads a transcribed conformance test (base manifests + the test's own) and checks the requests
// and answers the test lists against routeGatewayRequest.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { gatewayState } from "../lib/gateway/world.ts";
import { type GatewayRequest, routeGatewayRequest } from "../lib/gateway/router.ts";
import { applyHeaderModifier } from "../lib/gateway/filters.ts";
import { headerValue } from "../lib/gateway/matching.ts";
import { loadInput } from "../lib/input/load.ts";
import { GATEWAY_GROUP, type GatewayState } from "../lib/model/gateway.ts";

const DIR = join(import.meta.dirname, "fixtures", "gateway-conformance");
export const INFRA = "gateway-conformance-infra";

export function conformanceState(...files: string[]): GatewayState {
  return conformanceStateWithout({}, ...files);
}

/** The same, with objects a test deletes part way through left out. */
export function conformanceStateWithout(
  deleted: { readonly referenceGrants?: readonly string[] },
  ...files: string[]
): GatewayState {
  const text = ["base.yaml", ...files].map((f) => readFileSync(join(DIR, f), "utf8")).join("\n---\n");
  const loaded = loadInput(text);
  const gone = new Set(deleted.referenceGrants ?? []);
  const input = {
    ...loaded,
    gatewayApi: {
      ...loaded.gatewayApi,
      referenceGrants: loaded.gatewayApi.referenceGrants.filter(
        (g) => !gone.has(`${g.obj.metadata.namespace}/${g.obj.metadata.name}`),
      ),
    },
  };
  const services = input.services.map((s) => ({
    namespace: s.obj.metadata.namespace ?? "default",
    name: s.obj.metadata.name,
    ports: (s.obj.spec.ports ?? []).map((p) => ({ port: p.port })),
  }));
  return gatewayState(input.gatewayApi, services);
}

export interface Expected {
  readonly req: Partial<GatewayRequest> & { readonly path: string };
  /** The Service that answers (in gateway-conformance-infra unless ns says otherwise). */
  readonly backend?: string;
  readonly ns?: string;
  /** A status the gateway answers itself (404, 500, a redirect's). */
  readonly status?: number;
  readonly location?: string;
  readonly upstream?: { readonly path?: string; readonly host?: string; readonly headers?: Record<string, string> };
  readonly absent?: readonly string[];
  /** Headers the backend sets, and what the client then sees. */
  readonly backendSets?: Record<string, string>;
  readonly response?: Record<string, string>;
  readonly responseAbsent?: readonly string[];
  /** roundtripper.RedirectRequest: the Location's parts the test names (the rest defaulted as http.go does). */
  readonly redirect?: {
    readonly scheme?: string;
    readonly host?: string;
    readonly port?: string;
    readonly path?: string;
  };
}

/**
 * http.go CompareRoundTrip for a redirect: a host left out is not compared, a scheme or path left
 * out must be the request's, a port left out may be absent or the scheme's well-known one.
 */
function checkRedirect(
  what: string,
  req: GatewayRequest,
  location: string | undefined,
  e: NonNullable<Expected["redirect"]>,
) {
  expect(location, `${what} has a Location`).to.be.a("string");
  const url = new URL(location!);
  const scheme = url.protocol.replace(/:$/, "");
  const requestScheme = req.scheme ?? (req.port === 443 ? "https" : "http");
  if (e.host !== undefined) expect(url.hostname, `${what} redirect host`).to.equal(e.host);
  expect(scheme, `${what} redirect scheme`).to.equal(e.scheme ?? requestScheme);
  expect(url.pathname, `${what} redirect path`).to.equal(e.path ?? req.path.split("?")[0]);
  // URL drops a scheme's default port, which the harness accepts too when no port is named.
  if (e.port !== undefined)
    expect(url.port, `${what} redirect port`).to.equal(e.port === { http: "80", https: "443" }[scheme] ? "" : e.port);
  else expect(url.port, `${what} redirect port`).to.equal("");
}

export function check(state: GatewayState, gateway: string, e: Expected): void {
  const req: GatewayRequest = {
    gateway: `${INFRA}/${gateway}`,
    port: 80,
    host: "example.com",
    method: "GET",
    ...e.req,
  };
  const r = routeGatewayRequest(state, req);
  const what = JSON.stringify(e.req);
  expect(r.branches, what).to.have.length(1);
  const b = r.branches[0]!;
  if (e.status !== undefined) expect(b.status, `${what} status`).to.equal(e.status);
  if (e.location !== undefined) expect(b.location, `${what} location`).to.equal(e.location);
  if (e.backend !== undefined) {
    expect(b.outcome, `${what} outcome`).to.equal("forwarded");
    expect(b.backend, what).to.deep.include({ namespace: e.ns ?? INFRA, service: e.backend });
  }
  if (e.redirect !== undefined) checkRedirect(what, req, b.location, e.redirect);
  // http.go: the request the backend receives is the one sent, unless the test says otherwise.
  if (e.backend !== undefined)
    expect(b.upstream?.path, `${what} upstream path`).to.equal(e.upstream?.path ?? e.req.path);
  if (e.upstream?.host !== undefined) expect(b.upstream?.host, `${what} upstream host`).to.equal(e.upstream.host);
  for (const [k, v] of Object.entries(e.upstream?.headers ?? {}))
    expect(headerValue(b.upstream?.headers ?? {}, k), `${what} upstream header ${k}`).to.equal(v);
  for (const k of e.absent ?? [])
    expect(headerValue(b.upstream?.headers ?? {}, k), `${what} ${k} removed`).to.equal(undefined);
  if (e.response || e.responseAbsent) {
    const seen = b.responseHeaderModifiers.reduce(applyHeaderModifier, e.backendSets ?? {});
    for (const [k, v] of Object.entries(e.response ?? {}))
      expect(headerValue(seen, k), `${what} response header ${k}`).to.equal(v);
    for (const k of e.responseAbsent ?? []) expect(headerValue(seen, k), `${what} ${k} removed`).to.equal(undefined);
  }
}

// Status checks as conformance/utils/kubernetes/helpers.go makes them. A reason left out matches any.
export interface ExpectedCondition {
  readonly type: string;
  readonly status: "True" | "False";
  readonly reason?: string;
}

const has = (conds: readonly ExpectedCondition[], c: ExpectedCondition) =>
  conds.some((a) => a.type === c.type && a.status === c.status && (c.reason === undefined || a.reason === c.reason));

function routeStatus(state: GatewayState, route: string) {
  const r = state.routes.find((s) => `${s.namespace}/${s.name}` === route);
  expect(r, `route ${route} has a status`).to.not.equal(undefined);
  return r!;
}

/** HTTPRouteMustHaveCondition: some parent naming the Gateway carries the condition. */
export function routeMustHaveCondition(state: GatewayState, route: string, gateway: string, c: ExpectedCondition) {
  const parents = routeStatus(state, route).parents.filter(
    (p) => `${p.parentRef.namespace}/${p.parentRef.name}` === gateway,
  );
  const seen = JSON.stringify(parents.map((p) => p.conditions));
  expect(
    parents.some((p) => has(p.conditions, c)),
    `${route} on ${gateway}: ${JSON.stringify(c)} in ${seen}`,
  ).to.equal(true);
}

/** HTTPRouteMustHaveNoAcceptedParents: no parent, or one that is not Accepted. */
export function routeMustHaveNoAcceptedParents(state: GatewayState, route: string) {
  const parents = routeStatus(state, route).parents;
  expect(parents.length, `${route} parents`).to.be.at.most(1);
  for (const p of parents) expect(has(p.conditions, { type: "Accepted", status: "False" }), route).to.equal(true);
}

/** GatewayMustHaveZeroRoutes: every listener's attachedRoutes is 0. */
export function gatewayMustHaveZeroRoutes(state: GatewayState, gateway: string) {
  const gw = state.gateways.find((g) => `${g.namespace}/${g.name}` === gateway);
  expect(gw, gateway).to.not.equal(undefined);
  for (const l of gw!.listeners) expect(l.attachedRoutes, `${gateway} listener ${l.name}`).to.equal(0);
}

export interface ExpectedListener {
  readonly name: string;
  readonly supportedKinds: readonly string[];
  readonly attachedRoutes: number;
  readonly conditions: readonly ExpectedCondition[];
}

/** GatewayStatusMustHaveListeners (gatewayListenersMatch): the same listeners, each as expected. */
export function gatewayMustHaveListeners(state: GatewayState, gateway: string, expected: readonly ExpectedListener[]) {
  const gw = state.gateways.find((g) => `${g.namespace}/${g.name}` === gateway);
  expect(gw?.listeners.length, `${gateway} listeners`).to.equal(expected.length);
  for (const e of expected) {
    const l = gw!.listeners.find((a) => a.name === e.name);
    expect(l, `${gateway} listener ${e.name}`).to.not.equal(undefined);
    // An empty list expects none; otherwise the listener may support more kinds than the test names.
    if (e.supportedKinds.length === 0) expect(l!.supportedKinds, `${e.name} supportedKinds`).to.deep.equal([]);
    for (const kind of e.supportedKinds)
      expect(l!.supportedKinds, `${e.name} supportedKinds`).to.deep.include({ group: GATEWAY_GROUP, kind });
    expect(l!.attachedRoutes, `${e.name} attachedRoutes`).to.equal(e.attachedRoutes);
    for (const c of e.conditions)
      expect(has(l!.conditions, c), `${e.name}: ${JSON.stringify(c)} in ${JSON.stringify(l!.conditions)}`).to.equal(
        true,
      );
  }
}

/** GatewayMustHaveCondition: the Gateway's own status carries the condition. */
export function gatewayMustHaveCondition(state: GatewayState, gateway: string, c: ExpectedCondition) {
  const gw = state.gateways.find((g) => `${g.namespace}/${g.name}` === gateway);
  expect(gw, gateway).to.not.equal(undefined);
  expect(has(gw!.conditions, c), `${gateway}: ${JSON.stringify(c)} in ${JSON.stringify(gw!.conditions)}`).to.equal(
    true,
  );
}

/** GatewayAndHTTPRoutesMustBeAccepted: each route Accepted by the Gateway, every listener ready. */
export function gatewayAndRoutesMustBeAccepted(state: GatewayState, gateway: string, ...routes: string[]) {
  for (const route of routes) routeMustHaveCondition(state, route, gateway, { type: "Accepted", status: "True" });
  const gw = state.gateways.find((g) => `${g.namespace}/${g.name}` === gateway);
  expect(gw, gateway).to.not.equal(undefined);
  for (const l of gw!.listeners)
    for (const type of ["ResolvedRefs", "Accepted", "Programmed"])
      expect(has(l.conditions, { type, status: "True" }), `${gateway} listener ${l.name} ${type}`).to.equal(true);
}
