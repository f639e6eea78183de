// The ingress controller's annotation decisions in words: the checks at a location, the auth
// subrequest, the canary's choice, how nginx speaks to the upstream, and the answers it gives itself.
import type { StepDetail } from "../model/step-detail.ts";

type Detail<K extends StepDetail["kind"]> = Extract<StepDetail, { kind: K }>;

const bytes = (n: number): string => `${n} byte${n === 1 ? "" : "s"}`;

export function bodySizeReason(d: Detail<"body-size">): string {
  const limit =
    d.from === "annotation"
      ? `proxy-body-size ${d.limitText} of ${d.ingress}`
      : d.from === "configmap"
        ? `proxy-body-size ${d.limitText} of ConfigMap ${d.configMap} (no annotation)`
        : `the configmap's proxy-body-size ${d.limitText} (no annotation)`;
  return d.size > d.limit
    ? `Content-Length ${bytes(d.size)} is over client_max_body_size ${bytes(d.limit)} (${limit}): 413 before the ` +
        `body is read`
    : `Content-Length ${bytes(d.size)} is within client_max_body_size ${bytes(d.limit)} (${limit})`;
}

export function sourceRangeReason(d: Detail<"source-range">, denied: boolean): string {
  const rule =
    d.configMap !== undefined
      ? `ConfigMap ${d.configMap}'s ${d.annotation} ${d.ranges.join(",")} (${d.ingress} sets none)`
      : `${d.ingress} ${d.annotation} ${d.ranges.join(",")}`;
  const seen =
    d.clientIpFrom === "x-forwarded-for"
      ? `remote_addr ${d.clientIp}, X-Forwarded-For's first address (use-forwarded-headers)`
      : `remote_addr ${d.clientIp}, the source nginx sees`;
  const deny = d.annotation === "denylist-source-range";
  if (!denied) return `${seen}, passes ${rule}${d.matched !== undefined ? ` (allow ${d.matched})` : ""}`;
  return deny
    ? `${seen}, matches deny ${d.matched} of ${rule}: 403`
    : `${seen}, is in no range of ${rule}: deny all, 403`;
}

export function authReason(d: Detail<"auth-request">): string {
  const target = d.service
    ? `Service ${d.service}${d.upstream ? ` at ${d.upstream.ip}:${d.upstream.port}` : ""}`
    : "a host outside the cluster";
  const sub = `auth subrequest to ${d.url} (${target}) for ${d.ingress}`;
  switch (d.basis) {
    case "given":
      return `${sub}: the verdict is given as ${d.verdict === "allowed" ? "allowed (2xx)" : "denied (401)"}`;
    case "unknown":
      return (
        `${sub}: its verdict is unknown offline; this branch ` +
        `assumes ${d.verdict === "allowed" ? "2xx, the request goes on" : "401"} (--auth-verdict picks one)`
      );
    case "no-service":
      return `${sub}: no such Service, the subrequest fails and auth_request answers 500`;
    case "no-port":
      return (
        `${sub}: the Service has no port ${d.upstream?.port ?? "for the URL"}, the subrequest fails and ` +
        `auth_request answers 500`
      );
    case "no-endpoint": {
      const rejected = "the Service has no ready endpoint, kube-proxy rejects the subrequest";
      return `${sub}: ${rejected} and auth_request answers 500`;
    }
  }
}

export function canaryReason(d: Detail<"canary">, toCanary: boolean): string {
  const goes = toCanary ? `to the canary ${d.canary}` : `to the primary ${d.primary}`;
  switch (d.by) {
    case "header":
      return d.value === undefined
        ? `no ${d.header} header: ${d.ingress}'s header rule does not decide`
        : `header ${d.header}: ${d.value} sends it ${goes} (${d.ingress})`;
    case "cookie":
      return `cookie ${d.cookie}=${d.value} sends it ${goes} (${d.ingress})`;
    case "weight":
      return `canary-weight ${d.weight} of ${d.weightTotal} (${d.ingress}): this branch goes ${goes}`;
  }
}

export function protocolText(d: Detail<"proxy">): string {
  const protocol = {
    HTTPS: "; backend-protocol HTTPS: TLS to the upstream (proxy_pass https://)",
    GRPC: "; backend-protocol GRPC: HTTP/2 cleartext to the upstream (grpc_pass grpc://)",
    GRPCS: "; backend-protocol GRPCS: HTTP/2 over TLS to the upstream (grpc_pass grpcs://)",
    AUTO_HTTP: "; backend-protocol AUTO_HTTP: the client's scheme to the upstream",
    FCGI: "; backend-protocol FCGI: FastCGI to the upstream (fastcgi_pass)",
  };
  const affinity =
    d.affinity === undefined
      ? ""
      : d.affinity.by === "cookie"
        ? `; affinity: the answer sets cookie ${d.affinity.cookie}, and later requests carrying it stay on this ` +
          `endpoint`
        : `; upstream-hash-by ${d.affinity.key}: every request with the same key reaches one endpoint (which one ` +
          `depends on the hash ring, not simulated)`;
  return `${d.protocol ? protocol[d.protocol] : ""}${affinity}`;
}

export function refusalReason(d: Detail<"controller-answer">): string {
  switch (d.cause) {
    case "body-too-large":
      return "413 Request Entity Too Large: the body is over client_max_body_size";
    case "source-denied":
      return "403 Forbidden: the client's address is not allowed by the source-range annotations";
    case "location-denied":
      return `the location is denied (${d.why}): 503`;
    case "auth-denied":
      return d.location !== undefined
        ? `the auth subrequest answered 401: auth-signin redirects to ${d.location}`
        : "the auth subrequest answered 401, and so does nginx: 401 Unauthorized";
    case "auth-error":
      return `the auth subrequest failed (${d.why}): 500 Internal Server Error`;
    default:
      return `HTTP ${d.status}`;
  }
}
