// ingress-nginx annotations the Gateway API's standard HTTPRoute cannot say: each one on a served
// Ingress is a row of the migration report, whether or not a request shows its loss (an affinity
// cookie changes no single request's path, yet clients lose their stickiness).
import { ANNOTATION_PREFIX } from "../ingress/annotations.ts";
import type { Cluster } from "../model/cluster.ts";
import { ingressKey } from "../model/ingress.ts";

export interface AnnotationRow {
  /** `namespace/name` of the Ingress. */
  readonly ingress: string;
  /** Without the nginx.ingress.kubernetes.io/ prefix. */
  readonly annotation: string;
  readonly value: string;
  readonly note: string;
}

/**
 * Annotations with a standard HTTPRoute equivalent (matches, filters, weights, GRPCRoute), which the
 * requests check; and those that only tune nginx itself. Neither gets a row.
 */
const HAS_EQUIVALENT = new Set([
  "rewrite-target",
  "use-regex",
  "ssl-redirect",
  "force-ssl-redirect",
  "preserve-trailing-slash",
  "permanent-redirect",
  "permanent-redirect-code",
  "temporal-redirect",
  "temporal-redirect-code",
  "app-root",
  "from-to-www-redirect",
  "upstream-vhost",
  "x-forwarded-prefix",
  "enable-cors",
  "cors-allow-origin",
  "cors-allow-methods",
  "cors-allow-headers",
  "cors-expose-headers",
  "cors-allow-credentials",
  "cors-max-age",
  "canary",
  "canary-weight",
  "canary-weight-total",
  "canary-by-header",
  "canary-by-header-value",
  "backend-protocol",
  "proxy-connect-timeout",
  "proxy-send-timeout",
  "proxy-read-timeout",
  "proxy-buffering",
  "proxy-buffer-size",
]);

/** What the annotation did that the Gateway will not do, for the ones users meet most. */
const NOTES: Readonly<Record<string, string>> = {
  "auth-url": "external authentication: HTTPRoute has no auth filter (an implementation policy may)",
  "auth-signin": "the sign-in redirect of external authentication",
  "whitelist-source-range": "a source allowlist: HTTPRoute cannot refuse by client address",
  "allowlist-source-range": "a source allowlist: HTTPRoute cannot refuse by client address",
  "denylist-source-range": "a source denylist: HTTPRoute cannot refuse by client address",
  affinity: "sticky sessions: Gateway API sessionPersistence is experimental and not in every implementation",
  "session-cookie-name": "the sticky session's cookie",
  "upstream-hash-by": "consistent hashing of requests to endpoints",
  "proxy-body-size": "the request body limit (413): no standard field",
  "limit-rps": "rate limiting: no standard field",
  "limit-connections": "connection limiting: no standard field",
  "configuration-snippet": "raw nginx configuration: nothing to carry it over to",
  "server-snippet": "raw nginx configuration: nothing to carry it over to",
  "custom-http-errors": "error pages from the default backend",
  "default-backend": "a Service that answers when the backend has no endpoint",
  "canary-by-cookie": "canary by cookie: HTTPRoute matches headers, not cookies",
  "canary-by-header-pattern": "canary by header pattern: ingress2gateway does not convert it",
  "service-upstream": "proxying to the ClusterIP instead of the endpoints",
  "ssl-passthrough": "TLS passthrough: a TLSRoute, which kubehop does not model",
};

export function annotationRows(cluster: Cluster): AnnotationRow[] {
  const rows: AnnotationRow[] = [];
  for (const { ingress } of cluster.ingress.served) {
    for (const [key, value] of Object.entries(ingress.annotations).sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (!key.startsWith(ANNOTATION_PREFIX)) continue;
      const annotation = key.slice(ANNOTATION_PREFIX.length);
      if (HAS_EQUIVALENT.has(annotation)) continue;
      const note = NOTES[annotation] ?? "no standard Gateway API equivalent";
      rows.push({ ingress: ingressKey(ingress), annotation, value, note });
    }
  }
  return rows;
}
