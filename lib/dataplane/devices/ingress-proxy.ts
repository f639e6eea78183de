// The ingress-nginx controller inside its pod: nginx accepts the client's connection, picks a
// server and location from the Ingress rules, and either answers itself (a redirect, 404, 503) or
// opens a new connection from its own pod IP to a backend pod (to the ClusterIP with the
// service-upstream annotation). Each upstream endpoint is a branch of equal probability.
import { formatIpv4 } from "../../model/address.ts";
import type { Endpoint, Pod, Service, ServicePort } from "../../model/cluster.ts";
import { certificateServer } from "../../ingress/hosts.ts";
import { type BackendRoute, routeOn } from "../../ingress/router.ts";
import { buildServers, type Server } from "../../ingress/servers.ts";
import { ingressKey } from "../../model/ingress.ts";
import type { PodRef } from "../../model/hop-at.ts";
import type { HTTP_STATUS_ACTIONS, HttpOutcome } from "../../model/step.ts";
import type { StepDetail } from "../../model/step-detail.ts";
import type { Outcome, StepContext, StepRecord } from "../device.ts";
import { destinationOf, sourceOf } from "../facts.ts";
import { here, podRef } from "../locations.ts";

type ControllerAnswer = Extract<StepDetail, { kind: "controller-answer" }>;
type HttpStatus = (typeof HTTP_STATUS_ACTIONS)[number] extends `HTTP_${infer N extends number}` ? N : never;
import type { Packet } from "../../model/packet.ts";

/** The controller's own connections start from an ephemeral port distinct from the client's. */
const UPSTREAM_SPORT = 41000;

export function ingressProxy(packet: Packet, pod: Pod, ctx: StepContext): Outcome[] {
  const http = packet.http!;
  const controller = podRef(pod);
  const clientIP = formatIpv4(packet.src);
  const steps: StepRecord[] = [
    {
      type: "deliver",
      action: "ACCEPTED",
      detail: { kind: "accept-connection", controller, socket: destinationOf(packet), peer: sourceOf(packet) },
    },
  ];
  const base: HttpOutcome = { status: 0, host: http.host, clientIP };
  const served = ctx.net.cluster.ingress.served.map((s) => s.ingress);
  const servers = buildServers(served);
  if (http.scheme === "https") {
    // SNI picks the certificate (curl sends the URL's host); Host picks the route.
    const sni = (http as typeof http & { readonly sni?: string }).sni ?? http.host;
    const tls = tlsStep(controller, certificateServer(servers, sni), sni, http.insecure);
    steps.push(tls);
    if (tls.action === "TLS_UNTRUSTED") {
      // No HTTP exchange happened, so the branch carries no http outcome (a status of 0 would be invented).
      return [
        {
          steps,
          state: ctx.state,
          end: { disposition: "TLS_CERT_UNTRUSTED", detail: { kind: "tls-untrusted", controller, sni } },
        },
      ];
    }
  }
  const r = routeOn(servers, { host: http.host, path: http.path, scheme: http.scheme });
  const answer = (
    status: HttpStatus,
    extra: Partial<HttpOutcome>,
    why: Omit<ControllerAnswer, "kind" | "controller" | "status">,
  ): Outcome[] => {
    const disposition = status === 404 ? "HTTP_404" : status === 503 ? "HTTP_503" : "HTTP_RESPONSE";
    const detail: ControllerAnswer = { kind: "controller-answer", controller, status, ...why };
    steps.push({ type: "deliver", action: `HTTP_${status}`, detail, rule: r.rule });
    const state = { ...ctx.state, http: { ...base, ...extra, status } };
    return [
      {
        steps,
        state,
        end: { disposition, detail, rule: r.rule, replyFrom: here.podOut(pod), delivered: packet },
      },
    ];
  };
  steps.push({ type: "route", action: "HTTP_ROUTE", detail: routeDetail(r), rule: r.rule });
  if (r.kind === "redirect")
    return answer(
      r.status,
      { location: r.location, ...(r.ingress ? { ingress: r.ingress } : {}) },
      { cause: "redirect", location: r.location },
    );
  if (r.kind === "default-backend") return answer(404, {}, { cause: "default-backend" });
  // A spec.defaultBackend has no path or pathType in the Ingress: those fields are left out then.
  const rulePath: Partial<HttpOutcome> = r.source === "rule" ? { path: r.path, pathType: r.pathType } : {};
  const matched: Partial<HttpOutcome> = {
    ingress: r.ingress,
    host: r.host,
    ...rulePath,
    backend: { service: r.backend.service, port: r.backend.port },
  };
  const namespace = served.find((i) => ingressKey(i) === r.ingress)!.namespace;
  const service = `${namespace}/${r.backend.service}`;
  const svc = ctx.net.cluster.services.find((s) => s.namespace === namespace && s.name === r.backend.service);
  if (!svc) return answer(503, matched, { cause: "no-service", service });
  const port = svc.ports.find((p) =>
    typeof r.backend.port === "number" ? p.port === r.backend.port : p.name === r.backend.port,
  );
  if (!port) return answer(503, matched, { cause: "no-port", service, port: r.backend.port });
  const http503 = { ...base, ...matched };
  if (r.serviceUpstream) {
    if (svc.clusterIPs.length === 0) return answer(503, matched, { cause: "no-cluster-ip", service });
    const to = { ip: svc.clusterIPs[0]!, port: port.port };
    const why = `service-upstream: to the ClusterIP ${formatIpv4(to.ip)}:${to.port}, kube-proxy picks the pod`;
    return [upstream(packet, pod, to, { via: "service-upstream" }, why, 1, steps, ctx, http503, r)];
  }
  const endpoints = readyEndpoints(ctx, svc, port);
  if (endpoints.length === 0)
    return answer(503, matched, { cause: "no-ready-endpoint", service, port: port.name || port.port });
  const upstreamName = `${namespace}-${svc.name}-${port.name || port.port}`;
  return endpoints.map((to, i) => {
    const pick = { via: "endpoint", upstreamName, index: i + 1, of: endpoints.length } as const;
    const why = `upstream ${upstreamName} (round_robin): endpoint ${i + 1} of ${endpoints.length}, ${formatIpv4(to.ip)}:${to.port}`;
    return upstream(packet, pod, to, pick, why, 1 / endpoints.length, [...steps], ctx, http503, r);
  });
}

/** The router's decision as facts: which Ingress rule, host, path and backend, or which redirect. */
function routeDetail(r: ReturnType<typeof routeOn>): StepDetail {
  const common = { kind: "http-route", server: r.server, explanation: r.reason, considered: r.considered } as const;
  if (r.kind === "redirect")
    return {
      ...common,
      outcome: "redirect",
      ...(r.ingress ? { ingress: r.ingress } : {}),
      redirect: { status: r.status, location: r.location },
    };
  if (r.kind === "default-backend") return { ...common, outcome: "default-backend" };
  return {
    ...common,
    outcome: "backend",
    ingress: r.ingress,
    host: r.host,
    path: r.path,
    pathType: r.pathType,
    backend: { service: r.backend.service, port: r.backend.port },
  };
}

function upstream(
  client: Packet,
  pod: Pod,
  to: { ip: number; port: number },
  pick: Pick<Extract<StepDetail, { kind: "proxy" }>, "via" | "upstreamName" | "index" | "of">,
  why: string,
  probability: number,
  steps: StepRecord[],
  ctx: StepContext,
  http: HttpOutcome,
  r: BackendRoute,
): Outcome {
  const h = client.http!;
  const forwarded = {
    ...h.headers,
    host: h.host,
    "x-forwarded-for": formatIpv4(client.src),
    "x-forwarded-proto": h.scheme,
    "x-real-ip": formatIpv4(client.src),
  };
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
    http: { ...h, scheme: "http", path: r.rewrittenPath ?? h.path, headers: forwarded },
  };
  steps.push({
    type: "proxy",
    action: "PROXIED",
    detail: {
      kind: "proxy",
      controller: podRef(pod),
      controllerIp: formatIpv4(pod.ip),
      upstream: { ip: formatIpv4(to.ip), port: to.port },
      ...pick,
    },
    rule: r.rule,
    before: client,
    after: next,
  });
  return {
    steps,
    probability,
    choice: why,
    state: { ...ctx.state, http },
    proxy: { accepted: client, replyFrom: here.podOut(pod) },
    next: { at: here.podOut(pod), packet: next },
  };
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

/** TLS ends at nginx: a host's Secret (assumed to hold a valid certificate) or the fake default one. */
function tlsStep(controller: PodRef, server: Server | undefined, sni: string, insecure: boolean): StepRecord {
  const cert = server?.certificate;
  const trusted = !!cert?.secret || insecure;
  return {
    type: trusted ? "decrypt" : "drop",
    action: trusted ? "TLS" : "TLS_UNTRUSTED",
    detail: {
      kind: "tls",
      controller,
      sni,
      ...(cert?.secret ? { secret: cert.secret } : {}),
      ...(cert ? { basis: cert.why } : {}),
      insecure,
      trusted,
    },
  };
}
