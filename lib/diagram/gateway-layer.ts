// The Gateway API in the logical layer, drawn as Ingresses are: under the Services, one box per
// Gateway (its listeners: name, protocol, port, hostname, routes attached) tied to the LoadBalancer
// Service of its proxy pods, and one box per HTTPRoute/GRPCRoute (its parents, hostnames and rules,
// each rule's backendRefs) tied to the Gateway it attached to and to the Services it sends to. A
// route that attached to no listener is drawn dashed, with the reason in its <title>, rather than
// left out: a route missing from the picture reads as "not written", where the question is "why
// does it not serve?".
import { GATEWAY_NAME_LABEL } from "../control/gateway-defaults.ts";
import type { Cluster, Service } from "../model/cluster.ts";
import type {
  BackendRef,
  Condition,
  Gateway,
  GatewayRoute,
  GrpcRouteMatch,
  HttpRouteMatch,
  RouteFilter,
  RouteStatus,
} from "../model/gateway.ts";
import { routeKey } from "../model/gateway.ts";
import { type Point, safeId } from "./geometry.ts";
import type { Box, Label, Line } from "./scene.ts";
import { fit, FONT } from "./text.ts";
import { flow, LINE, type Rect4 } from "./flow.ts";

export const MAX_GATEWAYS = 8;
export const MAX_ROUTES = 16;
const MAX_RULES = 5;
const CHARS = 60;

export interface GatewayFrame {
  readonly top: number;
  readonly left: number;
  readonly right: number;
  /** The Services row's boxes by `namespace/name`. */
  readonly services: ReadonlyMap<string, Rect4>;
}

export interface GatewayDrawing {
  boxes: Box[];
  lines: Line[];
  labels: Label[];
  bottom: number;
  right: number;
}

const cond = (cs: readonly Condition[], type: string) => cs.find((c) => c.type === type);

/** The Service of a Gateway's proxy pods: it selects them by the Gateway's name label. */
export function gatewayService(cluster: Cluster, gw: Gateway): Service | undefined {
  return cluster.services.find(
    (s) => s.namespace === gw.namespace && s.selector?.[GATEWAY_NAME_LABEL] === gw.name && s.type === "LoadBalancer",
  );
}

function gatewayLines(cluster: Cluster, gw: Gateway): string[] {
  const status = cluster.gateways.gateways.find((s) => s.namespace === gw.namespace && s.name === gw.name);
  const addr = [...gw.addresses, ...gw.statusAddresses].map((a) => a.value)[0];
  const svc = gatewayService(cluster, gw);
  const out = [
    fit(`gateway ${gw.namespace}/${gw.name}`, CHARS),
    fit(`class ${gw.className}${addr ? ` · ${addr}` : ""}`, CHARS),
    fit(svc ? `proxies: svc ${svc.namespace}/${svc.name}` : "no proxy Service", CHARS),
  ];
  for (const l of gw.listeners.slice(0, MAX_RULES)) {
    const ls = status?.listeners.find((x) => x.name === l.name);
    const n = ls?.attachedRoutes ?? 0;
    const programmed = ls && cond(ls.conditions, "Programmed")?.status === "False" ? " · not programmed" : "";
    out.push(
      fit(
        `${l.name} ${l.protocol} :${l.port} ${l.hostname ?? "*"} · ${n} route${n === 1 ? "" : "s"}${programmed}`,
        CHARS,
      ),
    );
  }
  if (gw.listeners.length > MAX_RULES) out.push(`+${gw.listeners.length - MAX_RULES} more listeners`);
  return out;
}

function httpMatch(m: HttpRouteMatch): string {
  const p =
    m.path.type === "Exact"
      ? `=${m.path.value}`
      : m.path.type === "RegularExpression"
        ? `~${m.path.value}`
        : m.path.value;
  const extra = m.headers.length + m.queryParams.length + (m.method ? 1 : 0);
  return `${m.method ? `${m.method} ` : ""}${p}${extra - (m.method ? 1 : 0) ? " +conds" : ""}`;
}

function grpcMatch(m: GrpcRouteMatch): string {
  return m.method ? `${m.method.service ?? "*"}/${m.method.method ?? "*"}` : m.headers.length ? "headers" : "*";
}

function backendText(b: BackendRef, routeNs: string, weighted: boolean): string {
  const ns = b.namespace === routeNs ? "" : `${b.namespace}/`;
  const kind = b.kind === "Service" && b.group === "" ? "" : `${b.kind}/`;
  return `${kind}${ns}${b.name}${b.port !== undefined ? `:${b.port}` : ""}${weighted ? ` ×${b.weight}` : ""}`;
}

/** What a rule does with a request that matches: the backends, or the filter that answers. */
function ruleAction(filters: readonly RouteFilter[], backends: readonly BackendRef[], ns: string): string {
  const redirect = filters.find((f) => f.type === "RequestRedirect");
  if (redirect?.type === "RequestRedirect") return `redirect ${redirect.redirect.statusCode}`;
  const rewrite = filters.some((f) => f.type === "URLRewrite") ? "rewrite, " : "";
  if (!backends.length) return `${rewrite}500 (no backendRefs)`;
  const weighted = new Set(backends.map((b) => b.weight)).size > 1;
  return `${rewrite}${backends.map((b) => backendText(b, ns, weighted)).join(", ")}`;
}

function routeLines(route: GatewayRoute, status: RouteStatus | undefined): string[] {
  const parents = route.parentRefs.map((p) => `${p.name}${p.sectionName ? `/${p.sectionName}` : ""}`).join(", ");
  const hosts = route.hostnames.length ? route.hostnames.join(", ") : "any host";
  const out = [
    fit(`${route.kind.toLowerCase()} ${route.namespace}/${route.name}`, CHARS),
    fit(`on ${parents} · ${hosts}`, CHARS),
  ];
  route.rules.slice(0, MAX_RULES).forEach((r, i) => {
    const matches =
      route.kind === "HTTPRoute"
        ? (r as GatewayRoute["rules"][number] & { matches: readonly HttpRouteMatch[] }).matches.map(httpMatch)
        : (r.matches as readonly GrpcRouteMatch[]).map(grpcMatch);
    const what = matches.length ? matches.join(" | ") : route.kind === "HTTPRoute" ? "/" : "*";
    out.push(
      fit(
        `${i}${r.name ? ` ${r.name}` : ""}: ${what} → ${ruleAction(r.filters, r.backendRefs, route.namespace)}`,
        CHARS,
      ),
    );
  });
  if (route.rules.length > MAX_RULES) out.push(`+${route.rules.length - MAX_RULES} more rules`);
  const attached = status?.parents.some((p) => cond(p.conditions, "Accepted")?.status === "True") ?? false;
  const refs = status?.parents.map((p) => cond(p.conditions, "ResolvedRefs")).find((c) => c?.status === "False");
  if (!attached) out.push(fit(`not attached: ${notAttached(status)?.reason ?? "no parent"}`, CHARS));
  else if (refs) out.push(fit(`ResolvedRefs False: ${refs.reason}`, CHARS));
  return out;
}

function notAttached(status: RouteStatus | undefined): Condition | undefined {
  return status?.parents.map((p) => cond(p.conditions, "Accepted")).find((c) => c?.status === "False");
}

function elbow(a: Point, b: Point, midY: number): Point[] {
  return a.x === b.x ? [a, b] : [a, { x: a.x, y: midY }, { x: b.x, y: midY }, b];
}

export function gatewayLayer(cluster: Cluster, f: GatewayFrame): GatewayDrawing {
  const boxes: Box[] = [];
  const lines: Line[] = [];
  const labels: Label[] = [];
  const state = cluster.gateways;
  const gateways = state.world.gateways.slice(0, MAX_GATEWAYS);
  const routes = state.world.routes.slice(0, MAX_ROUTES);
  if (!gateways.length && !routes.length) return { boxes, lines, labels, bottom: f.top, right: f.left };
  const top = f.top + 34;
  labels.push({
    id: "gateways-h",
    cls: "section",
    x: f.left,
    y: top - 1,
    text: "Gateways and their routes (Gateway API; dashed: a route that did not attach)",
    size: FONT.small,
    anchor: "start",
  });
  const statusOf = (r: GatewayRoute) =>
    state.routes.find((s) => s.kind === r.kind && s.namespace === r.namespace && s.name === r.name);
  const items = [
    ...gateways.map((g) => ({ kind: "gateway" as const, g, lines: gatewayLines(cluster, g) })),
    ...routes.map((r) => ({ kind: "route" as const, r, lines: routeLines(r, statusOf(r)) })),
  ];
  const rects = flow(
    items.map((i) => i.lines),
    f.left,
    f.right,
    top + 4,
  );
  const text = (id: string, r: Rect4, ls: string[], warnLast: boolean) => {
    ls.forEach((t, i) => {
      labels.push({
        id: `${id}-l${i}`,
        cls: i === 0 ? "device-label strong" : warnLast && i === ls.length - 1 ? "route-warn" : "muted",
        x: r.x + 10,
        y: r.y + 16 + i * LINE,
        text: t,
        size: i === 0 ? FONT.label : FONT.small,
        anchor: "start",
      });
    });
  };
  let bottom = f.top;
  let right = f.left;
  const gwBox = new Map<string, Rect4>();
  // Each tie rises from its box into the gap above the row, on a track of its own.
  let track = 0;
  const firstRow = rects[0]?.y ?? top;
  const tie = (id: string, from: Rect4, j: number, to: Rect4, cls: string, data: Record<string, string>) => {
    const a = { x: from.x + 20 + j * 10, y: from.y };
    const b = { x: to.x + to.w / 2 + ((track % 3) - 1) * 4, y: to.y + to.h };
    const t = track++;
    // Up into the gap above the box's row; to a box of the same row, along the gap under it.
    const points =
      b.y < a.y
        ? elbow(a, b, (from.y === firstRow ? top - 26 : from.y - 10) + (t % 6) * 3)
        : elbow({ ...a, y: from.y + from.h }, b, Math.max(from.y + from.h, b.y) + 6 + (t % 4) * 3);
    lines.push({ id, cls, points, ...(cls === "routes" ? { arrow: "plain" } : {}), data });
  };
  items.forEach((item, i) => {
    const r = rects[i]!;
    bottom = Math.max(bottom, r.y + r.h);
    right = Math.max(right, r.x + r.w);
    if (item.kind === "gateway") {
      const key = routeKey(item.g);
      const id = safeId("gw", item.g.namespace, item.g.name);
      const svc = gatewayService(cluster, item.g);
      const tip = `gateway ${key}${svc ? ` · served by the proxy pods of svc ${svc.namespace}/${svc.name}` : ""}`;
      boxes.push({ id, cls: "gateway", ...r, rx: 6, layer: "front", tip, data: { gateway: key } });
      text(id, r, item.lines, false);
      gwBox.set(key, r);
      const sb = svc && f.services.get(`${svc.namespace}/${svc.name}`);
      if (sb) tie(`${id}-to-svc`, r, 0, sb, "serves", { gateway: key, service: `${svc!.namespace}/${svc!.name}` });
      return;
    }
    const route = item.r;
    const key = routeKey(route);
    const status = statusOf(route);
    const why = notAttached(status);
    const attached = !why && (status?.parents.length ?? 0) > 0;
    const id = safeId("route", route.kind, route.namespace, route.name);
    const refs = status?.parents.map((p) => cond(p.conditions, "ResolvedRefs")).find((c) => c?.status === "False");
    const tip =
      `${route.kind} ${key}` +
      (attached ? "" : ` · not attached: ${why ? `${why.reason}: ${why.message}` : "no parentRef"}`) +
      (refs ? ` · ResolvedRefs False, ${refs.reason}: ${refs.message}` : "");
    const cls = attached ? "route" : "route detached";
    boxes.push({ id, cls, ...r, rx: 6, layer: "front", tip, data: { route: key } });
    text(id, r, item.lines, !attached || refs !== undefined);
    if (!attached) return;
    for (const a of state.attachments.filter((x) => x.route === route)) {
      const gb = gwBox.get(a.gateway);
      if (gb)
        tie(`${id}-to-${safeId(a.gateway, a.listener)}`, r, 0, gb, "attaches", { route: key, gateway: a.gateway });
    }
    const backends = [
      ...new Set(
        route.rules
          .flatMap((rule) => rule.backendRefs)
          .filter((b) => b.kind === "Service" && b.group === "")
          .map((b) => `${b.namespace}/${b.name}`),
      ),
    ];
    backends.forEach((svc, j) => {
      const sb = f.services.get(svc);
      if (sb) tie(`${id}-to-${safeId(svc)}`, r, j + 1, sb, "routes", { route: key, service: svc });
    });
  });
  return { boxes, lines, labels, bottom, right };
}
