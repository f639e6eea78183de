// `-m set --match-set NAME FLAGS` as xt_set and ipset test it: the flags pick, per dimension of the
// set's type, the packet's source or destination (address, port with protocol, interface); fewer
// flags than dimensions never match, extra ones are ignored. Among the elements that hold the packet
// the most specific decides, and a `nomatch` one makes it no member. Without the set (none given, or
// one kubehop cannot test) the answer is unknown: the walk takes the set as empty and says so.
import { type Diagnostic, diagnostic } from "../model/diagnostic.ts";
import type { IpsetMember, IpsetPart, Ipsets } from "../model/ipset.ts";
import { prefixContains } from "../model/address.ts";
import type { Packet } from "../model/packet.ts";
import type { Match, Ruleset } from "../model/ruleset.ts";
import type { HookContext } from "./hooks.ts";

export type SetMatch = Extract<Match, { kind: "set" }>;

const PORTED: readonly string[] = ["tcp", "udp", "sctp", "udplite"];
/** list:set may hold list:sets; the kernel refuses a loop, a pasted dump may not. */
const MAX_DEPTH = 8;

/** Whether the set holds the packet (before `!`), or undefined when kubehop cannot tell. */
export function setHolds(
  sets: Ipsets | undefined,
  name: string,
  m: SetMatch,
  p: Packet,
  ctx: HookContext,
  depth = 0,
): boolean | undefined {
  const set = sets?.sets.get(name);
  if (!set || set.untestable || depth > MAX_DEPTH) return undefined;
  if (set.lists) {
    let unknown = false;
    for (const child of set.lists) {
      const held = setHolds(sets, child, m, p, ctx, depth + 1);
      if (held) return true;
      unknown ||= held === undefined;
    }
    return unknown ? undefined : false;
  }
  if (m.flags.length < set.dimensions.length) return false;
  let best: IpsetMember | undefined;
  let bestSpecificity = -1;
  for (const member of set.members) {
    if (!member.parts.every((part, k) => partHolds(part, m.flags[k]!, p, ctx))) continue;
    const specificity = member.parts.reduce((n, part) => n + ("prefix" in part ? part.prefix.length : 0), 0);
    if (specificity > bestSpecificity) [best, bestSpecificity] = [member, specificity];
  }
  if (!best) return false;
  return best.nomatch ? m.returnNomatch : true;
}

function partHolds(part: IpsetPart, flag: "src" | "dst", p: Packet, ctx: HookContext): boolean {
  switch (part.kind) {
    case "ip":
    case "net":
      return prefixContains(part.prefix, flag === "src" ? p.src : p.dst);
    case "port":
      return (
        (part.proto === null ? PORTED.includes(p.proto) : p.proto === part.proto) &&
        (flag === "src" ? p.sport : p.dport) === part.port
      );
    case "iface":
      return (flag === "src" ? ctx.inIface : ctx.outIface) === part.name;
    case "mark":
      return p.mark === part.value;
  }
}

/** The text a branch carries when a set decided by assumption: which rule, which set, which way. */
export function assumedChoice(m: SetMatch, sets: Ipsets | undefined, where: string): string {
  const set = sets?.sets.get(m.name);
  const why = !sets
    ? "no ipsets given"
    : !set
      ? `no set ${m.name} in ${sets.file}`
      : (set.untestable ?? `a set ${m.name} holds cannot be tested`);
  return (
    `${where} ${m.neg ? "! " : ""}--match-set ${m.name} ${m.flags.join(",")}: ${why}; taken as empty, so the ` +
    `rule ${m.neg ? "matched" : "did not match"} (uncertain)`
  );
}

/** One warning per set the ruleset tests that kubehop was not given (or cannot test), at its first rule. */
export function ipsetDiagnostics(ruleset: Ruleset, sets: Ipsets | undefined): Diagnostic[] {
  const uses = new Map<string, { line: number | undefined; rules: number }>();
  for (const table of ruleset.tables.values())
    for (const chain of table.chains.values())
      for (const rule of chain.rules)
        for (const m of rule.matches) {
          if (m.kind !== "set" || rule.unsupported) continue;
          const use = uses.get(m.name);
          if (use) use.rules++;
          else uses.set(m.name, { line: rule.ref.line, rules: 1 });
        }
  const out: Diagnostic[] = [];
  for (const [name, use] of uses) {
    const set = sets?.sets.get(name);
    if (set && !set.untestable) continue;
    const why = !sets
      ? "no ipsets were given"
      : !set
        ? `${sets.file} has no set ${name}`
        : `set ${name} cannot be tested (${set.untestable})`;
    const whose =
      use.rules === 1
        ? "the rule testing it takes it as empty, so its"
        : `the ${use.rules} rules testing it take it as empty, so their`;
    out.push(
      diagnostic(
        "ipset-unknown",
        use.line !== undefined ? { file: ruleset.file, line: use.line, col: 1 } : undefined,
        `--match-set ${name}: ${why}; ${whose} answer is uncertain`,
        sets && set
          ? undefined
          : "give the node's `ipset save` output: netfilter --ipsets FILE, or nodes/NAME/ipset.txt",
      ),
    );
  }
  return out;
}
