// kubehop's library entry: load a topology, then trace requests through it.
export { loadTopology, loadTopologySync, Topology } from "./topology.ts";
export { InputError, type InputProblem } from "./input/errors.ts";
export { RequestError, type TraceQuery } from "./trace/request.ts";
export type { Branch, Disposition, Hop, Leg, Step, Trace } from "./trace/types.ts";
export { FAILURE_DISPOSITIONS, isSuccess, SUCCESS_DISPOSITIONS } from "./trace/types.ts";
