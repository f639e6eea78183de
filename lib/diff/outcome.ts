// What `kubehop diff` compares for one request in one topology: the set of dispositions, the set of
// destinations, and whether the destination saw the client's address (kept) or another (lost).
import { requestText, runRequest } from "../assert/expectations.ts";
import { endLocation, endPod, isDelivered, sourceSeen } from "../assert/facts.ts";
import type { Topology } from "../topology.ts";
import { RequestError } from "../trace/request.ts";
import type { Branch, Trace } from "../trace/types.ts";
import { type DiffRequest, resolveFrom } from "./requests.ts";

export interface BranchOutcome {
  readonly disposition: string;
  readonly destination: string;
  readonly clientIP: "kept" | "lost" | "-";
}

export interface Outcome {
  /** The request could not be made here (no such pod, host, Service, ...). */
  readonly error?: string;
  readonly request?: string;
  readonly trace?: Trace;
  readonly branches: readonly BranchOutcome[];
  readonly dispositions: readonly string[];
  readonly destinations: readonly string[];
  readonly clientIP: readonly string[];
}

export function outcomeOf(topology: Topology, r: DiffRequest): Outcome {
  const from = resolveFrom(topology.cluster, r.from);
  if ("error" in from) return failed(from.error);
  const spec = r.request(from.location);
  let trace: Trace;
  try {
    trace = runRequest(topology, spec);
  } catch (e) {
    if (e instanceof RequestError) return failed(e.message);
    throw e;
  }
  const branches = trace.branches.map((b) => branchOutcome(trace, b));
  const set = (xs: string[]) => [...new Set(xs)].sort();
  return {
    request: requestText(spec),
    trace,
    branches,
    dispositions: set(branches.map((b) => b.disposition)),
    destinations: set(branches.map((b) => b.destination).filter((d) => d !== "-")),
    clientIP: set(branches.map((b) => b.clientIP).filter((c) => c !== "-")),
  };
}

function failed(error: string): Outcome {
  return { error, branches: [], dispositions: [], destinations: [], clientIP: [] };
}

export function branchOutcome(t: Trace, b: Branch): BranchOutcome {
  const reply = b.reply && b.reply.disposition !== "DELIVERED" ? ` (reply ${b.reply.disposition})` : "";
  const http = b.http ? ` ${b.http.status}` : "";
  if (!isDelivered(b)) return { disposition: `${b.disposition}${http}${reply}`, destination: "-", clientIP: "-" };
  const seen = b.http?.clientIP ?? sourceSeen(b);
  return {
    disposition: `${b.disposition}${http}${reply}`,
    destination: endPod(b) ?? endLocation(b),
    clientIP: seen === undefined ? "-" : seen === t.request.src ? "kept" : "lost",
  };
}

/** The aspects that differ: `dispositions`, `destinations`, `client IP`, `request`. */
export function changes(a: Outcome, b: Outcome): { what: string; before: string; after: string }[] {
  const out: { what: string; before: string; after: string }[] = [];
  if ((a.error ?? "") !== (b.error ?? ""))
    out.push({ what: "request", before: a.error ?? "made", after: b.error ?? "made" });
  if (a.error || b.error) return out;
  const list = (xs: readonly string[]) => xs.join(", ") || "(none)";
  const cmp = (what: string, x: readonly string[], y: readonly string[]) => {
    if (list(x) !== list(y)) out.push({ what, before: list(x), after: list(y) });
  };
  cmp("dispositions", a.dispositions, b.dispositions);
  cmp("destinations", a.destinations, b.destinations);
  cmp("client IP", a.clientIP, b.clientIP);
  return out;
}
