// `curl` semantics for a trace: the URL, headers, method and --resolve become the first packet of
// the connection and the HTTP request it carries.
import { formatIpv4 } from "../model/address.ts";
import type { Network } from "../dataplane/network.ts";
import type { HttpRequest } from "../model/packet.ts";
import { podsAt } from "./names.ts";
import { planRequest, type RequestPlan, RequestError } from "./request.ts";
import { CLUSTER_DOMAIN, resolveHost } from "./dns.ts";
import { pendingFront } from "../control/edge.ts";
import type { TraceRequest } from "./types.ts";

export interface CurlQuery {
  readonly url: string;
  /**
   * Where curl runs: client/NAME (default: the first client), pod/[NS/]NAME, deploy/[NS/]NAME (each pod a branch),
   * node/NAME.
   */
  readonly from?: string;
  /** kubectl's -n: the namespace of pod/NAME and workload names in `from` written without one. */
  readonly namespace?: string;
  /** `Name: value` lines, as -H takes them. */
  readonly headers?: readonly string[];
  readonly method?: string;
  /** `HOST:PORT:ADDR`, as --resolve takes them. */
  readonly resolve?: readonly string[];
  /** -k: accept a certificate that does not match the host (the controller's default one). */
  readonly insecure?: boolean;
  /** What auth-url subrequests answer; without it each one splits the trace into allowed and 401. */
  readonly authVerdict?: "allowed" | "denied";
}

export interface ResolvedCurl extends RequestPlan {
  readonly http: HttpRequest;
}

export function resolveCurl(net: Network, q: CurlQuery): ResolvedCurl {
  refuseControlCharacters(q);
  let url: URL;
  try {
    url = new URL(q.url);
  } catch {
    throw new RequestError(`"${q.url}" is not a URL; expected http://HOST[:PORT]/PATH or https://...`, "BAD_URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new RequestError(`${url.protocol} URLs are not supported; use http:// or https://`, "UNSUPPORTED_SCHEME");
  const scheme = url.protocol === "https:" ? "https" : "http";
  const port = url.port ? Number(url.port) : scheme === "https" ? 443 : 80;
  const headers = parseHeaders(q.headers ?? []);
  const urlHost = url.hostname.toLowerCase();
  const from = q.from ?? `client/${net.cluster.clients[0]?.name ?? "client"}`;
  // A workload's pods share a namespace, so the first one's resolv.conf answers for all of them.
  const pod = podsAt(net, from, q.namespace)?.pods[0];
  const resolved = resolveHost(net.cluster, urlHost, port, {
    ...(q.resolve ? { resolve: q.resolve } : {}),
    ...(pod ? { pod } : {}),
  });
  if (!resolved) {
    const where = pod ? `the cluster DNS (search path of namespace ${pod.namespace}) or ` : "";
    // An Ingress that names the host but is not served explains why no DNS name was made for it.
    const ignored = net.cluster.ingress.ignored.find((i) => i.ingress.rules.some((r) => r.host === urlHost));
    const served = net.cluster.ingress.served.some((i) => i.ingress.rules.some((r) => !r.host || r.host === urlHost));
    const pending = served ? pendingFront(net.cluster, urlHost) : undefined;
    if (pending) throw new RequestError(`could not resolve host ${urlHost}: ${pending}`, "UNRESOLVED_HOST");
    const why = ignored ? ` (${ignored.reason})` : "";
    const clusterName =
      !pod && urlHost.endsWith(`.${CLUSTER_DOMAIN}`)
        ? `; ${from} resolves through the host's resolver, not the cluster DNS (only pods search ` +
          `<ns>.svc.${CLUSTER_DOMAIN})`
        : "";
    throw new RequestError(
      `could not resolve host ${urlHost}: not in ${where}the Topology's DNS zone, and no Ingress serves ` +
        `it${why}${clusterName}; use --resolve ${urlHost}:${port}:ADDR`,
      "UNRESOLVED_HOST",
    );
  }
  const base = planRequest(net, {
    from,
    to: `${formatIpv4(resolved.ip)}:${port}`,
    proto: "tcp",
    ...(q.namespace !== undefined ? { namespace: q.namespace } : {}),
  });
  const hostHeader = (headers.host ?? urlHost).toLowerCase().replace(/:\d+$/, "");
  // TLS: curl sends the URL's host as SNI and verifies the certificate against it, whatever -H Host says.
  const http: HttpRequest & { readonly sni?: string } = {
    method: (q.method ?? "GET").toUpperCase(),
    scheme,
    host: hostHeader,
    path: `${url.pathname}${url.search}`,
    headers,
    insecure: q.insecure === true,
    ...(q.authVerdict ? { authVerdict: q.authVerdict } : {}),
    ...(scheme === "https" ? { sni: urlHost } : {}),
  };
  const starts = base.starts.map((s) => ({ ...s, packet: { ...s.packet, http } }));
  const request: TraceRequest = {
    ...base.request,
    to: q.url,
    http: {
      method: http.method,
      url: q.url,
      scheme,
      host: hostHeader,
      path: http.path,
      headers: { ...headers },
      resolved: resolved.how,
    },
  };
  return { starts, request, http };
}

function parseHeaders(lines: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of lines) {
    const i = line.indexOf(":");
    if (i <= 0) throw new RequestError(`-H "${line}" is not a header; expected "Name: value"`, "BAD_HEADER");
    out[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return out;
}

/**
 * curl refuses a URL with a control character, and the URL parser would silently drop a tab or a
 * newline, so the request traced would not be the one typed; in a header a newline would start
 * another header. Each is named as it was given.
 */
function refuseControlCharacters(q: CurlQuery): void {
  const given = [
    ["the URL", q.url],
    ...(q.headers ?? []).map((h) => ["the header (-H, -A, -e or -b)", h]),
    ...(q.resolve ?? []).map((r) => ["--resolve", r]),
  ] as const;
  for (const [what, value] of given) {
    if (/\p{Cc}/u.test(value))
      throw new RequestError(
        `${what} ${JSON.stringify(value)} holds a control character; remove it (percent-encode it in a URL, e.g. %0A)`,
        "CONTROL_CHARACTER",
      );
  }
}
