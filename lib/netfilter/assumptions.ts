// Rules read alone (`kubehop netfilter`) say nothing of the node they run on: its addresses, which
// interface a packet came in by or leaves by, the address MASQUERADE writes. A walk answers such a
// question by a stated default and records it (hooks.ts, Assumption); here each assumption becomes
// one diagnostic, so the answer says what it depends on and how to settle it.
import { formatIpv4 } from "../model/address.ts";
import { type Diagnostic, diagnostic } from "../model/diagnostic.ts";
import type { RuleRef } from "../model/ruleset.ts";
import type { Assumption } from "./hooks.ts";

/** One diagnostic per distinct assumption of any branch, in the order the branches met them. */
export function assumptionDiagnostics(branches: readonly { assumptions: readonly Assumption[] }[], file: string) {
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const b of branches)
    for (const a of b.assumptions) {
      const d = assumptionDiagnostic(a, file);
      const key = `${d.source && "line" in d.source ? d.source.line : ""} ${d.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(d);
    }
  return out;
}

function assumptionDiagnostic(a: Assumption, file: string): Diagnostic {
  const at = a.rule ? where(a.rule, file) : undefined;
  switch (a.kind) {
    case "not-local":
      return diagnostic(
        "netfilter-assumed",
        at,
        a.rule
          ? `${ruleName(a.rule)} asks whether ${formatIpv4(a.ip)} is one of the node's addresses ` +
              `(${a.test ?? "addrtype LOCAL"}); ` +
              "the node's addresses are not given, so it was taken as not local (only 127.0.0.0/8 is known to be)"
          : a.hook === "PREROUTING"
            ? `routing forwards the packet for ${formatIpv4(a.ip)} (FORWARD), taking it as not one of the node's ` +
              "addresses; had it been one, the packet would go to INPUT instead"
            : `routing sends the packet for ${formatIpv4(a.ip)} out, taking it as not one of the node's addresses; ` +
              "had it been one, it would stay on the node (lo, then INPUT)",
        "give every address of the node with --local-ip (eth0's, docker0's, kube-ipvs0's, ...)",
      );
    case "iface":
      return diagnostic(
        "netfilter-assumed",
        at,
        `${ruleName(a.rule)} tests ${a.tested} in ${a.hook}; the ` +
          `packet's ${a.dir === "in" ? "incoming" : "outgoing"} ` +
          `interface is not given, so ${a.assumed} was assumed`,
        `give it with --${a.dir}-iface NAME`,
      );
    case "masquerade-source":
      return diagnostic(
        "netfilter-assumed",
        at,
        a.ip === undefined
          ? `${ruleName(a.rule)} MASQUERADEs to the address of ${a.iface}, which is not given: the new source is ` +
              `unknown`
          : `${ruleName(a.rule)} MASQUERADEs to the address of ${a.iface}, taken to be ${formatIpv4(a.ip)} (the ` +
              `first --local-ip)`,
        "the kernel writes the out interface's address on the next hop's subnet, else its first one: " +
          "put that address first in --local-ip",
      );
  }
}

function where(r: RuleRef, file: string) {
  return r.line !== undefined ? { file, line: r.line, col: 1 } : undefined;
}

function ruleName(r: RuleRef): string {
  return r.index === 0 ? `${r.table} ${r.chain}'s policy` : `${r.table} ${r.chain} rule ${r.index}`;
}
