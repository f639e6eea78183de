// kube-proxy writes its chains with iptables-restore --noflush and adds the jumps into them from
// the built-in chains with separate `iptables -I` commands (proxier.go's iptablesJumpChains). Its
// restore text, as logged or pasted, therefore has KUBE-SERVICES and friends with nothing jumping
// to them: a walk passes them by. This finds that case and, when asked, adds the jumps kube-proxy
// would have added, first in their built-in chains as -I puts them.
import { type Diagnostic, diagnostic } from "../model/diagnostic.ts";
import type { Chain, Rule, Table, TableName } from "../model/ruleset.ts";
import { parseRuleLine, ruleOf } from "./rule-parser.ts";

export interface KubeJump {
  readonly table: "filter" | "nat";
  readonly from: string;
  readonly to: string;
  /** The rule's options between `-A FROM` and `-j TO`, as iptables-save prints them. */
  readonly args: string;
}

const NEW = "-m conntrack --ctstate NEW";
const comment = (text: string) => `-m comment --comment "${text}"`;

/** iptablesJumpChains then iptablesKubeletJumpChains, in proxier.go's order. */
export const KUBE_PROXY_JUMPS: readonly KubeJump[] = [
  {
    table: "filter",
    from: "INPUT",
    to: "KUBE-EXTERNAL-SERVICES",
    args: `${NEW} ${comment("kubernetes externally-visible service portals")}`,
  },
  {
    table: "filter",
    from: "FORWARD",
    to: "KUBE-EXTERNAL-SERVICES",
    args: `${NEW} ${comment("kubernetes externally-visible service portals")}`,
  },
  { table: "filter", from: "INPUT", to: "KUBE-NODEPORTS", args: comment("kubernetes health check service ports") },
  { table: "filter", from: "FORWARD", to: "KUBE-SERVICES", args: `${NEW} ${comment("kubernetes service portals")}` },
  { table: "filter", from: "OUTPUT", to: "KUBE-SERVICES", args: `${NEW} ${comment("kubernetes service portals")}` },
  { table: "filter", from: "FORWARD", to: "KUBE-FORWARD", args: comment("kubernetes forwarding rules") },
  {
    table: "filter",
    from: "INPUT",
    to: "KUBE-PROXY-FIREWALL",
    args: `${NEW} ${comment("kubernetes load balancer firewall")}`,
  },
  {
    table: "filter",
    from: "OUTPUT",
    to: "KUBE-PROXY-FIREWALL",
    args: `${NEW} ${comment("kubernetes load balancer firewall")}`,
  },
  {
    table: "filter",
    from: "FORWARD",
    to: "KUBE-PROXY-FIREWALL",
    args: `${NEW} ${comment("kubernetes load balancer firewall")}`,
  },
  { table: "nat", from: "OUTPUT", to: "KUBE-SERVICES", args: comment("kubernetes service portals") },
  { table: "nat", from: "PREROUTING", to: "KUBE-SERVICES", args: comment("kubernetes service portals") },
  { table: "nat", from: "POSTROUTING", to: "KUBE-POSTROUTING", args: comment("kubernetes postrouting rules") },
  { table: "filter", from: "INPUT", to: "KUBE-FIREWALL", args: "" },
  { table: "filter", from: "OUTPUT", to: "KUBE-FIREWALL", args: "" },
];

/** `-A FROM ARGS -j TO`. */
export function jumpRuleText(j: KubeJump): string {
  return `-A ${j.from}${j.args ? ` ${j.args}` : ""} -j ${j.to}`;
}

/** The kube-proxy jumps into a chain with rules that no built-in chain of its table has. */
export function missingKubeJumps(tables: ReadonlyMap<TableName, Table>): KubeJump[] {
  return KUBE_PROXY_JUMPS.filter((j) => {
    const chains = tables.get(j.table)?.chains;
    // Passing an empty chain by changes nothing.
    if (!chains?.get(j.to)?.rules.length) return false;
    return !chains.get(j.from)?.rules.some((r) => r.target.kind === "jump" && r.target.chain === j.to);
  });
}

/**
 * The diagnostic for kube-proxy chains nothing enters, or, with `assume`, the tables with the jumps
 * added and the diagnostic that says so. Only when no built-in chain enters any KUBE-* chain:
 * a full iptables-save that lacks one jump is a real node's state, not restore input.
 */
export function kubeJumps(
  tables: Map<TableName, Table>,
  file: string,
  assume: boolean,
): { tables: Map<TableName, Table>; diagnostics: Diagnostic[] } {
  const missing = missingKubeJumps(tables);
  const entered = [...tables.values()].some((t) =>
    [...t.chains.values()].some(
      (c) => c.policy !== null && c.rules.some((r) => r.target.kind === "jump" && r.target.chain.startsWith("KUBE-")),
    ),
  );
  if (missing.length === 0 || entered) return { tables, diagnostics: [] };
  const list = [...new Set(missing.map((j) => `${j.table} ${j.from} -> ${j.to}`))].join(", ");
  const where = { file, line: 1, col: 1 };
  if (!assume)
    return {
      tables,
      diagnostics: [
        diagnostic(
          "iptables-no-kube-jumps",
          where,
          `no built-in chain jumps to kube-proxy's chains (${list}): this looks like kube-proxy's iptables-restore ` +
            `input (or an excerpt of its chains), which leaves those jumps to separate iptables commands; packets ` +
            `pass kube-proxy's rules by`,
          "pass --assume-kube-jumps to add the jumps kube-proxy installs",
        ),
      ],
    };
  const out = new Map(tables);
  // In list order, each put first, as kube-proxy's Prepend does: the last ensured ends up first.
  for (const j of missing) out.set(j.table, prepend(out.get(j.table)!, j, file));
  return {
    tables: out,
    diagnostics: [
      diagnostic(
        "iptables-kube-jumps-assumed",
        where,
        `--assume-kube-jumps: added kube-proxy's jumps ${list}, first in their built-in chains`,
      ),
    ],
  };
}

/** The table with the jump as rule 1 of its built-in chain, the chain's other rules renumbered. */
function prepend(table: Table, j: KubeJump, file: string): Table {
  const old = table.chains.get(j.from);
  const parsed = parseRuleLine(jumpRuleText(j), file, 0);
  const jump = ruleOf(parsed, j.table, 1, undefined);
  const rules: Rule[] = [jump, ...(old?.rules ?? []).map((r) => ({ ...r, ref: { ...r.ref, index: r.ref.index + 1 } }))];
  const chain: Chain = { name: j.from, table: j.table, policy: old?.policy ?? "ACCEPT", line: old?.line ?? 0, rules };
  const chains = new Map(table.chains);
  chains.set(j.from, chain);
  return { name: table.name, chains };
}
