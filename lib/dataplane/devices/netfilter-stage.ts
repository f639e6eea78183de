// Runs one netfilter hook of a node for the host stack and turns its events into trace steps.
// A node without a ruleset accepts everything, with no steps.
import type { Node } from "../../model/cluster.ts";
import type { HookBranch, HookName, NetfilterEvent } from "../../netfilter/hooks.ts";
import type { StepContext, StepRecord } from "../device.ts";
import type { Packet } from "../packet.ts";

export interface HookIfaces {
  readonly inIface?: string;
  readonly outIface?: string;
}

export function runHook(hook: HookName, packet: Packet, node: Node, ifaces: HookIfaces, ctx: StepContext): HookBranch[] {
  const nf = ctx.net.netfilter(node);
  if (!nf) return [{ probability: 1, choices: [], verdict: "ACCEPT", packet, events: [], recent: ctx.state.recent }];
  return nf.runHook(hook, packet, {
    ...ifaces,
    ...(ifaces.outIface ? { outIfaceAddress: ctx.net.interfaceAddress(node, ifaces.outIface) } : {}),
    isLocal: (ip) => ctx.net.isLocal(node, ip),
    ctState: ctx.state.replyTo ? "ESTABLISHED" : "NEW",
    recent: ctx.state.recent,
  });
}

const STEP_OF: Record<NetfilterEvent["kind"], StepRecord["type"]> = {
  jump: "netfilter", goto: "netfilter", return: "netfilter", accept: "netfilter", drop: "drop", reject: "drop",
  dnat: "dnat", snat: "snat", masquerade: "masquerade", mark: "mark", policy: "netfilter", log: "netfilter", affinity: "netfilter", notrack: "conntrack",
};

export function hookSteps(hook: HookName, b: HookBranch): StepRecord[] {
  return b.events.map((e) => ({
    type: STEP_OF[e.kind],
    action: e.kind.toUpperCase(),
    reason: `${e.rule.table} ${hook}: ${e.detail} (${e.rule.chain} rule ${e.rule.index})`,
    rule: e.rule.text,
    before: e.before,
    after: e.after,
  }));
}
