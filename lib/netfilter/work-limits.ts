// How much work one hook's walk may do. A ruleset is input like any other: one that would have the
// walk visit rules without end or keep more branches than memory holds is refused as bad input
// (exit 2), naming the limit and where the walk was, instead of hanging or running out of memory.
// The limits are fixed and generous: kube-proxy's rules for 10,000 Services and a 100,000-rule
// statistic chain stay far below them (bench/netfilter-work.ts).
import { type Diagnostic, diagnostic, type DiagnosticSource, formatDiagnostic } from "../model/diagnostic.ts";
import type { RuleRef } from "../model/ruleset.ts";
import type { HookName } from "./hooks.ts";

export const WALK_LIMITS = {
  /** Rules one hook's walk may visit, over all its branches. */
  visits: 5_000_000,
  /** Branches one hook's walk may end with or hold queued, after equivalent ones are merged. */
  branches: 200_000,
} as const;

export class NetfilterWorkError extends Error {
  readonly diagnostic: Diagnostic;
  constructor(what: "visits" | "branches", hook: HookName, ruleset: string, at: RuleRef | undefined) {
    const source: DiagnosticSource | undefined = !at
      ? undefined
      : at.line !== undefined
        ? { file: ruleset, line: at.line, col: 1 }
        : { rule: { ruleset, table: at.table, chain: at.chain, index: at.index } };
    const done =
      what === "visits"
        ? `visits more than ${WALK_LIMITS.visits.toLocaleString("en-US")} rules`
        : `splits into more than ${WALK_LIMITS.branches.toLocaleString("en-US")} distinct branches`;
    const d = diagnostic(
      "netfilter-work",
      source,
      `a packet's walk through the ${hook} hook ${done}, kubehop's fixed limit for one hook; the walk stops at ` +
        `this rule`,
      what === "visits"
        ? "look for statistic rules whose matched branches go on through the rest of the chain"
        : "statistic rules that go on after they match, each changing the packet differently, double the branches",
    );
    super(formatDiagnostic(d));
    this.name = "NetfilterWorkError";
    this.diagnostic = d;
  }
}
