// The words for what the Gateway API conformance echo server did (lib/dataplane/devices/echo-server.ts).
import type { EchoHandler, EchoUndecided, EndDetail, StepDetail } from "../model/step-detail.ts";

/** What each handler of the conformance echo server (echo-basic.go) does. */
const ECHO_HANDLERS: Readonly<Record<EchoHandler, string>> = {
  echo: "it echoes the request as JSON (500 for a ?delay= that is no Go duration)",
  health: "/health answers 200 OK",
  status: "/status/NNN answers NNN, any other /status/ URI (a query too) 400",
  retry: "/retry/ without a uuid or a whole succeedAfter answers 400, with succeedAfter 0 or less it echoes",
  websocket: "/ws answers 400 to a request that is no WebSocket upgrade",
  "subtree-redirect": "Go's ServeMux answers a subtree's root without its slash with 301 to add it",
};

const ECHO_UNDECIDED: Readonly<Record<EchoUndecided, string>> = {
  "connection-closed":
    "a /status/ code under 100 makes Go's WriteHeader panic, and the server closes the connection without an " +
    "answer: what the client gets is what the proxy in front answers then, which its implementation decides",
  "status-over-599":
    "/status/ answers a code above 599, which HTTP does not define: what the client gets is what the proxy in " +
    "front makes of it, which its implementation decides",
  "retry-attempts":
    "/retry/ fails (a connection reset, or ?responseCode=) until succeedAfter earlier requests carried this uuid, " +
    "which one request does not tell",
  websocket: "a WebSocket upgrade is not modelled",
};

export function echoAnswerReason(d: Extract<StepDetail, { kind: "app-answer" }>): string {
  const where = d.location !== undefined ? ` (Location ${d.location})` : "";
  return `the Gateway API conformance echo server: ${d.echo ? ECHO_HANDLERS[d.echo] : "it echoes the request"}${where}`;
}

export function echoUndecidedReason(d: Extract<EndDetail, { kind: "echo-undecided" }>): string {
  return `the Gateway API conformance echo server: ${ECHO_UNDECIDED[d.cause]}`;
}
