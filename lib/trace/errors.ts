// The one error a request can end in before any packet moves.

/** A request that names something the topology does not have; the CLI prints it and exits 2. */
export class RequestError extends Error {
  override name = "RequestError";
}
