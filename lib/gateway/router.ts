// One request through a Gateway, as the standard fixes it: the listener its port, SNI and Host pick
// (most specific hostname first), the one rule that wins across every route attached there
// (hostname, then match precedence, then the oldest route, then namespace/name, then rule order),
// its filters, and the backends its weights split the request between.
import type { GatewayListener, GatewayRoute, GatewayState, HeaderModifier, PathMatch } from "../model/gateway.ts";
import { routeKey } from "../model/gateway.ts";
import { applyHeaderModifier, type Headers } from "./filters.ts";
import { bareHost, hostMatches, hostnameRank } from "./hostnames.ts";
import {
  compareRanks,
  grpcMatches,
  grpcMatchRank,
  httpMatches,
  httpMatchRank,
  type MatchRequest,
  splitPathQuery,
} from "./matching.ts";
import { type BackendProblem, type ResolvedBackend, resolveBackend } from "./references.ts";
import { applyFilters, type FilterAnswer, type FilterContext, type FilterState } from "./rule-filters.ts";
import { bestListener, servingListeners } from "./select-listener.ts";

export interface GatewayRequest {
  /** "namespace/name" */
  readonly gateway: string;
  readonly port: number;
  /** The listener's protocol decides when left out. */
  readonly scheme?: "http" | "https";
  /** The TLS ClientHello's server name, for HTTPS listeners. */
  readonly sni?: string;
  readonly host: string;
  readonly method: string;
  /** The request target: path and query. */
  readonly path: string;
  readonly headers?: Headers;
  /** gRPC traffic, routed by GRPCRoutes; otherwise HTTPRoutes route it. */
  readonly grpc?: boolean;
}

export interface GatewayUpstream {
  readonly method: string;
  readonly host: string;
  /** With the query. */
  readonly path: string;
  readonly headers: Headers;
}

export type GatewayOutcome =
  | "forwarded"
  | "redirected"
  | "cors-preflight"
  | "no-gateway"
  | "no-listener-port"
  | "tls-no-listener"
  | "no-listener"
  | "misdirected"
  | "no-route"
  | "no-backend"
  | BackendProblem;

export interface GatewayBranch {
  readonly probability: number;
  readonly outcome: GatewayOutcome;
  /** The status the gateway answers with itself; absent when a backend answers or no HTTP answer comes. */
  readonly status?: number;
  /** A gRPC request the gateway refuses gets this gRPC status. */
  readonly grpcStatus?: "Unimplemented";
  /** Why, for outcomes the input caused (a backendRef that does not resolve). */
  readonly message?: string;
  readonly backend?: ResolvedBackend;
  /** The request as the backend receives it, after the filters. */
  readonly upstream?: GatewayUpstream;
  readonly location?: string;
  /** Headers the gateway puts on the answer whatever the backend says (CORS, modifiers applied to none). */
  readonly responseHeaders: Headers;
  /** ResponseHeaderModifiers to apply to the backend's own headers (applyHeaderModifier), in order. */
  readonly responseHeaderModifiers: readonly HeaderModifier[];
}

export interface GatewayRouting {
  readonly gateway: string;
  readonly listener?: string;
  readonly route?: { readonly kind: GatewayRoute["kind"]; readonly namespace: string; readonly name: string };
  readonly rule?: { readonly index: number; readonly name?: string };
  readonly branches: readonly GatewayBranch[];
  /** Filters the rule names that kubehop does not apply (RequestMirror, ExtensionRef, ...). */
  readonly notModelled: readonly string[];
}

function answer(
  gateway: string,
  outcome: GatewayOutcome,
  status: number | undefined,
  extra: Partial<GatewayRouting> = {},
  grpc = false,
): GatewayRouting {
  const branch: GatewayBranch = {
    probability: 1,
    outcome,
    ...(status !== undefined ? { status } : {}),
    ...(grpc && status === 404 ? { grpcStatus: "Unimplemented" as const } : {}),
    responseHeaders: {},
    responseHeaderModifiers: [],
  };
  return { gateway, branches: [branch], notModelled: [], ...extra };
}

/** The listener the request reaches, or the answer when none does. */
function pickListener(state: GatewayState, req: GatewayRequest): GatewayListener | GatewayRouting {
  const onPort = servingListeners(state, req.gateway).filter((l) => l.port === req.port);
  if (onPort.length === 0) return answer(req.gateway, "no-listener-port", undefined);
  const byHost = bestListener(onPort, req.host);
  const secure = onPort.some((l) => l.protocol === "HTTPS");
  if (secure && req.sni !== undefined) {
    const bySni = bestListener(onPort, req.sni);
    if (!bySni) return answer(req.gateway, "tls-no-listener", undefined);
    // A connection set up for one listener must not serve a Host another listener takes (RFC 7540 9.1.2).
    if (byHost !== bySni) return answer(req.gateway, byHost ? "misdirected" : "no-listener", byHost ? 421 : 404);
    return bySni;
  }
  return byHost ?? answer(req.gateway, "no-listener", 404, {}, req.grpc);
}

interface Winner {
  readonly route: GatewayRoute;
  readonly ruleIndex: number;
  readonly path: PathMatch;
}

function ageKey(route: GatewayRoute): string {
  return route.creationTimestamp ?? "\uffff";
}

/** Every attached route's matching rules, in the standard's precedence; the first wins. */
function winningRule(
  state: GatewayState,
  req: GatewayRequest,
  listener: string,
  mreq: MatchRequest,
): Winner | undefined {
  const kind = req.grpc ? "GRPCRoute" : "HTTPRoute";
  const found: { winner: Winner; rank: number[]; age: string; key: string; order: number[] }[] = [];
  for (const a of state.attachments) {
    if (a.gateway !== req.gateway || a.listener !== listener || a.route.kind !== kind) continue;
    const hosts = a.hostnames.filter((h) => hostMatches(h, req.host));
    if (a.hostnames.length > 0 && hosts.length === 0) continue;
    const hostRank = hosts.map(hostnameRank).sort(compareRanks)[0] ?? hostnameRank(undefined);
    a.route.rules.forEach((rule, ruleIndex) => {
      const matches: { rank: readonly number[]; path: PathMatch; ok: boolean }[] =
        a.route.kind === "HTTPRoute"
          ? (rule as (typeof a.route.rules)[number]).matches.map((m) => ({
              rank: httpMatchRank(m),
              path: m.path,
              ok: httpMatches(m, mreq),
            }))
          : grpcMatchesOf(a.route, ruleIndex, mreq);
      matches.forEach((m, matchIndex) => {
        if (!m.ok) return;
        found.push({
          winner: { route: a.route, ruleIndex, path: m.path },
          rank: [...hostRank, ...m.rank],
          age: ageKey(a.route),
          key: routeKey(a.route),
          order: [ruleIndex, matchIndex],
        });
      });
    });
  }
  found.sort(
    (x, y) =>
      compareRanks(x.rank, y.rank) ||
      (x.age < y.age ? -1 : x.age > y.age ? 1 : 0) ||
      (x.key < y.key ? -1 : x.key > y.key ? 1 : 0) ||
      -compareRanks(x.order, y.order),
  );
  return found[0]?.winner;
}

const ANY_PATH: PathMatch = { type: "PathPrefix", value: "/" };

function grpcMatchesOf(route: GatewayRoute, ruleIndex: number, mreq: MatchRequest) {
  if (route.kind !== "GRPCRoute") return [];
  const rule = route.rules[ruleIndex]!;
  if (rule.matches.length === 0) return [{ rank: [0, 0, 0], path: ANY_PATH, ok: true }];
  return rule.matches.map((m) => ({ rank: grpcMatchRank(m), path: ANY_PATH, ok: grpcMatches(m, mreq) }));
}

export function routeGatewayRequest(state: GatewayState, req: GatewayRequest): GatewayRouting {
  if (!state.world.gateways.some((g) => routeKey(g) === req.gateway))
    return answer(req.gateway, "no-gateway", undefined);
  const listener = pickListener(state, req);
  if (!("port" in listener)) return listener;
  const { path, query } = splitPathQuery(req.path);
  const headers = req.headers ?? {};
  const mreq: MatchRequest = { method: req.method, path, query, headers };
  const winner = winningRule(state, req, listener.name, mreq);
  if (!winner) return answer(req.gateway, "no-route", 404, { listener: listener.name }, req.grpc);
  return applyRule(state, req, listener, winner);
}

function applyRule(state: GatewayState, req: GatewayRequest, listener: GatewayListener, w: Winner): GatewayRouting {
  const rule = w.route.rules[w.ruleIndex]!;
  const q = req.path.indexOf("?");
  const ctx: FilterContext = {
    scheme: req.scheme ?? (listener.protocol === "HTTPS" ? "https" : "http"),
    host: bareHost(req.host),
    query: q < 0 ? "" : req.path.slice(q),
    listenerPort: listener.port,
    method: req.method,
    matched: w.path,
  };
  const base = {
    gateway: req.gateway,
    listener: listener.name,
    route: { kind: w.route.kind, namespace: w.route.namespace, name: w.route.name },
    rule: { index: w.ruleIndex, ...(rule.name !== undefined ? { name: rule.name } : {}) },
  };
  const notModelled: string[] = [];
  const start: FilterState = {
    up: {
      method: req.method,
      host: req.host,
      path: splitPathQuery(req.path).path,
      headers: { ...(req.headers ?? {}) },
    },
    gatewayHeaders: {},
    responseMods: [],
  };
  const result = applyFilters(rule.filters, ctx, start, notModelled);
  if ("answer" in result) return { ...base, branches: [answered(1, result.answer)], notModelled };
  return { ...base, branches: backendBranches(state, w, ctx, result.state, notModelled), notModelled };
}

function answered(probability: number, a: FilterAnswer, backend?: ResolvedBackend): GatewayBranch {
  return {
    probability,
    outcome: a.outcome,
    status: a.status,
    ...(a.location !== undefined ? { location: a.location } : {}),
    ...(backend ? { backend } : {}),
    responseHeaders: a.responseHeaders,
    responseHeaderModifiers: [],
  };
}

/**
 * The rule's backendRefs by weight. Each resolved one applies its own filters after the rule's: a
 * RequestRedirect there answers that share of requests (the branch names the backendRef whose
 * filter answered); a backendRef that does not resolve answers 500 whatever its filters say.
 */
function backendBranches(
  state: GatewayState,
  w: Winner,
  ctx: FilterContext,
  ruleState: FilterState,
  notModelled: string[],
): GatewayBranch[] {
  const refs = w.route.rules[w.ruleIndex]!.backendRefs.filter((r) => r.weight > 0);
  const total = refs.reduce((s, r) => s + r.weight, 0);
  const { gatewayHeaders, responseMods } = ruleState;
  const fixed = responseMods.reduce(applyHeaderModifier, gatewayHeaders);
  if (refs.length === 0 || total === 0)
    return [
      {
        probability: 1,
        outcome: "no-backend",
        status: 500,
        responseHeaders: fixed,
        responseHeaderModifiers: responseMods,
      },
    ];
  return refs.map((ref): GatewayBranch => {
    const probability = ref.weight / total;
    const resolved = resolveBackend(state.world, w.route, ref);
    if (!resolved.ok)
      return {
        probability,
        outcome: resolved.reason,
        status: 500,
        message: resolved.message,
        responseHeaders: fixed,
        responseHeaderModifiers: responseMods,
      };
    const result = applyFilters(ref.filters, ctx, ruleState, notModelled);
    if ("answer" in result) return answered(probability, result.answer, resolved.backend);
    const { up, responseMods: mods } = result.state;
    return {
      probability,
      outcome: "forwarded",
      backend: resolved.backend,
      upstream: { ...up, path: up.path + ctx.query },
      responseHeaders: mods.reduce(applyHeaderModifier, result.state.gatewayHeaders),
      responseHeaderModifiers: mods,
    };
  });
}
