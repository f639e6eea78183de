// Chains pasted without their `*table` line: the table is read from what the chains are. Chains
// that jump to each other share a table; each group then takes the table its evidence points to:
// NAT targets and kube-proxy's nat chains say nat, REJECT/DROP and the firewall chains say filter,
// a built-in chain's name rules out the tables it is not in. With no evidence, filter, iptables'
// default table. The caller says so in a diagnostic, with the evidence.
import { BUILTIN_CHAINS, TABLES, type TableName } from "../model/ruleset.ts";

export interface ChainEvidence {
  readonly name: string;
  /** Targets of the chain's rules: chain names and built-in targets alike (`DNAT`, `KUBE-MARK-MASQ`). */
  readonly targets: readonly string[];
}

export interface InferredTable {
  readonly table: TableName;
  /** The chains of the group, in the order given. */
  readonly chains: readonly string[];
  /** Why, in words: "DNAT targets, KUBE-SEP-* chains". */
  readonly because: string;
}

const NAT_TARGETS = new Set(["DNAT", "SNAT", "MASQUERADE", "REDIRECT", "NETMAP"]);
const MANGLE_TARGETS = new Set(["TPROXY", "TCPMSS", "CHECKSUM", "TOS", "TTL", "DSCP", "CLASSIFY", "ECN"]);
const RAW_TARGETS = new Set(["CT", "NOTRACK"]);
const FILTER_TARGETS = new Set(["REJECT"]);

/** Chain names that live in one table: kube-proxy's, Kilo's, Calico's and Docker's conventions. */
const NAMED: readonly [RegExp, TableName, string][] = [
  [/^KUBE-(?:SVC|SEP|SVL|EXT|FW|XLB)-/, "nat", "KUBE-SVC/SEP/EXT-* chains"],
  [/^KUBE-(?:MARK-MASQ|MARK-DROP|POSTROUTING|LOAD-BALANCER|NODE-PORT)$/, "nat", "kube-proxy's nat chains"],
  [/^(?:KILO-NAT|KIND-MASQ-AGENT|IP-MASQ-AGENT|cali-nat-|cali-fip-)/, "nat", "NAT chains of the CNI"],
  [/^KUBE-(?:FIREWALL|FORWARD|EXTERNAL-SERVICES|PROXY-FIREWALL)$/, "filter", "kube-proxy's filter chains"],
  [
    /^(?:DOCKER-USER|DOCKER-ISOLATION|KILO-IPIP|cali-(?:FORWARD|INPUT|from-|to-|wl-|fw-|tw-))/,
    "filter",
    "filter chains",
  ],
];

export function inferTables(chains: readonly ChainEvidence[]): InferredTable[] {
  const byName = new Map(chains.map((c) => [c.name, c]));
  const groups = groupsByJumps(chains, byName);
  return groups.map((group) => {
    const score = new Map<TableName, number>(TABLES.map((t) => [t, 0]));
    const reasons = new Map<string, TableName>();
    let allowed: TableName[] = [...TABLES];
    const vote = (t: TableName, why: string) => {
      score.set(t, score.get(t)! + 1);
      reasons.set(why, t);
    };
    for (const name of group) {
      if (isBuiltin(name)) allowed = allowed.filter((t) => BUILTIN_CHAINS[t].includes(name));
      for (const n of [name, ...byName.get(name)!.targets]) {
        for (const [re, t, why] of NAMED) if (re.test(n)) vote(t, why);
        if (NAT_TARGETS.has(n)) vote("nat", `${n} targets`);
        if (MANGLE_TARGETS.has(n)) vote("mangle", `${n} targets`);
        if (RAW_TARGETS.has(n)) vote("raw", `${n} targets`);
        if (FILTER_TARGETS.has(n)) vote("filter", `${n} targets`);
        // The nat table refuses DROP (iptables: "the use of DROP is therefore inhibited").
        if (n === "DROP") {
          allowed = allowed.filter((t) => t !== "nat");
          vote("filter", "DROP targets");
        }
      }
    }
    if (allowed.length === 0) allowed = [...TABLES];
    // Ties go to filter, iptables' default table, then nat, where most pasted rules live.
    const order: TableName[] = ["filter", "nat", "mangle", "raw"];
    const table = order
      .filter((t) => allowed.includes(t))
      .reduce((best, t) => (score.get(t)! > score.get(best)! ? t : best));
    const why = [...reasons].filter(([, t]) => t === table).map(([w]) => w);
    const builtins = group.filter(isBuiltin);
    if (builtins.length > 0) why.push(`built-in chain${builtins.length > 1 ? "s" : ""} ${builtins.join(", ")}`);
    return {
      table,
      chains: group,
      because: why.length > 0 ? why.join(", ") : "nothing says otherwise, and filter is iptables' default table",
    };
  });
}

function isBuiltin(name: string): boolean {
  return TABLES.some((t) => BUILTIN_CHAINS[t].includes(name));
}

/** Connected groups of chains, linked by jumps between chains of the paste, in first-seen order. */
function groupsByJumps(chains: readonly ChainEvidence[], byName: ReadonlyMap<string, ChainEvidence>): string[][] {
  const parent = new Map(chains.map((c) => [c.name, c.name]));
  const find = (n: string): string => {
    let root = n;
    while (parent.get(root) !== root) root = parent.get(root)!;
    parent.set(n, root);
    return root;
  };
  for (const c of chains)
    for (const t of c.targets) if (byName.has(t) && t !== c.name) parent.set(find(t), find(c.name));
  const groups = new Map<string, string[]>();
  for (const c of chains) {
    const root = find(c.name);
    const g = groups.get(root);
    if (g) g.push(c.name);
    else groups.set(root, [c.name]);
  }
  return [...groups.values()];
}
