// The trace model of design.md: a trace is branches, a branch is hops, a hop is steps, and every
// branch ends in one disposition from a closed set. These are the shapes `--json` prints.
import type { Diagnostic } from "../model/diagnostic.ts";
import type { HopAt } from "../model/hop-at.ts";
import type { Disposition, HttpOutcome, Step } from "../model/step.ts";
import type { EndDetail } from "../model/step-detail.ts";

export type { HopAt, HopAtKind, PodRef } from "../model/hop-at.ts";
export type {
  EndDetail,
  EndDetailKind,
  Endpoint,
  PeerFact,
  Receiver,
  RouteFact,
  StepDetail,
  StepDetailKind,
} from "../model/step-detail.ts";

export {
  FAILURE_DISPOSITIONS,
  type FailureDisposition,
  type Disposition,
  type FieldChange,
  type HeaderChange,
  type HttpOutcome,
  isSuccess,
  type PacketJson,
  type Step,
  type StepType,
  SUCCESS_DISPOSITIONS,
  type SuccessDisposition,
  ALL_STEP_ACTIONS,
  STEP_ACTIONS,
  type StepAction,
} from "../model/step.ts";

export interface Hop {
  /** One device at one place, as a label: `pod/default/web-0`, `node-1/wg0`, `underlay`. */
  location: string;
  /** The same place as a typed reference to the model object: read this, not the label. */
  at: HopAt;
  /** Which TCP connection, 1-based, when an L7 proxy (the ingress controller) split the path. */
  segment?: number;
  steps: Step[];
}

export interface HttpRequestInfo {
  method: string;
  url: string;
  scheme: string;
  host: string;
  path: string;
  headers: Record<string, string>;
  /** How the host name became an address: `--resolve`, the Topology's DNS, cluster DNS. */
  resolved: string;
}

export interface Leg {
  disposition: Disposition;
  /** What decided the disposition, as typed facts. */
  detail: EndDetail;
  /** The detail in words. */
  reason: string;
  /** What decided the disposition (route, rule, peer, ...), when a rule did. */
  rule?: string;
  hops: Hop[];
}

export interface Branch extends Leg {
  probability: number;
  /** The choices that made this branch, e.g. `KUBE-SVC-XYZ: endpoint 2 of 3`. */
  choices: string[];
  /** The reply, traced back from the destination when the request was delivered. */
  reply?: Leg;
  http?: HttpOutcome;
}

export interface TraceRequest {
  /** For `kubehop curl`: the HTTP request after defaults. */
  http?: HttpRequestInfo;
  from: string;
  to: string;
  proto: string;
  src: string;
  sport: number;
  dst: string;
  dport: number;
  size: number;
}

export interface Trace {
  request: TraceRequest;
  branches: Branch[];
  /** What the topology and the rules walked say that the trace does not simulate, or assumes. */
  diagnostics: Diagnostic[];
  /** `curl -L`: the requests made by following redirects, in order. */
  followed?: Trace[];
  /** `curl --trace-dns`: the DNS query itself, from the pod to the kube-dns Service. */
  dns?: Trace;
}
