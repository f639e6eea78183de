// The nginx servers and locations ingress-nginx renders from the live Ingresses
// (controller.go createServers + getBackendServers, location.go updateServerLocations).
// Every conflict is decided by processing order (order.ts): the first Ingress wins.
import { type RoutingAnnotations, parseAnnotations, unannotated } from "./annotations.ts";
import { type CanaryBackend, mergeCanaries, withCanary } from "./canary.ts";
import {
  type ControllerSettings,
  type Ingress,
  NO_SETTINGS,
  type PathType,
  type ServiceBackend,
  ingressKey,
} from "../model/ingress.ts";
import { sortIngresses } from "./order.ts";

/** nginx's catch-all server for unknown hosts and for rules without a host. */
export const DEFAULT_SERVER = "_";

export interface Location {
  /** The nginx location path (Prefix paths end in "/" after normalisation). */
  readonly path: string;
  /** The matching nginx uses before regex mode: "=" exact, "" prefix. */
  readonly exact: boolean;
  /** The rule as written: path ("/" for an empty path) and pathType. */
  readonly rulePath: string;
  readonly rulePathType: PathType;
  /** Added by updateServerLocations: the `= /foo` twin of Prefix `/foo`. */
  readonly twin: boolean;
  /** The server's implicit `location /`: an Ingress defaultBackend or the controller's. */
  readonly isDefault: boolean;
  /** undefined = the controller's default backend (404). */
  readonly backend?: ServiceBackend;
  readonly ingress?: Ingress;
  readonly annotations: RoutingAnnotations;
  /** A canary Ingress's backend merged into this location's upstream. */
  readonly canary?: CanaryBackend;
}

export interface Certificate {
  /** "ns/secret", or undefined for the controller's default (self-signed) certificate. */
  readonly secret?: string;
  readonly ingress: string;
  readonly why: string;
}

export interface Server {
  readonly hostname: string;
  /** Sorted as rendered: longest path first, then path descending. */
  readonly locations: readonly Location[];
  /** use-regex or rewrite-target on any location switches every location to `~* "^path"`. */
  readonly regex: boolean;
  readonly certificate?: Certificate;
  /** The Ingress whose rule created the server (its defaultBackend serves `/`). */
  readonly createdBy?: string;
  /** Paths that lost to an earlier Ingress, for the "why". */
  readonly shadowed: readonly string[];
}

interface MutableServer {
  hostname: string;
  locations: Location[];
  certificate?: Certificate;
  createdBy?: string;
  shadowed: string[];
}

// Prefix "/" and ImplementationSpecific "/" both render as `location /`; nginx cannot hold two,
// so the later one takes over the implicit default location like a same-type path would.
function sameLocation(loc: Location, path: string, type: PathType): boolean {
  if (loc.rulePath !== path) return false;
  if (loc.rulePathType === type) return true;
  return path === "/" && loc.isDefault && type === "ImplementationSpecific";
}

function rulePathOf(path: string): string {
  return path === "" ? "/" : path;
}

function ruleHost(host: string | undefined): string {
  return host ?? DEFAULT_SERVER;
}

/** The servers nginx builds from the served Ingresses, with the controller's ConfigMap `settings` underneath. */
export function buildServers(
  ingresses: readonly Ingress[],
  settings: ControllerSettings = NO_SETTINGS,
): Map<string, Server> {
  const bare = unannotated(settings);
  const ordered = sortIngresses(ingresses);
  const servers = new Map<string, MutableServer>();
  const catchAll: MutableServer = {
    hostname: DEFAULT_SERVER,
    locations: [rootLocation(undefined, undefined, bare)],
    shadowed: [],
  };
  servers.set(DEFAULT_SERVER, catchAll);
  let catchAllTaken = false;

  for (const ing of ordered) {
    const anns = parseAnnotations(ing, settings);
    if (anns.canary) continue; // canary Ingresses only split traffic of existing locations
    const own = ing.defaultBackend?.kind === "service" ? ing.defaultBackend : undefined;
    if (own && ing.rules.length === 0 && !catchAllTaken) {
      // The first rule-less Ingress with a defaultBackend becomes the catch-all; its redirect
      // and rewrite annotations are deliberately not applied to it (controller.go TODO).
      catchAll.locations[0] = rootLocation(own, ing, bare);
      catchAllTaken = true;
    }
    for (const rule of ing.rules) {
      const host = ruleHost(rule.host);
      if (servers.has(host)) continue;
      servers.set(host, {
        hostname: host,
        locations: [rootLocation(own, ing, anns)],
        createdBy: ingressKey(ing),
        shadowed: [],
      });
    }
  }

  for (const ing of ordered) {
    const anns = parseAnnotations(ing, settings);
    if (anns.canary) continue;
    for (const rule of ing.rules) {
      const server = servers.get(ruleHost(rule.host))!;
      assignCertificate(server, ing);
      for (const p of rule.paths ?? []) {
        if (p.backend.kind !== "service") {
          server.shadowed.push(
            `${ingressKey(ing)} path ${rulePathOf(p.path)} (${p.pathType}) names a ${p.backend.resourceKind}, not a ` +
              `Service: ingress-nginx skips it`,
          );
          continue;
        }
        const path = rulePathOf(p.path);
        const existing = server.locations.findIndex((l) => sameLocation(l, path, p.pathType));
        const loc: Location = {
          path,
          exact: p.pathType === "Exact",
          rulePath: path,
          rulePathType: p.pathType,
          twin: false,
          isDefault: false,
          backend: p.backend,
          ingress: ing,
          annotations: anns,
        };
        if (existing < 0) {
          server.locations.push(loc);
        } else if (server.locations[existing]!.isDefault) {
          server.locations[existing] = loc;
        } else {
          const winner = server.locations[existing]!.ingress;
          server.shadowed.push(
            `${ingressKey(ing)} path ${path} (${p.pathType}) -> ${p.backend.service}:${p.backend.port} lost: ` +
              `already configured by ${winner ? ingressKey(winner) : "?"}, processed first (older, or same age ` +
              `and later in name order)`,
          );
        }
      }
    }
  }

  const canaries = ordered.filter((ing) => parseAnnotations(ing, settings).canary);
  const merged = mergeCanaries(servers, canaries, (ing) => parseAnnotations(ing, settings).canaryRule!);
  const out = new Map<string, Server>();
  for (const [host, s] of servers) {
    const locations = sortLocations(updateServerLocations(s.locations)).map((l) => withCanary(l, merged.attach));
    s.shadowed.push(...(merged.notes.get(host) ?? []));
    const regex = locations.some((l) => l.annotations.useRegex || needsRewrite(l));
    out.set(host, {
      hostname: host,
      locations,
      regex,
      shadowed: s.shadowed,
      ...(s.certificate ? { certificate: s.certificate } : {}),
      ...(s.createdBy ? { createdBy: s.createdBy } : {}),
    });
  }
  return out;
}

function rootLocation(
  backend: ServiceBackend | undefined,
  ing: Ingress | undefined,
  annotations: RoutingAnnotations,
): Location {
  return {
    path: "/",
    exact: false,
    rulePath: "/",
    rulePathType: "Prefix",
    twin: false,
    isDefault: true,
    annotations,
    ...(backend ? { backend } : {}),
    ...(ing ? { ingress: ing } : {}),
  };
}

export function needsRewrite(l: Location): boolean {
  return l.annotations.rewriteTarget !== "" && l.annotations.rewriteTarget !== l.path;
}

// The first Ingress with a TLS section and a rule for the host gives the server its certificate.
// extractTLSSecretName takes the entry that lists the host, else the first Secret whose certificate
// verifies the host. Offline the Secret cannot be read, so, as everywhere in kubehop, a Secret is
// taken to hold a certificate for the hosts its entry names: an entry naming `*.foo.com` covers
// `bar.foo.com` (one label, as Go's VerifyHostname). Any other host gets the default certificate.
function assignCertificate(server: MutableServer, ing: Ingress): void {
  if (server.hostname === DEFAULT_SERVER || server.certificate || ing.tls.length === 0) return;
  const host = server.hostname.toLowerCase();
  const entry = ing.tls.find((t) => t.hosts.some((h) => h.toLowerCase() === host));
  const key = ingressKey(ing);
  const covering = entry ? undefined : ing.tls.find((t) => t.secretName && t.hosts.some((h) => coversHost(h, host)));
  if (covering) {
    const pattern = covering.hosts.find((h) => coversHost(h, host))!;
    server.certificate = {
      secret: `${ing.namespace}/${covering.secretName}`,
      ingress: key,
      why:
        `${key}'s tls entry ${pattern} (secret ${covering.secretName}) covers ${server.hostname}: ingress-nginx ` +
        `finds the Secret by its certificate's name, taken to be ${pattern}`,
    };
  } else if (entry?.secretName) {
    server.certificate = {
      secret: `${ing.namespace}/${entry.secretName}`,
      ingress: key,
      why: `${key} lists ${server.hostname} under tls with secret ${entry.secretName}`,
    };
  } else if (entry) {
    server.certificate = {
      ingress: key,
      why: `${key} lists ${server.hostname} under tls without a secretName: the controller's default certificate`,
    };
  } else {
    server.certificate = {
      ingress: key,
      why:
        `${key} has a tls section that does not list ${server.hostname}: ingress-nginx still gives the host its ` +
        `default certificate`,
    };
  }
}

/** Prefix `/foo` becomes `location /foo/` plus `location = /foo` unless an Exact `/foo` exists. */
function updateServerLocations(locations: readonly Location[]): Location[] {
  const exact = new Set(locations.filter((l) => l.rulePathType === "Exact").map((l) => l.path));
  const out: Location[] = [];
  for (const l of locations) {
    if (l.path === "/" || l.rulePathType !== "Prefix" || needsRewrite(l) || l.annotations.useRegex) {
      out.push(l);
      continue;
    }
    const normalised = l.path.endsWith("/") ? l.path : `${l.path}/`;
    out.push({ ...l, path: normalised });
    if (!exact.has(l.path)) out.push({ ...l, exact: true, twin: true });
  }
  return out;
}

// Go's two stable sorts: path descending, then length descending.
function sortLocations(locations: Location[]): Location[] {
  const byPath = locations.map((l, i) => ({ l, i }));
  byPath.sort((a, b) => (a.l.path === b.l.path ? a.i - b.i : a.l.path > b.l.path ? -1 : 1));
  const byLen = byPath.map((x, i) => ({ l: x.l, i }));
  byLen.sort((a, b) => (a.l.path.length === b.l.path.length ? a.i - b.i : b.l.path.length - a.l.path.length));
  return byLen.map((x) => x.l);
}

/** A certificate name covers a host: the same name, or `*.rest` for one label more (case-insensitive). */
function coversHost(name: string, host: string): boolean {
  const n = name.toLowerCase();
  if (!n.startsWith("*.")) return false;
  const rest = n.slice(1);
  return host.endsWith(rest) && /^[a-z0-9_-]+$/.test(host.slice(0, host.length - rest.length));
}
