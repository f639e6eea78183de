// The ingress-nginx annotations that change where a request goes, parsed the way the controller
// parses them: a value it cannot read falls back to the default, it never fails the Ingress.
import type { Ingress } from "../model/ingress.ts";

export const ANNOTATION_PREFIX = "nginx.ingress.kubernetes.io/";

export interface RoutingAnnotations {
  /** ssl-redirect; the configmap default is true. */
  readonly sslRedirect: boolean;
  readonly forceSslRedirect: boolean;
  readonly preserveTrailingSlash: boolean;
  readonly useRegex: boolean;
  /** rewrite-target, "" when unset. */
  readonly rewriteTarget: string;
  /** Proxy to the Service's ClusterIP instead of straight to endpoint IPs. */
  readonly serviceUpstream: boolean;
  readonly canary: boolean;
}

export const DEFAULT_ANNOTATIONS: RoutingAnnotations = {
  sslRedirect: true,
  forceSslRedirect: false,
  preserveTrailingSlash: false,
  useRegex: false,
  rewriteTarget: "",
  serviceUpstream: false,
  canary: false,
};

/** The locations nginx builds with no annotations applied at all (the catch-all server's `/`). */
export const UNANNOTATED: RoutingAnnotations = { ...DEFAULT_ANNOTATIONS, sslRedirect: false };

// Go's strconv.ParseBool, which the annotation parser uses.
function goBool(v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  if (["1", "t", "T", "TRUE", "true", "True"].includes(v)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(v)) return false;
  return undefined;
}

export function parseAnnotations(ing: Pick<Ingress, "annotations">): RoutingAnnotations {
  const a = (k: string) => ing.annotations[ANNOTATION_PREFIX + k];
  const bool = (k: string, d: boolean) => goBool(a(k)) ?? d;
  return {
    sslRedirect: bool("ssl-redirect", DEFAULT_ANNOTATIONS.sslRedirect),
    forceSslRedirect: bool("force-ssl-redirect", false),
    preserveTrailingSlash: bool("preserve-trailing-slash", false),
    useRegex: bool("use-regex", false),
    rewriteTarget: a("rewrite-target") ?? "",
    serviceUpstream: bool("service-upstream", false),
    canary: bool("canary", false),
  };
}
