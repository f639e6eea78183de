// What kubehop says about each ingress-nginx annotation of a served Ingress: nothing when it is
// simulated and readable; `ingress-annotation-partial` when it is simulated in part or cannot change
// the path; `ingress-annotation` when it is not simulated, or its value is one the controller cannot
// read (naming what the controller does instead). Facts from kubernetes/ingress-nginx dbb11b92.
import { type Diagnostic, diagnostic } from "../model/diagnostic.ts";
import type { Origin } from "../model/origin.ts";
import { ANNOTATION_PREFIX, BACKEND_PROTOCOLS, type BackendProtocol } from "./annotations.ts";
import { byteSize, goBool, goInt, sourceRanges } from "./annotation-values.ts";

/** The annotations that hold a boolean, with the default the controller falls back to. */
const BOOLEANS: Record<string, boolean> = {
  "ssl-redirect": true,
  "force-ssl-redirect": false,
  "preserve-trailing-slash": false,
  "use-regex": false,
  "service-upstream": false,
  canary: false,
};

/** Simulated, each with a check of its value (undefined: readable). */
const SIMULATED: Record<string, (v: string, all: Read) => string | undefined> = {
  "rewrite-target": () => undefined,
  "app-root": (v) =>
    v.startsWith("/") ? undefined : `is not a path; ingress-nginx drops it (app-root only allows a path such as /app1)`,
  "permanent-redirect": () => undefined,
  "temporal-redirect": () => undefined,
  "permanent-redirect-code": (v) => code(v, 300, 308, 301),
  "temporal-redirect-code": (v) => code(v, 300, 307, 302),
  "allowlist-source-range": ranges,
  "whitelist-source-range": ranges,
  "denylist-source-range": ranges,
  "auth-url": (v) =>
    /^https?:\/\/[^/]/.test(v) ? undefined : "is not an http(s) URL; ingress-nginx denies the location: 503",
  "auth-method": () => undefined,
  "auth-signin": () => undefined,
  "auth-signin-redirect-param": () => undefined,
  affinity: (v) => (v === "cookie" ? undefined : `is not "cookie", the only affinity type; ingress-nginx ignores it`),
  "session-cookie-name": () => undefined,
  "upstream-hash-by": () => undefined,
  "backend-protocol": (v) =>
    BACKEND_PROTOCOLS.includes(v.trim().toUpperCase() as BackendProtocol)
      ? undefined
      : `is not one of ${BACKEND_PROTOCOLS.join(", ")}; ingress-nginx uses HTTP`,
  "default-backend": () => undefined,
  "proxy-body-size": (v) =>
    byteSize(v) !== undefined ? undefined : "is not a size such as 8m; the configmap's proxy-body-size (1m) applies",
  "canary-weight": canaryInt,
  "canary-weight-total": canaryInt,
  "canary-by-header": canaryOnly,
  "canary-by-header-value": canaryOnly,
  "canary-by-header-pattern": canaryOnly,
  "canary-by-cookie": canaryOnly,
};

/** Simulated in part, or with nothing on the path to change: said once, as information. */
const PARTIAL: readonly [RegExp, string][] = [
  [
    /^custom-http-errors$/,
    "backends are assumed to answer 200, so no upstream error is intercepted; the controller's own 404 and 503 keep " +
      "their status",
  ],
  [/^session-cookie-|^affinity-mode$/, "the affinity cookie's attributes do not change where a request goes"],
  [/^upstream-hash-by-subset/, "the hash subset is not simulated: each endpoint stays a branch"],
  [
    /^auth-(?!url$|method$|signin$|signin-redirect-param$)/,
    "it changes the auth subrequest's headers or caching, not its verdict",
  ],
];

type Read = (name: string) => string | undefined;

export function annotationDiagnostics(
  annotations: Readonly<Record<string, string>>,
  at: (key: string) => Origin,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const read: Read = (name) => annotations[ANNOTATION_PREFIX + name];
  for (const [key, value] of Object.entries(annotations)) {
    if (!key.startsWith(ANNOTATION_PREFIX)) continue;
    const name = key.slice(ANNOTATION_PREFIX.length);
    const partial = PARTIAL.find(([re]) => re.test(name));
    if (name in BOOLEANS) {
      if (goBool(value) === undefined)
        out.push(
          diagnostic(
            "ingress-annotation",
            at(key),
            `${key}: "${value}" is not a boolean; ingress-nginx ignores it and uses the default, ${BOOLEANS[name]}`,
            'write "true" or "false"',
          ),
        );
      else if (name === "canary" && goBool(value) === false && canaryKeys(annotations).length > 0)
        out.push(canaryDisabled(key, at));
    } else if (name in SIMULATED) {
      const problem = SIMULATED[name]!(value, read);
      if (problem) out.push(diagnostic("ingress-annotation", at(key), `${key}: "${value}" ${problem}`));
    } else if (partial)
      out.push(diagnostic("ingress-annotation-partial", at(key), `${key} is simulated in part: ${partial[1]}`));
    else
      out.push(
        diagnostic("ingress-annotation", at(key), `${key} is not simulated; traces do not take it into account`),
      );
  }
  return out;
}

/**
 * redirect.go: a code out of range falls back; one that is not an integer fails validation, and the Ingress with it.
 */
function code(v: string, low: number, high: number, fallback: number): string | undefined {
  const n = goInt(v);
  if (n === undefined)
    return (
      "is not an integer: ingress-nginx refuses the whole Ingress (annotation validation); kubehop still " +
      "routes it, with the default code"
    );
  return n >= low && n <= high ? undefined : `is not a code from ${low} to ${high}; ingress-nginx uses ${fallback}`;
}

function ranges(v: string): string | undefined {
  return sourceRanges(v)
    ? undefined
    : "is not a list of addresses and CIDRs; ingress-nginx denies the location: every request gets 503";
}

function canaryInt(v: string, read: Read): string | undefined {
  if (goInt(v) === undefined) return "is not an integer; ingress-nginx uses the default (weight 0, total 100)";
  return canaryOnly(v, read);
}

function canaryOnly(_v: string, read: Read): string | undefined {
  return goBool(read("canary")) === true
    ? undefined
    : 'has no effect without canary: "true"; ingress-nginx ignores the canary settings and routes the Ingress as ' +
        "any other";
}

function canaryKeys(annotations: Readonly<Record<string, string>>): string[] {
  return Object.keys(annotations).filter((k) => k.startsWith(`${ANNOTATION_PREFIX}canary-`));
}

function canaryDisabled(key: string, at: (key: string) => Origin): Diagnostic {
  return diagnostic(
    "ingress-annotation",
    at(key),
    `${key} is "false" while canary-* settings are given: ingress-nginx ignores them and routes the Ingress as any ` +
      `other`,
  );
}
