// The ingress-nginx controller inside its pod: nginx accepts the client's connection, picks a
// server and location from the Ingress rules, and either answers itself (a redirect, 404, 503) or
// opens a new connection from its own pod IP to a backend pod (to the ClusterIP with the
// service-upstream annotation). Each upstream endpoint is a branch of equal probability.
import { formatIpv4 } from "../../model/address.ts";
import type { Pod } from "../../model/cluster.ts";
import type { LocationCheck } from "../../ingress/checks.ts";
import { certificateServer } from "../../ingress/hosts.ts";
import { type BackendRoute, type DefaultBackendRoute, type RedirectRoute, routeOn } from "../../ingress/router.ts";
import { buildServers, type Server } from "../../ingress/servers.ts";
import { controllerOf } from "../../model/ingress.ts";
import type { PodRef } from "../../model/hop-at.ts";
import type { Packet } from "../../model/packet.ts";
import type { Disposition, HttpOutcome } from "../../model/step.ts";
import type { StepDetail } from "../../model/step-detail.ts";
import type { Outcome, StepContext, StepRecord } from "../device.ts";
import { destinationOf, sourceOf } from "../facts.ts";
import { here, podRef } from "../locations.ts";
import {
  type Answer,
  backendOutcomes,
  forwardedOf,
  type HttpStatus,
  usesForwardedHeaders,
} from "./ingress-upstream.ts";

type ControllerAnswer = Extract<StepDetail, { kind: "controller-answer" }>;

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
  // Each controller serves as its own flags and ConfigMap say (two installs for two classes).
  const ctl = controllerOf(ctx.net.cluster.ingress, pod);
  const servers = buildServers(
    ctl.served.map((s) => s.ingress),
    ctl.settings,
  );
  // nginx listens with ssl on the https port only: curl's scheme must match the port that took the connection.
  const sni = (http as typeof http & { readonly sni?: string }).sni ?? http.host;
  const tlsPort = packet.dport === ctl.config.httpsPort;
  if (tlsPort && http.scheme !== "https") return plainHttpToTlsPort(steps, pod, packet, ctx, base);
  if (!tlsPort && http.scheme === "https") {
    // nginx answers the ClientHello with a plain 400, which curl's TLS cannot read: no HTTP exchange.
    const detail = { kind: "tls-refused", controller, port: packet.dport, sni } as const;
    return [
      {
        steps: [...steps, { type: "drop", action: "TLS_HANDSHAKE_FAILED", detail }],
        state: ctx.state,
        end: { disposition: "TLS_HANDSHAKE_FAILED", detail },
      },
    ];
  }
  if (http.scheme === "https") {
    // SNI picks the certificate (curl sends the URL's host); Host picks the route.
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
  const length = Number(http.headers["content-length"]);
  const fwd = forwardedOf(packet, ctl);
  const r = routeOn(servers, {
    // The Host header as sent: lua's https redirect and app-root's return name it so (case and port kept).
    host: http.headers.host ?? http.host,
    path: http.path,
    scheme: http.scheme,
    clientIp: fwd.remoteAddr,
    ...(usesForwardedHeaders(ctl)
      ? { forwarded: { scheme: fwd.scheme, host: fwd.host, clientIpFromHeader: fwd.remoteAddr !== packet.src } }
      : {}),
    ...(Number.isInteger(length) && length >= 0 && http.headers["content-length"] !== ""
      ? { contentLength: length }
      : {}),
  });
  const answer = answerWith(steps, pod, packet, ctx, base, r.rule);
  steps.push({
    type: "route",
    action: "HTTP_ROUTE",
    detail: routeDetail(r.kind === "refused" ? r.matched : r),
    rule: r.rule,
  });
  for (const check of r.checks) steps.push(checkStep(controller, check));
  if (r.kind === "redirect")
    return answer(
      r.status as HttpStatus,
      { location: r.location, ...(r.ingress ? { ingress: r.ingress } : {}) },
      { cause: "redirect", location: r.location },
    );
  if (r.kind === "default-backend") return answer(404, {}, { cause: "default-backend" });
  if (r.kind === "refused") {
    const cause = r.status === 413 ? "body-too-large" : r.status === 403 ? "source-denied" : "location-denied";
    const http = r.matched.kind === "backend" ? matchedHttp(r.matched) : {};
    return answer(r.status, http, { cause, ...(r.denied ? { why: r.denied } : {}) });
  }
  return backendOutcomes(packet, pod, r, steps, ctx, { ...base, ...matchedHttp(r) }, answer);
}

/** curl sent no handshake: nginx reads the plain request on its ssl socket and answers 400 before routing. */
function plainHttpToTlsPort(
  steps: StepRecord[],
  pod: Pod,
  packet: Packet,
  ctx: StepContext,
  base: HttpOutcome,
): Outcome[] {
  const detail: ControllerAnswer = {
    kind: "controller-answer",
    controller: podRef(pod),
    status: 400,
    cause: "plain-http-to-tls-port",
    port: packet.dport,
  };
  return [
    {
      steps: [...steps, { type: "deliver", action: "HTTP_400", detail }],
      state: { ...ctx.state, http: { ...base, status: 400 } },
      end: { disposition: "HTTP_400", detail, replyFrom: here.podOut(pod), delivered: packet },
    },
  ];
}

/** The branch's HTTP outcome as far as the route decided it. */
export function matchedHttp(r: BackendRoute): Partial<HttpOutcome> {
  // A spec.defaultBackend has no path or pathType in the Ingress: those fields are left out then.
  const rulePath: Partial<HttpOutcome> = r.source === "rule" ? { path: r.path, pathType: r.pathType } : {};
  return {
    ingress: r.ingress,
    host: r.host,
    ...rulePath,
    backend: { service: r.backend.service, port: r.backend.port },
  };
}

/** The controller answers itself: a step with the answer's facts, and the branch ends there. */
function answerWith(
  steps: StepRecord[],
  pod: Pod,
  packet: Packet,
  ctx: StepContext,
  base: HttpOutcome,
  rule: string,
): Answer {
  const controller = podRef(pod);
  return (status, extra, why, branch = {}) => {
    const disposition = DISPOSITIONS[status] ?? "HTTP_RESPONSE";
    const detail: ControllerAnswer = { kind: "controller-answer", controller, status, ...why };
    const own = [...(branch.steps ?? steps), { type: "deliver", action: `HTTP_${status}`, detail, rule } as const];
    const state = { ...ctx.state, http: { ...base, ...extra, status } };
    return [
      {
        steps: own,
        state,
        ...(branch.probability !== undefined ? { probability: branch.probability } : {}),
        ...(branch.choice !== undefined ? { choice: branch.choice } : {}),
        end: { disposition, detail, rule, replyFrom: here.podOut(pod), delivered: packet },
      },
    ];
  };
}

/** The statuses with a disposition of their own; any other answer is HTTP_RESPONSE. */
const DISPOSITIONS: Partial<Record<number, Disposition>> = {
  400: "HTTP_400",
  401: "HTTP_401",
  403: "HTTP_403",
  404: "HTTP_404",
  413: "HTTP_413",
  500: "HTTP_500",
  503: "HTTP_503",
};

function checkStep(controller: PodRef, c: LocationCheck): StepRecord {
  if (c.kind === "body-size") {
    const { kind, ok, ...facts } = c;
    return {
      type: ok ? "deliver" : "drop",
      action: ok ? "ALLOWED" : "TOO_LARGE",
      detail: { kind, controller, ...facts },
    };
  }
  const { kind, ok, ...facts } = c;
  return { type: ok ? "deliver" : "drop", action: ok ? "ALLOWED" : "DENIED", detail: { kind, controller, ...facts } };
}

/** The router's decision as facts: which Ingress rule, host, path and backend, or which redirect. */
function routeDetail(r: BackendRoute | RedirectRoute | DefaultBackendRoute): StepDetail {
  const common = { kind: "http-route", server: r.server, explanation: r.reason, considered: r.considered } as const;
  if (r.kind === "redirect")
    return {
      ...common,
      outcome: "redirect",
      ...(r.ingress ? { ingress: r.ingress } : {}),
      redirect: { status: r.status, location: r.location, by: r.by },
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
