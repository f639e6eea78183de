// A Gateway's proxy inside its pod: it accepts the client's connection on a listener's port, ends TLS
// at an HTTPS listener (the listener the TLS server name picks presents its certificate), routes the
// request as the Gateway API fixes it (lib/gateway/router.ts), and either answers itself (a redirect,
// 404, 421, 500, 503; 400 to plain http on a TLS port, before any route) or opens a new connection
// from its own pod IP to one ready endpoint of the backend Service, as Gateway implementations do
// (Envoy's EDS, NGINX Gateway Fabric's upstreams): each backendRef's weight share times each
// endpoint's equal share is a branch.
import type { GatewayBranch, GatewayRouting } from "../../gateway/router.ts";
import { routeGatewayRequest } from "../../gateway/router.ts";
import { applyHeaderModifier, type Headers } from "../../gateway/filters.ts";
import { bestListener, servingListeners } from "../../gateway/select-listener.ts";
import { GATEWAY_NAME_LABEL } from "../../control/gateway-defaults.ts";
import { formatIpv4 } from "../../model/address.ts";
import type { Endpoint, Pod } from "../../model/cluster.ts";
import { type Gateway, type GatewayListener, routeKey } from "../../model/gateway.ts";
import type { Packet } from "../../model/packet.ts";
import type { Disposition, HttpOutcome, StepAction, UpstreamRequest } from "../../model/step.ts";
import type { GatewayAnswerDetail, GatewayRouteDetail } from "../../model/step-detail.ts";
import type { Outcome, StepContext, StepRecord } from "../device.ts";
import { destinationOf, sourceOf } from "../facts.ts";
import { here, podRef } from "../locations.ts";
import { echoHeaders } from "./echo-server.ts";

/** The proxy's own connections start from an ephemeral port distinct from the client's. */
const UPSTREAM_SPORT = 41000;

/** The Gateway a pod proxies for on a port: its label names it, and one of its listeners has the port. */
export function servedGateway(pod: Pod, port: number, ctx: StepContext): Gateway | undefined {
  const name = pod.labels[GATEWAY_NAME_LABEL];
  if (name === undefined) return undefined;
  const gw = ctx.net.cluster.gateways.world.gateways.find((g) => g.namespace === pod.namespace && g.name === name);
  return gw?.listeners.some((l) => l.port === port) ? gw : undefined;
}

const DISPOSITIONS: Partial<Record<number, Disposition>> = {
  400: "HTTP_400",
  404: "HTTP_404",
  421: "HTTP_421",
  500: "HTTP_500",
  503: "HTTP_503",
};

interface Exchange {
  readonly packet: Packet;
  readonly pod: Pod;
  readonly gateway: string;
  readonly ctx: StepContext;
}

export function gatewayProxy(packet: Packet, pod: Pod, gw: Gateway, ctx: StepContext): Outcome[] {
  const http = packet.http!;
  const gateway = routeKey(gw);
  const x: Exchange = { packet, pod, gateway, ctx };
  const steps: StepRecord[] = [
    {
      type: "deliver",
      action: "ACCEPTED",
      detail: {
        kind: "accept-connection",
        controller: podRef(pod),
        gateway,
        socket: destinationOf(packet),
        peer: sourceOf(packet),
      },
    },
  ];
  const state = ctx.net.cluster.gateways;
  const onPort = gw.listeners.filter((l) => l.port === packet.dport);
  const secure = onPort.some((l) => l.protocol === "HTTPS");
  // curl's request as the proxy sees it: with TLS, the URL's host is the server name, -H Host the Host.
  const sni = (http as typeof http & { readonly sni?: string }).sni ?? http.host;
  if (secure && http.scheme !== "https") return plainHttpToTlsPort(x, steps);
  if (!secure && http.scheme === "https") {
    const message = `port ${packet.dport}'s listeners speak plain HTTP and curl started a TLS handshake`;
    return handshakeFailed(x, steps, sni, message);
  }
  if (secure) {
    const listener = bestListener(
      servingListeners(state, gateway).filter((l) => l.port === packet.dport),
      sni,
    );
    if (!listener) return handshakeFailed(x, steps, sni);
    steps.push(tlsStep(x, listener, sni, http.insecure));
  }
  const contentType = http.headers["content-type"] ?? "";
  const routing = routeGatewayRequest(state, {
    gateway,
    port: packet.dport,
    scheme: http.scheme,
    ...(secure ? { sni } : {}),
    host: http.host,
    method: http.method,
    path: http.path,
    headers: http.headers,
    ...(contentType.startsWith("application/grpc") ? { grpc: true } : {}),
  });
  return routing.branches.flatMap((b) => branchOutcomes(x, [...steps], routing, b));
}

function tlsStep(x: Exchange, l: GatewayListener, sni: string, insecure: boolean): StepRecord {
  const cert = l.tls?.certificateRefs[0];
  return {
    type: "decrypt",
    action: "TLS",
    detail: {
      kind: "tls",
      controller: podRef(x.pod),
      gateway: x.gateway,
      listener: l.name,
      sni,
      ...(cert ? { secret: `${cert.namespace ?? x.pod.namespace}/${cert.name}` } : {}),
      basis: `listener ${l.name}'s certificateRefs, its hostname ${l.hostname ?? "(any)"} taking ${sni}`,
      insecure,
      trusted: true,
    },
  };
}

function handshakeFailed(x: Exchange, steps: StepRecord[], sni: string, message?: string): Outcome[] {
  const detail: GatewayAnswerDetail = {
    kind: "gateway-answer",
    proxy: podRef(x.pod),
    gateway: x.gateway,
    cause: "tls-no-listener",
    sni,
    ...(message ? { message } : {}),
  };
  // No HTTP exchange happened, so the branch carries no http outcome.
  return [
    {
      steps: [...steps, { type: "drop", action: "TLS_HANDSHAKE_FAILED", detail }],
      state: x.ctx.state,
      end: { disposition: "TLS_HANDSHAKE_FAILED", detail },
    },
  ];
}

/** curl sent no handshake, so nginx reads the plain request on its TLS socket and answers 400 itself. */
function plainHttpToTlsPort(x: Exchange, steps: StepRecord[]): Outcome[] {
  const detail: GatewayAnswerDetail = {
    kind: "gateway-answer",
    proxy: podRef(x.pod),
    gateway: x.gateway,
    status: 400,
    cause: "plain-http-to-tls-port",
    message: `port ${x.packet.dport}'s listeners speak TLS (HTTPS) and curl sent plain HTTP`,
  };
  const http: HttpOutcome = {
    status: 0,
    host: x.packet.http!.host,
    clientIP: formatIpv4(x.packet.src),
    gateway: x.gateway,
  };
  return [answer(x, steps, http, detail, 1, [], undefined)];
}

function routeStep(x: Exchange, r: GatewayRouting, b: GatewayBranch, weight?: GatewayRouteDetail["weight"]) {
  const detail: GatewayRouteDetail = {
    kind: "gateway-route",
    proxy: podRef(x.pod),
    gateway: x.gateway,
    ...(r.listener !== undefined ? { listener: r.listener } : {}),
    ...(r.route ? { route: r.route } : {}),
    ...(r.rule ? { rule: r.rule } : {}),
    outcome: b.outcome,
    ...(b.backend ? { backend: b.backend } : {}),
    ...(weight ? { weight } : {}),
    notModelled: r.notModelled,
  };
  const rule = r.route && r.rule ? `${r.route.kind} ${routeKey(r.route)} spec.rules[${r.rule.index}]` : undefined;
  const step: StepRecord = { type: "route", action: "HTTP_ROUTE", detail, ...(rule ? { rule } : {}) };
  return { step, rule };
}

/** What the branch's http says before a pod answers. */
function routedHttp(x: Exchange, r: GatewayRouting, b: GatewayBranch): HttpOutcome {
  return {
    status: 0,
    host: x.packet.http!.host,
    clientIP: formatIpv4(x.packet.src),
    gateway: x.gateway,
    ...(r.listener !== undefined ? { listener: r.listener } : {}),
    ...(r.route ? { route: routeKey(r.route) } : {}),
    ...(r.rule ? { rule: r.rule } : {}),
    ...(b.backend
      ? { backend: { namespace: b.backend.namespace, service: b.backend.service, port: b.backend.port } }
      : {}),
  };
}

function weightOf(r: GatewayRouting, b: GatewayBranch, state: StepContext["net"]["cluster"]["gateways"]) {
  if (!r.route || !r.rule) return undefined;
  const route = state.world.routes.find((x) => x.kind === r.route!.kind && routeKey(x) === routeKey(r.route!));
  const refs = route?.rules[r.rule.index]?.backendRefs.filter((ref) => ref.weight > 0) ?? [];
  if (refs.length < 2) return undefined;
  const total = refs.reduce((s, ref) => s + ref.weight, 0);
  return { weight: Math.round(b.probability * total), total };
}

function branchOutcomes(x: Exchange, steps: StepRecord[], r: GatewayRouting, b: GatewayBranch): Outcome[] {
  const weight = b.outcome === "forwarded" || b.backend ? weightOf(r, b, x.ctx.net.cluster.gateways) : undefined;
  const { step, rule } = routeStep(x, r, b, weight);
  steps.push(step);
  const http = routedHttp(x, r, b);
  const ref = b.backend && `${b.backend.namespace}/${b.backend.service}:${b.backend.port}`;
  const choices = weight && ref ? [`backendRef ${ref} (weight ${weight.weight} of ${weight.total})`] : [];
  if (b.outcome !== "forwarded") {
    const cause = b.outcome;
    const detail: GatewayAnswerDetail = {
      kind: "gateway-answer",
      proxy: podRef(x.pod),
      gateway: x.gateway,
      ...(b.status !== undefined ? { status: b.status } : {}),
      cause,
      ...(b.location !== undefined ? { location: b.location } : {}),
      ...(b.message !== undefined ? { message: b.message } : {}),
    };
    const extra = {
      ...(b.location !== undefined ? { location: b.location } : {}),
      ...(Object.keys(b.responseHeaders).length ? { responseHeaders: sorted(b.responseHeaders) } : {}),
    };
    return [answer(x, steps, { ...http, ...extra }, detail, b.probability, choices, rule)];
  }
  const backend = b.backend!;
  const service = `${backend.namespace}/${backend.service}`;
  const endpoints = readyEndpoints(x.ctx, backend.namespace, backend.service, backend.port);
  if (endpoints.length === 0) {
    const detail: GatewayAnswerDetail = {
      kind: "gateway-answer",
      proxy: podRef(x.pod),
      gateway: x.gateway,
      status: 503,
      cause: "no-ready-endpoint",
      service,
    };
    return [answer(x, steps, http, detail, b.probability, choices, rule)];
  }
  return endpoints.map((to, i) => {
    const why = `endpoint ${i + 1} of ${endpoints.length}, ${formatIpv4(to.ip)}:${to.port}`;
    return forward(
      x,
      [...steps],
      b,
      http,
      to,
      { index: i + 1, of: endpoints.length },
      {
        probability: b.probability / endpoints.length,
        choice: [...choices, why].join("; "),
      },
    );
  });
}

function answer(
  x: Exchange,
  steps: StepRecord[],
  http: HttpOutcome,
  detail: GatewayAnswerDetail,
  probability: number,
  choices: readonly string[],
  rule: string | undefined,
): Outcome {
  const status = detail.status ?? 0;
  const action = `HTTP_${status}` as StepAction;
  return {
    steps: [...steps, { type: "deliver", action, detail, ...(rule ? { rule } : {}) }],
    state: { ...x.ctx.state, http: { ...http, status } },
    ...(probability !== 1 ? { probability } : {}),
    ...(choices.length ? { choice: choices.join("; ") } : {}),
    end: {
      disposition: DISPOSITIONS[status] ?? "HTTP_RESPONSE",
      detail,
      ...(rule ? { rule } : {}),
      replyFrom: here.podOut(x.pod),
      delivered: x.packet,
    },
  };
}

function forward(
  x: Exchange,
  steps: StepRecord[],
  b: GatewayBranch,
  http: HttpOutcome,
  to: { ip: number; port: number; pod?: Pod },
  pick: { index: number; of: number },
  branch: { probability: number; choice: string },
): Outcome {
  const up = b.upstream!;
  const headers: Headers = sorted({ ...up.headers, host: up.host });
  const sent: UpstreamRequest = { method: up.method, host: up.host, path: up.path, headers };
  const client = x.packet;
  const next: Packet = {
    proto: "tcp",
    src: x.pod.ip,
    sport: UPSTREAM_SPORT,
    dst: to.ip,
    dport: to.port,
    size: 60,
    ttl: 64,
    df: true,
    mark: 0,
    http: { ...client.http!, scheme: "http", method: up.method, host: up.host, path: up.path, headers },
  };
  const backend = b.backend!;
  steps.push({
    type: "proxy",
    action: "PROXIED",
    detail: {
      kind: "proxy",
      controller: podRef(x.pod),
      gateway: x.gateway,
      controllerIp: formatIpv4(x.pod.ip),
      upstream: { ip: formatIpv4(to.ip), port: to.port },
      via: "endpoint",
      upstreamName: `${backend.namespace}/${backend.service}:${backend.port}`,
      ...pick,
    },
    before: client,
    after: next,
  });
  // The backend's own headers (the conformance echo server's X-Echo-Set-Header), then the route's modifiers.
  const own = to.pod ? echoHeaders(to.pod, { method: up.method, path: up.path, headers }) : {};
  const answered = b.responseHeaderModifiers.reduce(applyHeaderModifier, { ...own, ...b.responseHeaders });
  const responseHeaders = Object.keys(answered).length ? { responseHeaders: sorted(answered) } : {};
  return {
    steps,
    probability: branch.probability,
    choice: branch.choice,
    state: { ...x.ctx.state, http: { ...http, upstream: sent, ...responseHeaders } },
    proxy: { accepted: client, replyFrom: here.podOut(x.pod) },
    next: { at: here.podOut(x.pod), packet: next },
  };
}

/** Header names lower-case (filters keep the case they were written in), sorted. */
function sorted(h: Headers): Record<string, string> {
  const lower = new Map(Object.keys(h).map((k) => [k.toLowerCase(), h[k]!] as const));
  return Object.fromEntries([...lower.keys()].sort().map((k) => [k, lower.get(k)!] as const));
}

/** The Service port's ready endpoints, from its EndpointSlices, with the pod behind each where known. */
function readyEndpoints(
  ctx: StepContext,
  namespace: string,
  name: string,
  port: number,
): { ip: number; port: number; pod?: Pod }[] {
  const cluster = ctx.net.cluster;
  const svc = cluster.services.find((s) => s.namespace === namespace && s.name === name);
  const sp = svc?.ports.find((p) => p.port === port && p.protocol === "TCP");
  if (!svc || !sp) return [];
  const out: { ip: number; port: number; pod?: Pod }[] = [];
  for (const slice of cluster.endpointSlices) {
    if (slice.namespace !== namespace || slice.serviceName !== name) continue;
    const p = slice.ports.find((x) => x.name === sp.name && x.protocol === sp.protocol);
    if (!p) continue;
    for (const e of slice.endpoints as readonly Endpoint[]) {
      if (!e.ready) continue;
      const pod = cluster.pods.find((q) => q.ip === e.ip && !q.hostNetwork);
      out.push({ ip: e.ip, port: p.port, ...(pod ? { pod } : {}) });
    }
  }
  return out;
}
