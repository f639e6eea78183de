// What ingress-nginx does with a request its location will proxy, in nginx's order: the auth-url
// subrequest (access phase: allowed, 401, or 500 when it cannot be made), the canary's choice
// (balancer.lua), then one branch per ready endpoint of the upstream, or of the default-backend
// annotation's Service when the upstream has none, or 503.
import { formatIpv4 } from "../../model/address.ts";
import type { Endpoint, Pod, Service, ServicePort } from "../../model/cluster.ts";
import { authTarget } from "../../ingress/auth.ts";
import type { CanaryBackend } from "../../ingress/canary.ts";
import type { BackendRoute } from "../../ingress/router.ts";
import { matchesIn, userRegex } from "../../ingress/user-regex.ts";
import { escapeUri } from "../../ingress/uri-escape.ts";
import type { PodRef } from "../../model/hop-at.ts";
import type { Packet } from "../../model/packet.ts";
import type { HTTP_STATUS_ACTIONS, HttpOutcome, UpstreamRequest } from "../../model/step.ts";
import { type Forwarded, forwarded } from "../../ingress/forwarded.ts";
import { goBool } from "../../ingress/annotation-values.ts";
import { controllerOf } from "../../model/ingress.ts";
import type { StepDetail } from "../../model/step-detail.ts";
import type { Outcome, StepContext, StepRecord } from "../device.ts";
import { here, podRef } from "../locations.ts";

type Detail<K extends StepDetail["kind"]> = Extract<StepDetail, { kind: K }>;
export type HttpStatus = (typeof HTTP_STATUS_ACTIONS)[number] extends `HTTP_${infer N extends number}` ? N : never;

/** A branch so far: its steps, probability and the choices that made it. */
export interface Fork {
  readonly steps: StepRecord[];
  readonly probability: number;
  readonly choices: readonly string[];
}

/** The controller answers itself on a fork. */
export type Answer = (
  status: HttpStatus,
  extra: Partial<HttpOutcome>,
  why: Omit<Detail<"controller-answer">, "kind" | "controller" | "status">,
  branch?: { steps?: StepRecord[]; probability?: number; choice?: string },
) => Outcome[];

/** The controller's own connections start from an ephemeral port distinct from the client's. */
const UPSTREAM_SPORT = 41000;

export function backendOutcomes(
  packet: Packet,
  pod: Pod,
  r: BackendRoute,
  steps: StepRecord[],
  ctx: StepContext,
  matched: HttpOutcome,
  answer: Answer,
): Outcome[] {
  const start: Fork = { steps, probability: 1, choices: [] };
  return authForks(packet, pod, r, start, ctx).flatMap((a) => {
    if (a.kind === "answer") {
      const signin = a.why.location !== undefined ? { location: a.why.location } : {};
      return answer(a.status, { ...matched, ...signin }, a.why, branchOf(a.fork));
    }
    return canaryForks(packet, pod, r, a.fork).flatMap((c) => proxyOutcomes(packet, pod, r, c, ctx, matched, answer));
  });
}

function branchOf(f: Fork): { steps: StepRecord[]; probability?: number; choice?: string } {
  return {
    steps: f.steps,
    ...(f.probability !== 1 ? { probability: f.probability } : {}),
    ...(f.choices.length ? { choice: f.choices.join("; ") } : {}),
  };
}

type AuthFork =
  | { readonly kind: "proxy"; readonly fork: Fork }
  | {
      readonly kind: "answer";
      readonly fork: Fork;
      readonly status: HttpStatus;
      readonly why: Omit<Detail<"controller-answer">, "kind" | "controller" | "status">;
    };

/** auth_request: 2xx goes on, 401 (or auth-signin's 302) ends it, a failed subrequest is a 500. */
function authForks(packet: Packet, pod: Pod, r: BackendRoute, f: Fork, ctx: StepContext): AuthFork[] {
  const auth = r.externalAuth;
  if (!auth) return [{ kind: "proxy", fork: f }];
  const target = authTarget(auth.url, ctx.net.cluster.services, ctx.net.cluster.endpointSlices);
  const fact = {
    kind: "auth-request",
    controller: podRef(pod),
    ingress: r.ingress,
    url: auth.url,
    ...(target.service ? { service: target.service } : {}),
    ...(target.upstream ? { upstream: target.upstream } : {}),
    ...(target.readyEndpoints !== undefined ? { readyEndpoints: target.readyEndpoints } : {}),
  } as const;
  if (target.state !== "reachable" && target.state !== "outside") {
    const detail: Detail<"auth-request"> = { ...fact, verdict: "error", basis: target.state };
    const step: StepRecord = { type: "drop", action: "AUTH_ERROR", detail, rule: r.rule };
    const why = target.state === "no-service" ? "no such Service" : `Service ${target.service} cannot answer`;
    return [
      { kind: "answer", fork: { ...f, steps: [...f.steps, step] }, status: 500, why: { cause: "auth-error", why } },
    ];
  }
  const given = packet.http!.authVerdict;
  const verdicts = given ? [given] : (["allowed", "denied"] as const);
  return verdicts.map((verdict) => {
    const detail: Detail<"auth-request"> = { ...fact, verdict, basis: given ? "given" : "unknown" };
    const step: StepRecord = {
      type: verdict === "allowed" ? "deliver" : "drop",
      action: verdict === "allowed" ? "AUTH_ALLOWED" : "AUTH_DENIED",
      detail,
      rule: r.rule,
    };
    const fork: Fork = {
      steps: [...f.steps, step],
      probability: f.probability / verdicts.length,
      choices: given ? f.choices : [...f.choices, `auth verdict unknown offline: assumed ${verdict}`],
    };
    if (verdict === "allowed") return { kind: "proxy", fork };
    const signin = auth.signin ? signinLocation(auth.signin, auth.signinRedirectParam, packet) : undefined;
    return signin
      ? { kind: "answer", fork, status: 302, why: { cause: "auth-denied", location: signin } }
      : { kind: "answer", fork, status: 401, why: { cause: "auth-denied" } };
  });
}

/** buildAuthSignURL: `SIGNIN?rd=$scheme://$http_host$escaped_request_uri`, unless it already has that parameter. */
function signinLocation(signin: string, param: string, packet: Packet): string {
  const h = packet.http!;
  const query = signin.includes("?") ? new URLSearchParams(signin.slice(signin.indexOf("?") + 1)) : undefined;
  if (query?.get(param)) return signin;
  const back = `${h.scheme}://${h.host}${encodeURIComponent(h.path)}`;
  return `${signin}${query ? "&" : "?"}${param}=${back}`;
}

interface CanaryFork extends Fork {
  /** The canary's backend when this branch goes to it. */
  readonly canary?: CanaryBackend;
}

/** balancer.lua route_to_alternative_balancer: the header decides, then the cookie, then the weight. */
function canaryForks(packet: Packet, pod: Pod, r: BackendRoute, f: Fork): CanaryFork[] {
  const c = r.canary;
  if (!c) return [f];
  const h = packet.http!.headers;
  const base = {
    kind: "canary",
    controller: podRef(pod),
    ingress: c.ingress,
    primary: `${r.namespace}/${r.backend.service}`,
    canary: `${c.namespace}/${c.backend.service}`,
  } as const;
  const decided = (toCanary: boolean, detail: Detail<"canary">): CanaryFork[] => [
    { ...fork(f, toCanary, detail, 1), ...(toCanary ? { canary: c } : {}) },
  ];
  const header = c.rule.header !== undefined ? h[c.rule.header.toLowerCase()] : undefined;
  if (c.rule.header !== undefined && header !== undefined) {
    const byHeader = { ...base, by: "header", header: c.rule.header, value: header } as const;
    if (c.rule.headerValue !== undefined) {
      if (c.rule.headerValue === header) return decided(true, byHeader);
    } else if (c.rule.headerPattern !== undefined) {
      if (safeMatch(c.rule.headerPattern, header)) return decided(true, byHeader);
    } else if (header === "always" || header === "never") return decided(header === "always", byHeader);
  }
  const cookie = c.rule.cookie !== undefined ? cookieValue(h.cookie, c.rule.cookie) : undefined;
  if (cookie === "always" || cookie === "never")
    return decided(cookie === "always", { ...base, by: "cookie", cookie: c.rule.cookie!, value: cookie });
  // math.random(total) <= weight: weight of total requests go to the canary.
  const total = Math.max(c.rule.weightTotal, 100);
  const share = Math.min(Math.max(c.rule.weight, 0), total) / total;
  const byWeight = { ...base, by: "weight", weight: c.rule.weight, weightTotal: total } as const;
  const out: CanaryFork[] = [];
  if (share > 0) out.push({ ...fork(f, true, byWeight, share), canary: c });
  if (share < 1) out.push(fork(f, false, byWeight, 1 - share));
  return out;
}

function fork(f: Fork, toCanary: boolean, detail: Detail<"canary">, share: number): Fork {
  const step: StepRecord = { type: "route", action: toCanary ? "CANARY" : "PRIMARY", detail };
  const where = toCanary ? `canary ${detail.canary}` : `primary ${detail.primary}`;
  const choice = share === 1 ? [] : [`${where} (canary-weight ${detail.weight} of ${detail.weightTotal})`];
  return { steps: [...f.steps, step], probability: f.probability * share, choices: [...f.choices, ...choice] };
}

/** ingress-nginx's canary-by-header-pattern, on RE2: linear time whatever the pattern (user-regex.ts). */
function safeMatch(pattern: string, value: string): boolean {
  return matchesIn(userRegex(pattern, false), value);
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The upstream's endpoints as branches; 503 or the default-backend annotation's Service when none is ready. */
function proxyOutcomes(
  packet: Packet,
  pod: Pod,
  r: BackendRoute,
  f: CanaryFork,
  ctx: StepContext,
  matched: HttpOutcome,
  answer: Answer,
): Outcome[] {
  const namespace = f.canary?.namespace ?? r.namespace;
  const backend = f.canary?.backend ?? r.backend;
  const service = `${namespace}/${backend.service}`;
  const http = { ...matched, ...(f.canary ? { backend: { service: backend.service, port: backend.port } } : {}) };
  const stop = (status: HttpStatus, why: Parameters<Answer>[2]) => answer(status, http, why, branchOf(f));
  const svc = ctx.net.cluster.services.find((s) => s.namespace === namespace && s.name === backend.service);
  if (!svc) return stop(503, { cause: "no-service", service });
  const port = svc.ports.find((p) =>
    typeof backend.port === "number" ? p.port === backend.port : p.name === backend.port,
  );
  if (!port) return stop(503, { cause: "no-port", service, port: backend.port });
  const state = { ...ctx.state, http };
  // Every endpoint gets the same request: made once.
  const sent = upstreamRequest(packet, r, forwardedOf(packet, controllerOf(ctx.net.cluster.ingress, pod)));
  const go = (
    to: { ip: number; port: number },
    pick: Pick<Detail<"proxy">, "via" | "upstreamName" | "index" | "of">,
    why: string,
    p: number,
  ) => upstream(packet, pod, to, pick, [...f.choices, why].join("; "), f.probability * p, [...f.steps], state, r, sent);
  if (r.serviceUpstream) {
    if (svc.clusterIPs.length === 0) return stop(503, { cause: "no-cluster-ip", service });
    const to = { ip: svc.clusterIPs[0]!, port: port.port };
    return [
      go(
        to,
        { via: "service-upstream" },
        `service-upstream: to the ClusterIP ${formatIpv4(to.ip)}:${to.port}, kube-proxy picks the pod`,
        1,
      ),
    ];
  }
  const endpoints = readyEndpoints(ctx, svc, port);
  const fallback = endpoints.length === 0 ? defaultBackendEndpoints(ctx, namespace, r.defaultBackend) : undefined;
  if (endpoints.length === 0 && !fallback?.length)
    return stop(503, { cause: "no-ready-endpoint", service, port: port.name || port.port });
  const via = fallback?.length ? "custom-default-backend" : "endpoint";
  const list = fallback?.length ? fallback : endpoints;
  const upstreamName = fallback?.length
    ? `custom-default-backend-${namespace}-${r.defaultBackend}`
    : `${namespace}-${svc.name}-${port.name || port.port}`;
  return list.map((to, i) => {
    const why =
      `upstream ${upstreamName} (round_robin): endpoint ${i + 1} ` +
      `of ${list.length}, ${formatIpv4(to.ip)}:${to.port}`;
    return go(to, { via, upstreamName, index: i + 1, of: list.length }, why, 1 / list.length);
  });
}

/** The default-backend annotation's Service: its first port's ready endpoints (controller.go). */
function defaultBackendEndpoints(
  ctx: StepContext,
  namespace: string,
  name: string | undefined,
): { ip: number; port: number }[] | undefined {
  const svc = name && ctx.net.cluster.services.find((s) => s.namespace === namespace && s.name === name);
  if (!svc || svc.ports.length === 0) return undefined;
  return readyEndpoints(ctx, svc, svc.ports[0]!);
}

function upstream(
  client: Packet,
  pod: Pod,
  to: { ip: number; port: number },
  pick: Pick<Detail<"proxy">, "via" | "upstreamName" | "index" | "of">,
  why: string,
  probability: number,
  steps: StepRecord[],
  state: StepContext["state"],
  r: BackendRoute,
  sent: UpstreamRequest,
): Outcome {
  const h = client.http!;
  const forwarded = sent.headers;
  // HTTPS and GRPCS speak TLS to the pod; AUTO_HTTP keeps the client's scheme.
  const tls = r.backendProtocol === "HTTPS" || r.backendProtocol === "GRPCS";
  const scheme = tls || (r.backendProtocol === "AUTO_HTTP" && h.scheme === "https") ? "https" : "http";
  const next: Packet = {
    proto: "tcp",
    src: pod.ip,
    sport: UPSTREAM_SPORT,
    dst: to.ip,
    dport: to.port,
    size: 60,
    ttl: 64,
    df: true,
    mark: 0,
    http: { ...h, scheme, path: sent.path, headers: forwarded },
  };
  const controller: PodRef = podRef(pod);
  steps.push({
    type: "proxy",
    action: "PROXIED",
    detail: {
      kind: "proxy",
      controller,
      controllerIp: formatIpv4(pod.ip),
      upstream: { ip: formatIpv4(to.ip), port: to.port },
      ...pick,
      ...(r.backendProtocol !== "HTTP" ? { protocol: r.backendProtocol } : {}),
      ...(r.affinity && pick.via !== "service-upstream" ? { affinity: r.affinity } : {}),
    },
    rule: r.rule,
    before: client,
    after: next,
  });
  const affinity = r.affinity && pick.via !== "service-upstream" ? `; ${affinityChoice(r.affinity)}` : "";
  return {
    steps,
    probability,
    choice: `${why}${affinity}`,
    state: state.http ? { ...state, http: { ...state.http, upstream: sent } } : state,
    proxy: { accepted: client, replyFrom: here.podOut(pod) },
    next: { at: here.podOut(pod), packet: next },
  };
}

/**
 * The request nginx sends upstream (nginx.tmpl's proxy_set_header lines): the client's headers, then Host
 * and X-Forwarded-Host = $best_http_host, X-Real-IP and X-Forwarded-For = $remote_addr, X-Forwarded-Port =
 * $pass_port, X-Forwarded-Proto/-Scheme and X-Scheme = $pass_access_scheme (each as `fwd` gives them:
 * lib/ingress/forwarded.ts), and X-Original-Forwarded-For/-Host = the client's own
 * X-Forwarded-For/-Host when it sent them, X-Request-ID the client's (else nginx's random $request_id, left
 * out here), Upgrade the client's with Connection: upgrade (websockets); nginx sends no header whose value is
 * empty, so Connection, Upgrade and Proxy go otherwise.
 */
export function upstreamRequest(client: Packet, r: BackendRoute, fwd: Forwarded): UpstreamRequest {
  const h = client.http!;
  const addr = formatIpv4(fwd.remoteAddr);
  const own: Record<string, string> = {
    host: fwd.host,
    "x-forwarded-for": addr,
    "x-forwarded-host": fwd.host,
    "x-forwarded-port": fwd.port,
    "x-forwarded-proto": fwd.scheme,
    "x-forwarded-scheme": fwd.scheme,
    "x-real-ip": addr,
    "x-scheme": fwd.scheme,
  };
  if (h.headers["x-forwarded-for"]) own["x-original-forwarded-for"] = h.headers["x-forwarded-for"];
  if (h.headers["x-forwarded-host"]) own["x-original-forwarded-host"] = h.headers["x-forwarded-host"];
  const upgrade = h.headers.upgrade ? { upgrade: h.headers.upgrade, connection: "upgrade" } : {};
  const merged: Record<string, string> = { ...h.headers, ...own };
  for (const gone of ["connection", "upgrade", "proxy"]) delete merged[gone];
  Object.assign(merged, upgrade);
  if (!merged["x-request-id"]) delete merged["x-request-id"];
  const headers = Object.fromEntries(
    Object.keys(merged)
      .sort()
      .map((k) => [k, merged[k]!] as const),
  );
  const path = r.rewrittenPath === undefined ? h.path : rewrittenTarget(r.rewrittenPath, r.rewrittenArgs, h.path);
  return { method: h.method, host: fwd.host, path, headers };
}

/**
 * nginx `rewrite ... break` keeps the request's arguments: after `?args` of its own (with &), or alone. The
 * rewritten path is the decoded one: a rewrite makes the request internal, so the proxy escapes the URI it
 * sends (ngx_http_proxy_create_request, NGX_ESCAPE_URI; seen with nginx 1.22 in verify).
 */
function rewrittenTarget(path: string, own: string | undefined, original: string): string {
  const q = original.indexOf("?");
  const args = q >= 0 ? original.slice(q + 1) : "";
  const sent = escapeUri(path);
  // A target ending in `?` drops the client's arguments.
  if (own === "") return sent;
  if (own !== undefined) return args === "" ? `${sent}?${own}` : `${sent}?${own}&${args}`;
  return args === "" ? sent : `${sent}?${args}`;
}

function affinityChoice(a: NonNullable<BackendRoute["affinity"]>): string {
  return a.by === "cookie" ? `affinity: cookie ${a.cookie} keeps the client here` : `upstream-hash-by ${a.key}`;
}

/** ingress-nginx balances over the ready endpoints of the Service port (from its EndpointSlices). */
function readyEndpoints(ctx: StepContext, svc: Service, port: ServicePort): { ip: number; port: number }[] {
  const out: { ip: number; port: number }[] = [];
  for (const slice of ctx.net.cluster.endpointSlices) {
    if (slice.namespace !== svc.namespace || slice.serviceName !== svc.name) continue;
    const p = slice.ports.find((x) => x.name === port.name && x.protocol === port.protocol);
    if (!p) continue;
    for (const e of slice.endpoints as readonly Endpoint[]) if (e.ready) out.push({ ip: e.ip, port: p.port });
  }
  return out;
}

/** The controller a pod runs (controllerOf): its flags, settings and what it serves. */
export type Controller = ReturnType<typeof controllerOf>;

/** Whether the controller's ConfigMap sets use-forwarded-headers. */
export function usesForwardedHeaders(ctl: Controller): boolean {
  return goBool(ctl.settings.values["use-forwarded-headers"]) === true;
}

/** What nginx takes the request's scheme, host, port and client address to be (forwarded.ts). */
export function forwardedOf(packet: Packet, ctl: Controller): Forwarded {
  const http = packet.http!;
  const conn = { scheme: http.scheme, host: http.headers.host ?? http.host, headers: http.headers, ...packet };
  return forwarded(conn, usesForwardedHeaders(ctl), ctl.config.httpsPort);
}
