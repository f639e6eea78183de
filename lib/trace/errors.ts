// The one error a request can end in before any packet moves.

/** What a refused request got wrong, stable for programs and specs (the message is for people). */
export type RequestErrorCode =
  /** --src is not an IPv4 address. */
  | "BAD_SOURCE_ADDRESS"
  /** The start has no address of its own (a packet arriving on an interface) and no --src was given. */
  | "SOURCE_ADDRESS_NEEDED"
  /** A node process has no route to the destination to take a source address from. */
  | "NO_ROUTE_FOR_SOURCE"
  | "UNKNOWN_NODE"
  | "UNKNOWN_INTERFACE"
  | "UNKNOWN_CLIENT"
  | "UNKNOWN_POD"
  | "AMBIGUOUS_POD"
  | "UNKNOWN_SERVICE"
  /** deploy/NAME names a StatefulSet (or the like): the message says which prefix to write. */
  | "WRONG_WORKLOAD_KIND"
  /** A workload with no pods (0 replicas, or a DaemonSet whose nodeSelector matches no node). */
  | "NO_WORKLOAD_PODS"
  /** --from is not one of the location forms. */
  | "BAD_LOCATION"
  /** --to is not one of the destination forms. */
  | "BAD_DESTINATION"
  | "BAD_PORT"
  /** A destination without a port for TCP or UDP, and nothing to take one from. */
  | "PORT_NEEDED"
  /** A headless Service, or one of a type without a ClusterIP (ExternalName). */
  | "SERVICE_WITHOUT_CLUSTER_IP"
  /** svc/NAME without :PORT for a Service with several ports of the request's protocol. */
  | "SERVICE_PORT_AMBIGUOUS"
  /** The Service has no port of the request's protocol (a UDP request to a TCP-only Service). */
  | "SERVICE_NO_PORT_FOR_PROTOCOL"
  /** svc/NAME:PORT where the Service has no such port (by name or number) of that protocol. */
  | "UNKNOWN_SERVICE_PORT"
  | "BAD_URL"
  | "UNSUPPORTED_SCHEME"
  | "UNRESOLVED_HOST"
  | "BAD_HEADER"
  /** The URL, a header or a --resolve value holds a control character (a newline would split a header). */
  | "CONTROL_CHARACTER";

/** A request that names something the topology does not have; the CLI prints it and exits 2. */
export class RequestError extends Error {
  override name = "RequestError";
  /** Which kind of refusal; the message is unchanged by it. */
  readonly code?: RequestErrorCode;

  constructor(message: string, code?: RequestErrorCode) {
    super(message);
    if (code !== undefined) this.code = code;
  }
}
