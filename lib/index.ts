// kubehop's library entry: load a topology, then trace requests through it and assert on the traces.
export { loadTopology, loadTopologySync, Topology } from "./topology.ts";
export type { CurlOptions, TraceSession } from "./topology.ts";
export { InputError, type InputProblem } from "./input/errors.ts";
export {
  DIAGNOSTIC_CODES,
  type Diagnostic,
  type DiagnosticCode,
  type DiagnosticSource,
  formatDiagnostic,
  type Severity,
} from "./model/diagnostic.ts";
export { RequestError, type TraceQuery } from "./trace/request.ts";
export type {
  Branch,
  Disposition,
  EndDetail,
  Endpoint,
  HeaderChange,
  Hop,
  HopAt,
  HttpOutcome,
  Leg,
  PacketJson,
  Step,
  StepAction,
  StepDetail,
  Trace,
  TraceRequest,
} from "./trace/types.ts";
export {
  ALL_STEP_ACTIONS,
  FAILURE_DISPOSITIONS,
  isSuccess,
  STEP_ACTIONS,
  SUCCESS_DISPOSITIONS,
} from "./trace/types.ts";
export { AssertionInputError, type Check, type Condition, type IngressRuleRef } from "./assert/conditions.ts";
export { evaluate, type Scope, type Verdict } from "./assert/evaluate.ts";
