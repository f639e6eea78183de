// `kubehop verify`: the simulator's prediction for each request against real connections through the
// emulation. A request agrees when every attempt matches a predicted branch (the pod that answered,
// the source address it saw; REJECT = refused, DROP = timeout) and, over repeats, the spread across
// branches fits their probabilities (Pearson's chi-square; p < alpha disagrees).
import type { Topology } from "../topology.ts";
import type { Trace } from "../trace/types.ts";
import { emulate, type Emulation } from "../emulate/emulation.ts";
import { EmulationUnavailable } from "../emulate/prerequisites.ts";
import { describeAttempt, groupsOf, matches, type Group } from "./expect.ts";
import { probe, type Attempt, type ProbeJob } from "./probe.ts";
import { defaultRequests, type VerifyRequest } from "./requests.ts";
import { ingressesOf, ingressGroups, ingressRequest, tlsOf } from "./ingress-rows.ts";
import { proxyPod, routesOf, throughGateway } from "./gateway-rows.ts";
import { chiSquare, type ChiSquare } from "./stats.ts";

export interface VerifyOptions {
  /** Connections per request with more than one predicted outcome (others get at most 3, failures 2). */
  readonly repeat?: number;
  /** Family-wise significance of the chi-square tests (each at alpha / their number): p below it disagrees. */
  readonly alpha?: number;
  /** Per-connection timeout; a predicted DROP must last this long. */
  readonly timeoutMs?: number;
  /** Extra requests (--request); `only` drops the default set. */
  readonly requests?: readonly VerifyRequest[];
  readonly only?: boolean;
  readonly log?: (line: string) => void;
}

export interface RowGroup {
  readonly key: string;
  readonly probability: number;
  readonly dispositions: string[];
  observed: number;
}

export interface Row {
  readonly request: VerifyRequest;
  readonly dst?: string;
  verdict: "agree" | "disagree" | "skipped";
  why?: string;
  groups: RowGroup[];
  unexpected: { what: string; count: number }[];
  chi?: ChiSquare;
  attempts: number;
  /** Milliseconds the simulator took for the trace. */
  readonly traceMs: number;
  /** Median milliseconds of the real connections that answered (or of all attempts). */
  connectMs?: number;
}

export interface VerifyReport {
  readonly skipped?: string;
  readonly rows: Row[];
  readonly notes: readonly string[];
  readonly alpha: number;
  /** The significance each chi-square test used: alpha / (number of tests), Bonferroni. */
  readonly perTestAlpha?: number;
  readonly repeat: number;
  readonly seconds: {
    readonly build: number;
    readonly probes: number;
    readonly traces: number;
    readonly total: number;
  };
}

const AFFINITY_WHY = "sessionAffinity ClientIP: the first connection picks, the rest stick (no spread to test)";

export async function verify(topo: Topology, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const repeat = opts.repeat ?? 30;
  const alpha = opts.alpha ?? 0.001;
  const timeoutMs = opts.timeoutMs ?? 1000;
  const log = opts.log ?? (() => {});
  const t0 = performance.now();
  const requests = [...(opts.only ? [] : defaultRequests(topo.cluster)), ...(opts.requests ?? [])];
  // The simulator first: it needs no root, and its answers decide how often to connect.
  const planned: Planned[] = [];
  const tt = performance.now();
  for (const request of requests) {
    if (request.kind === "ingress" || request.kind === "gateway") {
      planned.push(planIngress(topo, request, repeat));
      continue;
    }
    const s = performance.now();
    let trace: Trace;
    try {
      trace = topo.trace({
        from: request.from,
        to: request.to,
        proto: request.proto,
        ...(request.size ? { size: request.size } : {}),
      });
    } catch (e) {
      if (request.kind === "given") throw e;
      planned.push({
        row: {
          request,
          verdict: "skipped",
          why: `not traceable: ${(e as Error).message}`,
          groups: [],
          unexpected: [],
          attempts: 0,
          traceMs: performance.now() - s,
        },
        count: 0,
      });
      continue;
    }
    const traceMs = performance.now() - s;
    const g = groupsOf(trace);
    const dst = request.proto === "icmp" ? trace.request.dst : `${trace.request.dst}:${trace.request.dport}`;
    if ("unverifiable" in g) {
      planned.push({
        row: {
          request,
          dst,
          verdict: "skipped",
          why: g.unverifiable,
          groups: [],
          unexpected: [],
          attempts: 0,
          traceMs,
        },
        trace,
        count: 0,
      });
      continue;
    }
    const failing = g.groups.every((x) => x.expect.kind !== "answer");
    const count = failing ? Math.min(repeat, 2) : g.groups.length > 1 ? repeat : Math.min(repeat, 3);
    const groups = g.groups.map((x) => ({
      key: x.key,
      probability: x.probability,
      dispositions: [...x.dispositions],
      observed: 0,
    }));
    planned.push({
      row: { request, dst, verdict: "agree", groups, unexpected: [], attempts: 0, traceMs },
      trace,
      groups: g.groups,
      count,
    });
  }
  const traceSeconds = (performance.now() - tt) / 1000;
  let em: Emulation | undefined;
  const notes: string[] = [];
  let probeSeconds = 0;
  let perTest = alpha;
  try {
    try {
      em = await emulate(topo, { log });
    } catch (e) {
      if (!(e instanceof EmulationUnavailable)) throw e;
      return {
        skipped: e.message,
        rows: planned.map((p) => ({ ...p.row, verdict: "skipped", why: p.row.why ?? "not run" })),
        notes: [],
        alpha,
        repeat,
        seconds: { build: 0, probes: 0, traces: traceSeconds, total: (performance.now() - t0) / 1000 },
      };
    }
    notes.push(...em.notes);
    // One probe process per source namespace, all at once; each runs its jobs in order.
    const bySource = new Map<string, ProbeJob[]>();
    planned.forEach((p, id) => {
      if (!p.trace || p.count === 0) return;
      const start = p.trace.branches[0]?.hops[0]?.at;
      const ns = start && em!.namespaceAt(start);
      const curl = p.row.request.kind === "ingress" || p.row.request.kind === "gateway";
      const request = curl ? ingressRequest(p.trace) : undefined;
      const tls = curl ? tlsOf(p.trace) : undefined;
      const unsent = curl ? (nginxCannot(em!, p.trace) ?? (tls && !em!.caPem ? em!.noTls : undefined)) : undefined;
      if (unsent) {
        p.row.verdict = "skipped";
        p.row.why = unsent;
        return;
      }
      if (!ns) {
        p.row.verdict = "skipped";
        p.row.why = `no namespace for ${p.row.request.from}`;
        return;
      }
      const job: ProbeJob = {
        id,
        proto: p.row.request.proto,
        host: p.trace.request.dst,
        port: p.trace.request.dport,
        count: p.count,
        timeoutMs,
        ...(p.row.request.size ? { size: p.row.request.size } : {}),
        ...(request ? { request } : {}),
        ...(tls ? { tls } : {}),
      };
      bySource.set(ns, [...(bySource.get(ns) ?? []), job]);
    });
    log(
      `probing: ${[...bySource.values()].reduce((n, j) => n + j.reduce((m, x) => m + x.count, 0), 0)} connections ` +
        `from ${bySource.size} namespaces`,
    );
    const ps = performance.now();
    const results = new Map<number, Attempt[]>();
    await Promise.all(
      [...bySource].map(async ([ns, jobs]) => {
        for (const [id, attempts] of await probe(ns, jobs, em!.caPem)) results.set(id, attempts);
      }),
    );
    probeSeconds = (performance.now() - ps) / 1000;
    // alpha is the whole run's (family-wise) significance: with m spreads tested, each is tested at
    // alpha/m (Bonferroni), so a correct simulator fails a run by chance at most alpha of the time.
    const tested = planned.filter(
      (p) =>
        results.has(planned.indexOf(p)) &&
        (p.groups?.length ?? 0) > 1 &&
        p.row.request.service?.sessionAffinity !== "ClientIP",
    ).length;
    perTest = alpha / Math.max(tested, 1);
    planned.forEach((p, id) => {
      const attempts = results.get(id);
      if (attempts && p.groups) judge(p.row, p.groups, attempts, perTest);
    });
  } finally {
    em?.teardown();
  }
  return {
    rows: planned.map((p) => p.row),
    notes,
    alpha,
    perTestAlpha: perTest,
    repeat,
    seconds: {
      build: em?.buildSeconds ?? 0,
      probes: probeSeconds,
      traces: traceSeconds,
      total: (performance.now() - t0) / 1000,
    },
  };
}

type Planned = { row: Row; trace?: Trace; groups?: Group[]; count: number };

/** curl through ingress: kubehop's curl trace, its branches grouped by what curl would see. */
function planIngress(topo: Topology, request: VerifyRequest, repeat: number): Planned {
  const s = performance.now();
  const row = (verdict: Row["verdict"], why?: string): Row => ({
    request,
    verdict,
    ...(why ? { why } : {}),
    groups: [],
    unexpected: [],
    attempts: 0,
    traceMs: performance.now() - s,
  });
  let trace: Trace;
  try {
    trace = topo.curl(request.to, {
      from: request.from,
      ...(request.headers ? { headers: request.headers } : {}),
      ...(request.method ? { method: request.method } : {}),
      ...(request.resolve ? { resolve: request.resolve } : {}),
    });
  } catch (e) {
    return { row: row("skipped", `not traceable: ${(e as Error).message}`), count: 0 };
  }
  const dst = `${trace.request.dst}:${trace.request.dport}`;
  const g = ingressGroups(trace);
  if ("unverifiable" in g) return { row: { ...row("skipped", g.unverifiable), dst }, trace, count: 0 };
  const groups = g.groups.map((x) => ({
    key: x.key,
    probability: x.probability,
    dispositions: [...x.dispositions],
    observed: 0,
  }));
  const count = g.groups.length > 1 ? repeat : Math.min(repeat, 3);
  return { row: { ...row("agree"), dst, groups }, trace, groups: g.groups, count };
}

/** Why the emulation cannot answer a curl through ingress (or a Gateway) as the proxy would, if it cannot. */
function nginxCannot(em: Emulation, trace: Trace): string | undefined {
  if (throughGateway(trace)) {
    const proxies = [...em.nginx.keys()].filter((pod) => trace.branches.some((b) => proxyPod(b) === pod));
    if (proxies.length === 0)
      return "curl through a Gateway: no proxy pod of it runs nginx (not installed, or hostNetwork)";
    const why = routesOf(trace)
      .map((r) => [r, em.nginxUnrendered.get(r)] as const)
      .find(([, w]) => w);
    return why ? `curl through a Gateway: ${why[0]} uses ${why[1]}` : undefined;
  }
  if (em.nginx.size === 0)
    return "curl through ingress: no controller pod runs nginx (not installed: apt-get install nginx; or hostNetwork)";
  for (const ing of ingressesOf(trace)) {
    const why = em.nginxUnrendered.get(ing);
    if (why) return `curl through ingress: ${ing} uses ${why}`;
  }
  return undefined;
}

export function judge(row: Row, groups: readonly Group[], attempts: readonly Attempt[], alpha: number): void {
  row.attempts = attempts.length;
  const unexpected = new Map<string, number>();
  for (const a of attempts) {
    // An exact kind first (answer, refused, timeout), then the loose "fail".
    const i = groups.findIndex((g) => g.expect.kind !== "fail" && matches(g.expect, a));
    const j = i >= 0 ? i : groups.findIndex((g) => matches(g.expect, a));
    if (j >= 0) row.groups[j]!.observed++;
    else unexpected.set(describeAttempt(a), (unexpected.get(describeAttempt(a)) ?? 0) + 1);
  }
  row.unexpected = [...unexpected].map(([what, count]) => ({ what, count }));
  const answered = attempts
    .filter((a) => a.outcome === "answer")
    .map((a) => a.ms)
    .sort((a, b) => a - b);
  const times = answered.length ? answered : attempts.map((a) => a.ms).sort((a, b) => a - b);
  row.connectMs = times[Math.floor(times.length / 2)];
  if (row.unexpected.length) {
    row.verdict = "disagree";
    row.why = `seen but not predicted: ${row.unexpected.map((u) => `${u.what} x${u.count}`).join("; ")}`;
    return;
  }
  if (row.groups.length < 2) return;
  const affinity = row.request.service?.sessionAffinity === "ClientIP";
  if (affinity) {
    const hit = row.groups.filter((g) => g.observed > 0).length;
    if (hit > 1) {
      row.verdict = "disagree";
      row.why = `sessionAffinity ClientIP, yet ${hit} different outcomes from one source`;
    } else row.why = AFFINITY_WHY;
    return;
  }
  row.chi = chiSquare(
    row.groups.map((g) => g.observed),
    row.groups.map((g) => g.probability),
  );
  if (row.chi.p < alpha) {
    row.verdict = "disagree";
    row.why =
      `spread does not fit the predicted probabilities: chi-square ${row.chi.statistic.toFixed(2)} ` +
      `(${row.chi.dof} dof), p = ${row.chi.p.toExponential(2)} < ${alpha}`;
  }
}
