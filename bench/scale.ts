// Issue 7's figures: a generated cluster at Kubernetes' limits (5,000 nodes, 150,000 pods, 10,000
// Services) and at 10x and 100x smaller: load, peak memory, one node's iptables-save, one trace,
// 1,000 `check` expectations, a diagram; and how each grows with size.
// In bench/run.ts: `npm run bench -- scale`. Runs smallest first, so peak RSS reads per scale.
// Issue 11's load rows (YAML, kubectl's -o json, the snapshot cache) close each scale;
// `npm run bench -- scale load` runs only those, at the limits.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { performance } from "node:perf_hooks";
import { loadTopologySync, Topology } from "../lib/topology.ts";
import { contextFor } from "../lib/assert/context.ts";
import {
  type CompiledExpectation,
  compile,
  type ExpectationSource,
  runExpectations,
} from "../lib/assert/expectations.ts";
import type { InputProblem } from "../lib/input/errors.ts";
import { validate } from "../lib/input/load.ts";
import { ExpectationsSchema } from "../lib/input/topology-schema.ts";
import { parseDocuments } from "../lib/input/yaml-documents.ts";
import { generateTopology } from "../lib/generate/topology.ts";
import { diagramSvg } from "../lib/diagram/index.ts";
import { loadCluster } from "../lib/snapshot/cached-load.ts";
import { ensureBuilt } from "../scripts/ensure-built.ts";
import { kubectlJson } from "./kubectl-json.ts";
import type { Cluster } from "../lib/model/cluster.ts";
import { gc, mb, median, peakRss, row } from "./report.ts";

interface Scale {
  readonly label: string;
  readonly nodes: number;
  readonly services: number;
}

const SCALES: readonly Scale[] = [
  { label: "1/100", nodes: 50, services: 100 },
  { label: "1/10", nodes: 500, services: 1000 },
  { label: "limits", nodes: 5000, services: 10000 },
];
const PODS_PER_NODE = 30;
const ENDPOINTS = 15;
const EXPECTATIONS = 1000;
/** A check run at the limits stops here and reports how far it got. */
const CHECK_BUDGET_MS = 60_000;

export function scaleBench(): void {
  const dir = mkdtempSync(join(tmpdir(), "kubehop-bench-"));
  try {
    if (process.argv[3] === "load") {
      const limits = SCALES[SCALES.length - 1]!;
      const file = writeScale(limits, dir);
      return loadRows(limits, file, loadYaml(limits, file).topo.cluster, dir);
    }
    const seconds: Record<string, number[]> = {};
    for (const s of SCALES) one(s, dir, seconds);
    const growth = (k: string) => {
      const v = seconds[k]!;
      return v.length === 3 ? `${(v[1]! / v[0]!).toFixed(1)}x, ${(v[2]! / v[1]!).toFixed(1)}x` : "-";
    };
    row("growth per 10x of input: load", growth("load"), "<= 10x");
    row("growth per 10x of input: iptables-save of one node", growth("save"), "<= 10x");
    row("growth per 10x of input: one trace (repeat)", growth("trace"), "<= 10x");
    row("growth per 10x of input: diagram", growth("diagram"), "<= 10x");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function one(s: Scale, dir: string, seconds: Record<string, number[]>): void {
  const put = (k: string, v: number) => (seconds[k] ??= []).push(v);
  const file = writeScale(s, dir);
  const { topo, ms } = loadYaml(s, file);
  put("load", ms);
  const c = topo.cluster;

  let t = performance.now();
  const save = topo.iptablesSave("node-1");
  const saveMs = performance.now() - t;
  put("save", saveMs);
  row(`${s.label}: iptables-save of node-1`, `${(saveMs / 1000).toFixed(2)} s, ${save.split("\n").length} lines`, "-");

  const from =
    c.pods.find((p) => p.node === "node-1" && p.namespace === "batch") ?? c.pods.find((p) => p.node === "node-1")!;
  const query = { from: `pod/${from.namespace}/${from.name}`, to: "svc/ns-0/svc-1" };
  t = performance.now();
  const first = topo.trace(query);
  const firstMs = performance.now() - t;
  const repeats: number[] = [];
  for (let i = 0; i < 20; i++) {
    const r = performance.now();
    topo.trace(query);
    repeats.push(performance.now() - r);
  }
  put("trace", median(repeats));
  const nodesTouched = new Set(
    first.branches.flatMap((b) => b.hops.map((h) => h.location.split("/")[0]!)).filter((l) => l.startsWith("node-")),
  ).size;
  row(
    `${s.label}: one trace pod -> ClusterIP (${first.branches.length} branches, ${nodesTouched} nodes' rulesets)`,
    `first ${firstMs.toFixed(0)} ms (builds those rulesets), then ${median(repeats).toFixed(1)} ms median`,
    "-",
  );

  t = performance.now();
  const r = runCheck(topo, expectations(s, from.namespace, from.name), t + CHECK_BUDGET_MS);
  const checkMs = performance.now() - t;
  const nodesBuilt = topo.network.builtRulesets();
  const verdict = `${r.done - r.failed} passed, ${r.failed} failed, ${nodesBuilt} nodes' rulesets built`;
  row(
    `${s.label}: check, ${EXPECTATIONS} expectations pod -> Service across the cluster`,
    r.timedOut
      ? `stopped after ${(checkMs / 1000).toFixed(0)} s at ${r.done} of ${EXPECTATIONS} (${verdict}), peak RSS ${mb(peakRss())}`
      : `${(checkMs / 1000).toFixed(2)} s (${verdict}), peak RSS ${mb(peakRss())}`,
    "-",
  );

  t = performance.now();
  const svg = diagramSvg(c, first);
  const diagram = performance.now() - t;
  put("diagram", diagram);
  row(
    `${s.label}: diagram with the trace's path`,
    `${(diagram / 1000).toFixed(2)} s, ${(svg.length / 1024).toFixed(0)} KB`,
    "-",
  );
  loadRows(s, file, c, dir);
}

/** The library's load, without the snapshot cache. */
function loadYaml(s: Scale, file: string): { topo: Topology; ms: number } {
  gc();
  const t = performance.now();
  const topo = loadTopologySync(file);
  const ms = performance.now() - t;
  const c = topo.cluster;
  row(
    `${s.label}: load ${s.nodes} nodes, ${c.pods.length} pods, ${c.services.length} Services (${(statSync(file).size / 1e6).toFixed(1)} MB of YAML)`,
    `${(ms / 1000).toFixed(2)} s, peak RSS ${mb(peakRss())}`,
    s.label === "limits" ? "<= 10 s" : "-",
  );
  return { topo, ms };
}

function writeScale(s: Scale, dir: string): string {
  const file = join(dir, `scale-${s.nodes}.yaml`);
  writeFileSync(
    file,
    generateTopology({ nodes: s.nodes, podsPerNode: PODS_PER_NODE, services: s.services, endpoints: ENDPOINTS }),
  );
  return file;
}

/**
 * The same cluster as kubectl's `-o json` List (every Node, Pod and Service written out), then the
 * YAML through the snapshot cache: the first load builds and writes the snapshot, the second is
 * what every later command on the unchanged file pays (hash the input, read the snapshot, index it).
 */
function loadRows(s: Scale, file: string, c: Cluster, dir: string): void {
  const limits = s.label === "limits";
  // The YAML file's own objects (Topology, Deployments, Services) as one JSON List: the two readers on equal content.
  const same = join(dir, `scale-${s.nodes}-objects.json`);
  writeFileSync(
    same,
    JSON.stringify(
      {
        apiVersion: "v1",
        kind: "List",
        items: parseAllDocuments(readFileSync(file, "utf8")).map((d) => d.toJS() as unknown),
      },
      null,
      4,
    ),
  );
  gc();
  let t = performance.now();
  loadTopologySync(same);
  row(
    `${s.label}: load the same objects as a JSON List (${(statSync(same).size / 1e6).toFixed(1)} MB)`,
    `${((performance.now() - t) / 1000).toFixed(2)} s`,
    "-",
  );
  const json = join(dir, `scale-${s.nodes}.json`);
  writeFileSync(json, kubectlJson(c));
  gc();
  t = performance.now();
  const fromJson = loadTopologySync(json);
  const jsonMs = performance.now() - t;
  row(
    `${s.label}: load as kubectl -o json (${(statSync(json).size / 1e6).toFixed(0)} MB: ${fromJson.cluster.nodes.length} Nodes, ${fromJson.cluster.pods.length} Pods, ${fromJson.cluster.services.length} Services)`,
    `${(jsonMs / 1000).toFixed(2)} s, peak RSS ${mb(peakRss())}`,
    limits ? "<= 10 s" : "-",
  );
  rmSync(json);

  const policy = { dir: join(dir, "cache"), minBytes: 0 };
  const cachedLoad = () => {
    gc();
    const start = performance.now();
    const { cluster, fromSnapshot } = loadCluster(file, policy);
    new Topology(cluster);
    return { ms: performance.now() - start, fromSnapshot };
  };
  const first = cachedLoad();
  const snapshot = readdirSync(policy.dir)
    .map((f) => statSync(join(policy.dir, f)).size)
    .reduce((a, b) => a + b, 0);
  row(
    `${s.label}: first load with the cache (builds, then writes a ${(snapshot / 1e6).toFixed(0)} MB snapshot)`,
    `${(first.ms / 1000).toFixed(2)} s${first.fromSnapshot ? " (unexpected hit)" : ""}`,
    limits ? "<= 10 s" : "-",
  );
  const second = cachedLoad();
  row(
    `${s.label}: second load, unchanged input (from the snapshot)`,
    `${(second.ms / 1000).toFixed(2)} s${second.fromSnapshot ? "" : " (unexpected miss)"}`,
    limits ? "<= 1 s" : "-",
  );
  if (limits) commandRows(file, join(dir, "cli-cache"));
}

/**
 * The same as a user sees it: the built `kubehop validate` run twice on the file, each a new
 * process (start-up, loading, the command's own work and output), the second from the snapshot
 * the first wrote.
 */
function commandRows(file: string, cache: string): void {
  ensureBuilt((line) => console.error(`  scale: ${line}`));
  const root = fileURLToPath(new URL("..", import.meta.url));
  const run = () => {
    const start = performance.now();
    const r = spawnSync(process.execPath, ["bin/kubehop.js", "validate", "-f", file], {
      cwd: root,
      env: { ...process.env, KUBEHOP_CACHE_DIR: cache },
      encoding: "utf8",
    });
    if (r.status !== 0) throw new Error(`kubehop validate exited ${r.status}: ${r.stderr}`);
    return `${((performance.now() - start) / 1000).toFixed(2)} s`;
  };
  row("limits: kubehop validate -f FILE, a new process, first run (builds, writes the snapshot)", run(), "-");
  row("limits: kubehop validate -f FILE, a new process, next run (from the snapshot)", run(), "-");
}

/** 1,000 requests from one pod to Services across the cluster: the same work `kubehop check` does in CI. */
function expectations(s: Scale, ns: string, pod: string): string {
  const lines = ["apiVersion: kubehop.io/v1alpha1", "kind: Expectations", "expect:"];
  for (let i = 0; i < EXPECTATIONS; i++) {
    const svc = (i * 7919) % s.services;
    lines.push(`  - {from: pod/${ns}/${pod}, to: svc/ns-${Math.floor(svc / 1000)}/svc-${svc}, delivered: true}`);
  }
  return `${lines.join("\n")}\n`;
}

/** `kubehop check`'s own steps, in chunks, stopping at the deadline (each new node costs a ruleset). */
function runCheck(topo: Topology, text: string, deadline: number): { done: number; failed: number; timedOut: boolean } {
  const problems: InputProblem[] = [];
  const sources: ExpectationSource[] = [];
  for (const src of parseDocuments({ file: "<bench>", text })) {
    const obj = validate(ExpectationsSchema, src, problems);
    obj?.expect.forEach((expectation, i) => {
      sources.push({ expectation, file: src.file, label: `expect[${i}]`, at: (p = []) => src.at(["expect", i, ...p]) });
    });
  }
  const ctx = contextFor(topo.cluster);
  const compiled = sources
    .map((s) => compile(s, ctx, problems))
    .filter((c): c is CompiledExpectation => c !== undefined);
  if (problems.length) throw new Error(problems.map((p) => p.message).join("\n"));
  let done = 0;
  let failed = 0;
  for (let i = 0; i < compiled.length; i += 50) {
    const results = runExpectations(topo, ctx, compiled.slice(i, i + 50), problems);
    done += results.length;
    failed += results.filter((r) => !r.verdict.pass).length;
    if (performance.now() > deadline && done < compiled.length) return { done, failed, timedOut: true };
  }
  return { done, failed, timedOut: false };
}
