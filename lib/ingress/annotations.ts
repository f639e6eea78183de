// The ingress-nginx annotations that change where a request goes, parsed the way the controller
// parses them: a value it cannot read falls back to the default, it never fails the Ingress.
import { type Diagnostic, diagnostic } from "../model/diagnostic.ts";
import type { Ingress } from "../model/ingress.ts";
import type { Origin } from "../model/origin.ts";

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

/** The annotations parseAnnotations reads that hold a boolean, with the default nginx falls back to. */
const BOOLEANS: Record<string, boolean> = {
  "ssl-redirect": DEFAULT_ANNOTATIONS.sslRedirect,
  "force-ssl-redirect": false,
  "preserve-trailing-slash": false,
  "use-regex": false,
  "service-upstream": false,
  canary: false,
};

/**
 * Warnings for an Ingress's ingress-nginx annotations that the router does not simulate (a canary's
 * traffic split among them) or whose value the controller cannot read. `at` finds an annotation's key.
 */
export function annotationDiagnostics(
  annotations: Readonly<Record<string, string>>,
  at: (key: string) => Origin,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const [key, value] of Object.entries(annotations)) {
    if (!key.startsWith(ANNOTATION_PREFIX)) continue;
    const name = key.slice(ANNOTATION_PREFIX.length);
    if (name in BOOLEANS && goBool(value) === undefined)
      out.push(
        diagnostic(
          "ingress-annotation",
          at(key),
          `${key}: "${value}" is not a boolean; ingress-nginx ignores it and uses the default, ${BOOLEANS[name]}`,
          'write "true" or "false"',
        ),
      );
    else if (name === "canary" && goBool(value))
      out.push(
        diagnostic(
          "ingress-annotation",
          at(key),
          `${key}: the canary's traffic split is not simulated; requests are traced to the Ingress it shadows`,
        ),
      );
    else if (!(name in BOOLEANS) && name !== "rewrite-target" && !name.startsWith("canary-"))
      out.push(
        diagnostic("ingress-annotation", at(key), `${key} is not simulated; traces do not take it into account`),
      );
  }
  return out;
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
