// The Gateway API conformance echo server (images echo-basic and echo-advanced), as its handlers
// answer: kubernetes-sigs/gateway-api conformance/echo-basic/echo-basic.go at 53a5258d (the last
// commit before it moved to gateway-api-conformance-images). Its mux: /health answers 200 "OK";
// /status/NNN answers NNN (the request URI, query and all, must be exactly that, else 400); /retry/
// fails until a request id has been seen succeedAfter times; /ws takes WebSocket upgrades; anything
// else is echoed as JSON, with the response headers X-Echo-Set-Header names. Other pods are not run:
// they answer 200 and echo the request (lib/dataplane/devices/socket.ts).
import type { Pod } from "../../model/cluster.ts";
import type { EchoHandler, EchoUndecided } from "../../model/step-detail.ts";

const ECHO_IMAGES = [
  "gcr.io/k8s-staging-gateway-api/echo-basic",
  "gcr.io/k8s-staging-gateway-api/echo-advanced",
  "registry.k8s.io/gateway-api/echo-basic",
  "registry.k8s.io/gateway-api/echo-advanced",
];

/** The image's repository: without its tag or digest. */
function repository(image: string): string {
  const at = image.indexOf("@");
  const name = at >= 0 ? image.slice(0, at) : image;
  const colon = name.lastIndexOf(":");
  return colon > name.lastIndexOf("/") ? name.slice(0, colon) : name;
}

export function isEchoServer(pod: Pod): boolean {
  return (pod.images ?? []).some((i) => ECHO_IMAGES.includes(repository(i)));
}

export interface EchoRequest {
  readonly method: string;
  /** The request target: path and query, as sent. */
  readonly path: string;
  /** Names lower-case. */
  readonly headers: Readonly<Record<string, string>>;
}

/** What the echo server answers: a status with its headers, or nothing the request alone decides. */
export type EchoAnswer =
  | {
      readonly handler: EchoHandler;
      readonly status: number;
      /** Names lower-case. */
      readonly headers: Readonly<Record<string, string>>;
    }
  | { readonly handler: EchoHandler; readonly undecided: EchoUndecided };

const JSON_HEADERS = { "content-type": "application/json", "x-content-type-options": "nosniff" };
const TEXT = { "content-type": "text/plain; charset=utf-8" };

export function echoAnswer(req: EchoRequest): EchoAnswer {
  const q = req.path.indexOf("?");
  // preserveSlashes: every "//" becomes "/" before the mux looks at the path.
  const path = (q < 0 ? req.path : req.path.slice(0, q)).replaceAll("//", "/");
  const query = q < 0 ? "" : req.path.slice(q + 1);
  // ServeMux answers a subtree's root without its slash with 301 to add it, the query kept.
  if (path === "/status" || path === "/retry")
    return { handler: "subtree-redirect", status: 301, headers: { location: `${path}/${q < 0 ? "" : `?${query}`}` } };
  if (path === "/health") return { handler: "health", status: 200, headers: TEXT };
  if (path.startsWith("/status/")) return statusAnswer(req.path);
  if (path.startsWith("/retry/")) return retryAnswer(req, query);
  if (path === "/ws") return websocketAnswer(req);
  return echoed(req, query);
}

/** statusHandler: the code the URI names (Go's WriteHeader refuses one under 100, closing the connection). */
function statusAnswer(requestUri: string): EchoAnswer {
  const m = /^\/status\/(\d\d\d)$/.exec(requestUri);
  const code = m ? Number(m[1]) : 400;
  if (code < 100) return { handler: "status", undecided: "connection-closed" };
  if (code > 599) return { handler: "status", undecided: "status-over-599" };
  // A 1xx other than 101 is sent as an informational answer; the final one is then 200.
  const status = code < 200 && code !== 101 ? 200 : code;
  return { handler: "status", status, headers: {} };
}

/** retrySimulationHandler: the answer depends on how many earlier requests carried this uuid. */
function retryAnswer(req: EchoRequest, query: string): EchoAnswer {
  const uuid = param(query, "uuid");
  if (uuid === undefined || uuid === "") return { handler: "retry", status: 400, headers: TEXT };
  const after = goAtoi(param(query, "succeedAfter") ?? "");
  if (after === undefined) return { handler: "retry", status: 400, headers: TEXT };
  if (after <= 0) return echoed(req, query, "retry");
  return { handler: "retry", undecided: "retry-attempts" };
}

/** golang.org/x/net/websocket's handshake: a request that is not an upgrade is refused with 400. */
function websocketAnswer(req: EchoRequest): EchoAnswer {
  const upgrade = (req.headers.upgrade ?? "").toLowerCase() === "websocket";
  const connection = (req.headers.connection ?? "").toLowerCase().includes("upgrade");
  if (req.method !== "GET" || !upgrade || !connection) return { handler: "websocket", status: 400, headers: {} };
  return { handler: "websocket", undecided: "websocket" };
}

/** echoHandler: a ?delay= that is no Go duration is a 500; else 200, with X-Echo-Set-Header's headers. */
function echoed(req: EchoRequest, query: string, handler: EchoHandler = "echo"): EchoAnswer {
  const delay = param(query, "delay");
  if (delay !== undefined && delay !== "" && !isGoDuration(delay))
    return { handler, status: 500, headers: JSON_HEADERS };
  return { handler, status: 200, headers: { ...setHeaders(req.headers), ...JSON_HEADERS } };
}

/**
 * writeEchoResponseHeaders: X-Echo-Set-Header is split on commas, each `Name:Value` sets Name (a
 * second one appends `,Value`). Names lower-case here; the client reads the value without the blank
 * after the colon.
 */
function setHeaders(request: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (request["x-echo-set-header"] ?? "").split(",")) {
    const kv = pair.trim();
    if (kv === "") continue;
    const colon = kv.indexOf(":");
    const name = (colon >= 0 ? kv.slice(0, colon) : kv).toLowerCase();
    const value = colon >= 0 ? kv.slice(colon + 1).trim() : "";
    out[name] = out[name] === undefined ? value : `${out[name]},${value}`;
  }
  return out;
}

/** The headers the pod answers with: the echo server's, or none known for any other pod. */
export function echoHeaders(pod: Pod, request: EchoRequest): Record<string, string> {
  if (!isEchoServer(pod)) return {};
  const a = echoAnswer(request);
  return "headers" in a ? { ...a.headers } : {};
}

/** url.Values.Get: the first value of the name, percent-decoded ("+" is a space). */
function param(query: string, name: string): string | undefined {
  for (const part of query.split("&")) {
    const eq = part.indexOf("=");
    const [k, v] = eq < 0 ? [part, ""] : [part.slice(0, eq), part.slice(eq + 1)];
    if (decode(k) === name) return decode(v);
  }
  return undefined;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, " "));
  } catch {
    return s;
  }
}

/** strconv.Atoi: an optional sign and decimal digits, nothing else. */
function goAtoi(s: string): number | undefined {
  return /^[+-]?\d+$/.test(s) ? Number(s) : undefined;
}

/** time.ParseDuration's syntax: "0", or signed decimal numbers each with a unit. */
function isGoDuration(s: string): boolean {
  return /^[+-]?(0|((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+)$/.test(s);
}
