// Hostile rulesets (issue 14, item 4): how long the parser and the walk take on the shapes that
// once overflowed the stack or doubled the branches at every rule, against the walk's fixed limits.
import { NetfilterEngine } from "../lib/netfilter/evaluator.ts";
import { parseIptablesSave } from "../lib/netfilter/parser.ts";
import { WALK_LIMITS } from "../lib/netfilter/work-limits.ts";
import type { Packet } from "../lib/model/packet.ts";
import { gc, once, row } from "./report.ts";

const PACKET: Packet = {
  proto: "tcp",
  src: 0x0a000005,
  sport: 40000,
  dst: 0x0a60000a,
  dport: 80,
  size: 60,
  ttl: 64,
  df: true,
  mark: 0,
};

function nat(rules: string[]): string {
  const chains = new Set(rules.map((r) => r.split(" ")[1]!).filter((c) => c !== "PREROUTING"));
  const decl = [...chains].map((c) => `:${c} - [0:0]`);
  return ["*nat", ":PREROUTING ACCEPT [0:0]", ...decl, ...rules, "COMMIT", ""].join("\n");
}

function walk(label: string, rules: string[], target: string): void {
  gc();
  const [ruleset, parseMs] = once(() => parseIptablesSave(nat(rules), "bench.txt"));
  const engine = new NetfilterEngine(ruleset);
  const [branches, walkMs] = once(() =>
    engine.runHook("PREROUTING", PACKET, { isLocal: () => false, ctState: "NEW", recent: new Map() }),
  );
  row(
    `netfilter: ${label}`,
    `parse ${parseMs.toFixed(0)} ms, walk ${walkMs.toFixed(0)} ms: ${branches.length} branches`,
    target,
  );
}

export function netfilterWorkBench(): void {
  const n = 100_000;
  const stat = ["-A PREROUTING -j KUBE-SVC-X"];
  for (let i = 0; i < n; i++)
    stat.push(
      `-A KUBE-SVC-X -m statistic --mode random --probability ${(1 / (n - i)).toFixed(11)} -j KUBE-SEP-${i % 3}`,
    );
  for (let k = 0; k < 3; k++) stat.push(`-A KUBE-SEP-${k} -p tcp -j DNAT --to-destination 10.244.0.${k + 1}:80`);
  walk(`${n.toLocaleString("en-US")} statistic rules in one chain`, stat, "-");

  const deep = ["-A PREROUTING -j C-0"];
  for (let i = 0; i < 4999; i++) deep.push(`-A C-${i} -j C-${i + 1}`);
  deep.push("-A C-4999 -p tcp -j DNAT --to-destination 10.244.0.5:8080");
  walk("5,000 nested jumps", deep, "-");

  const marks = ["-A PREROUTING -j KUBE-SVC-X"];
  for (let i = 0; i < 20; i++)
    marks.push("-A KUBE-SVC-X -m statistic --mode random --probability 0.5 -j MARK --set-xmark 0x4000/0x4000");
  marks.push("-A KUBE-SVC-X -p tcp -j DNAT --to-destination 10.244.0.5:80");
  walk("20 statistic rules that mark and fall through (2^20 ways, merged)", marks, "-");
  row(
    "netfilter: the walk's fixed limits per hook",
    `${WALK_LIMITS.visits.toLocaleString("en-US")} rule visits, ${WALK_LIMITS.branches.toLocaleString("en-US")} branches`,
    "-",
  );
}
