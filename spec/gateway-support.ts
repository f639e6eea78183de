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
import type { GatewayState } from "../lib/model/gateway.ts";

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
