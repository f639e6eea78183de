// The ingress-nginx controller inside its pod: nginx accepts the client's connection, picks a
// server and location from the Ingress rules, and either answers itself (a redirect, 404, 503) or
// opens a new connection from its own pod IP to a backend pod (to the ClusterIP with the
// service-upstream annotation). Each upstream endpoint is a branch of equal probability.
import { formatIpv4 } from "../../model/address.ts";
import type { Endpoint, Pod, Service, ServicePort } from "../../model/cluster.ts";
import { certificateServer } from "../../ingress/hosts.ts";
import { type BackendRoute, routeOn } from "../../ingress/router.ts";
import { buildServers, type Server } from "../../ingress/servers.ts";
import type { HttpOutcome } from "../../model/step.ts";
import type { Outcome, StepContext, StepRecord } from "../device.ts";
import { here, podKey } from "../locations.ts";
import type { Packet } from "../../model/packet.ts";

/** The controller's own connections start from an ephemeral port distinct from the client's. */
const UPSTREAM_SPORT = 41000;

export function ingressProxy(packet: Packet, pod: Pod, ctx: StepContext): Outcome[] {
  const http = packet.http!;
  const who = `ingress-nginx in pod ${podKey(pod)}`;
  const clientIP = formatIpv4(packet.src);
  const steps: StepRecord[] = [
    {
      type: "deliver",
      action: "ACCEPTED",
      reason: `${who} ends the client's TCP connection (remote_addr ${clientIP})`,
    },
  ];
  const base: HttpOutcome = { status: 0, host: http.host, clientIP };
  const served = ctx.net.cluster.ingress.served.map((s) => s.ingress);
  const servers = buildServers(served);
  if (http.scheme === "https") {
    // SNI picks the certificate (curl sends the URL's host); Host picks the route.
    const sni = (http as typeof http & { readonly sni?: string }).sni ?? http.host;
    const tls = tlsStep(certificateServer(servers, sni), sni, http.insecure);
    steps.push(tls.step);
    if (!tls.trusted) {
      // No HTTP exchange happened, so the branch carries no http outcome (a status of 0 would be invented).
      return [
        {
          steps,
          state: ctx.state,
          end: {
            disposition: "TLS_CERT_UNTRUSTED",
            reason: `curl rejects the certificate ${who} presents for ${sni} (use -k to accept it)`,
          },
        },
      ];
    }
  }
  const r = routeOn(servers, { host: http.host, path: http.path, scheme: http.scheme });
  const considered = r.considered.length ? `; also considered: ${r.considered.join("; ")}` : "";
  const answer = (status: number, extra: Partial<HttpOutcome>, why: string, rule?: string): Outcome[] => {
    const disposition = status === 404 ? "HTTP_404" : status === 503 ? "HTTP_503" : "HTTP_RESPONSE";
    steps.push({ type: "deliver", action: `HTTP_${status}`, reason: why, ...(rule ? { rule } : {}) });
    const state = { ...ctx.state, http: { ...base, ...extra, status } };
    return [
      {
        steps,
        state,
        end: {
          disposition,
          reason: `HTTP ${status} from ${who}: ${why}`,
          ...(rule ? { rule } : {}),
          replyFrom: here.podOut(pod),
          delivered: packet,
        },
      },
    ];
  };
  steps.push({ type: "route", action: "HTTP_ROUTE", reason: `${r.reason}${considered}`, rule: r.rule });
  if (r.kind === "redirect")
    return answer(
      r.status,
      { location: r.location, ...(r.ingress ? { ingress: r.ingress } : {}) },
      `redirect to ${r.location}`,
      r.rule,
    );
  if (r.kind === "default-backend")
    return answer(404, {}, "no Ingress rule matches: the controller's default backend answers 404", r.rule);
  // A spec.defaultBackend has no path or pathType in the Ingress: those fields are left out then.
  const rulePath: Partial<HttpOutcome> = r.source === "rule" ? { path: r.path, pathType: r.pathType } : {};
  const matched: Partial<HttpOutcome> = {
    ingress: r.ingress,
    host: r.host,
    ...rulePath,
    backend: { service: r.backend.service, port: r.backend.port },
  };
  const [namespace] = r.ingress.split("/") as [string];
  const svc = ctx.net.cluster.services.find((s) => s.namespace === namespace && s.name === r.backend.service);
  if (!svc) return answer(503, matched, `Service ${namespace}/${r.backend.service} does not exist: 503`, r.rule);
  const port = svc.ports.find((p) =>
    typeof r.backend.port === "number" ? p.port === r.backend.port : p.name === r.backend.port,
  );
  if (!port) return answer(503, matched, `Service ${namespace}/${svc.name} has no port ${r.backend.port}: 503`, r.rule);
  if (r.serviceUpstream) {
    if (svc.clusterIPs.length === 0)
      return answer(
        503,
        matched,
        `service-upstream, but Service ${namespace}/${svc.name} has no ClusterIP: 503`,
        r.rule,
      );
    return [
      upstream(
        packet,
        pod,
        svc.clusterIPs[0]!,
        port.port,
        `service-upstream: to the ClusterIP ${formatIpv4(svc.clusterIPs[0]!)}:${port.port}, kube-proxy picks the pod`,
        1,
        steps,
        ctx,
        { ...base, ...matched },
        r,
      ),
    ];
  }
  const endpoints = readyEndpoints(ctx, svc, port);
  if (endpoints.length === 0)
    return answer(
      503,
      matched,
      `Service ${namespace}/${svc.name} has no ready endpoint for port ${port.name || port.port}: 503 Service Temporarily Unavailable`,
      r.rule,
    );
  const upstreamName = `${namespace}-${svc.name}-${port.name || port.port}`;
  return endpoints.map(({ ip, port: targetPort }, i) => {
    const why = `upstream ${upstreamName} (round_robin): endpoint ${i + 1} of ${endpoints.length}, ${formatIpv4(ip)}:${targetPort}`;
    return upstream(
      packet,
      pod,
      ip,
      targetPort,
      why,
      1 / endpoints.length,
      [...steps],
      ctx,
      { ...base, ...matched },
      r,
    );
  });
}

function upstream(
  client: Packet,
  pod: Pod,
  ip: number,
  port: number,
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
    dst: ip,
    dport: port,
    size: 60,
    ttl: 64,
    df: true,
    mark: 0,
    http: { ...h, scheme: "http", path: r.rewrittenPath ?? h.path, headers: forwarded },
  };
  steps.push({
    type: "proxy",
    action: "PROXIED",
    reason: `${why}; a new connection from the controller's pod IP ${formatIpv4(pod.ip)}`,
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
function tlsStep(server: Server | undefined, host: string, insecure: boolean): { step: StepRecord; trusted: boolean } {
  const cert = server?.certificate;
  if (cert?.secret)
    return {
      trusted: true,
      step: {
        type: "decrypt",
        action: "TLS",
        reason: `TLS ends here with the certificate of Secret ${cert.secret} (${cert.why})`,
      },
    };
  const fake = `the controller's default "Kubernetes Ingress Controller Fake Certificate"${cert ? ` (${cert.why})` : ` (no Ingress has a tls section for ${host})`}`;
  return insecure
    ? {
        trusted: true,
        step: { type: "decrypt", action: "TLS", reason: `TLS ends here with ${fake}; accepted because of -k` },
      }
    : {
        trusted: false,
        step: {
          type: "drop",
          action: "TLS_UNTRUSTED",
          reason: `TLS: nginx presents ${fake}, which does not verify for ${host}: curl aborts (SSL certificate problem)`,
        },
      };
}
