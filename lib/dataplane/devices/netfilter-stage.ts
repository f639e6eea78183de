// Runs one netfilter hook of a node for the host stack and turns its events into trace steps.
// A node without a ruleset accepts everything, with no steps.
import type { Node } from "../../model/cluster.ts";
import type { HookBranch, HookName, NetfilterEvent } from "../../netfilter/hooks.ts";
import type { StepContext, StepRecord } from "../device.ts";
import type { Packet } from "../../model/packet.ts";

export interface HookIfaces {
  readonly inIface?: string;
  readonly outIface?: string;
}

/** One addrtype test per node, made once: a closure per hook call costs more than the hook. */
const localTests = new WeakMap<Node, (ip: number) => boolean>();

function localTest(node: Node, ctx: StepContext): (ip: number) => boolean {
  let test = localTests.get(node);
  if (!test) localTests.set(node, (test = (ip) => ctx.net.isLocal(node, ip)));
  return test;
}

export function runHook(
  hook: HookName,
  packet: Packet,
  node: Node,
  ifaces: HookIfaces,
  ctx: StepContext,
): HookBranch[] {
  const nf = ctx.net.netfilter(node);
  if (!nf) return [{ probability: 1, choices: [], verdict: "ACCEPT", packet, events: [], recent: ctx.state.recent }];
  const out = ifaces.outIface;
  return nf.runHook(hook, packet, {
    inIface: ifaces.inIface,
    outIface: out,
    outIfaceAddress: out === undefined ? undefined : ctx.net.interfaceAddress(node, out),
    isLocal: localTest(node, ctx),
    ctState: ctx.state.replyTo ? "ESTABLISHED" : "NEW",
    recent: ctx.state.recent,
  });
}

const STEP_OF: Partial<Record<NetfilterEvent["kind"], StepRecord["type"]>> = {
  accept: "netfilter",
  drop: "drop",
  reject: "drop",
  dnat: "dnat",
  snat: "snat",
  masquerade: "masquerade",
  mark: "mark",
  affinity: "netfilter",
  notrack: "conntrack",
};

/**
 * One step per rule that did something (NAT, mark, verdict, affinity), each naming the chain path
 * that led to it (`PREROUTING > KUBE-SERVICES > KUBE-SVC-... > KUBE-SEP-...`). A hook in which no
 * rule acted becomes one PASS step listing the chains it walked, so the trace still shows it looked.
 */
export function hookSteps(hook: HookName, b: HookBranch): StepRecord[] {
  const steps: StepRecord[] = [];
  const walked: string[] = [];
  let path: string[] = [];
  let table = "";
  for (const e of b.events) {
    if (e.rule.table !== table) {
      table = e.rule.table;
      path = [hook];
    }
    // A user chain that ends without a RETURN rule returns implicitly: no event marks it.
    while (path.length > 1 && path.at(-1) !== e.rule.chain) path.pop();
    if (e.kind === "jump" || e.kind === "goto") {
      const target = e.detail.replace(/^(jump to|goto) /, "");
      if (e.kind === "goto") path.pop();
      path.push(target);
      if (!walked.includes(target)) walked.push(target);
      continue;
    }
    if (e.kind === "return") {
      path.pop();
      continue;
    }
    const type = STEP_OF[e.kind];
    if (!type) continue;
    steps.push({
      type,
      action: e.kind.toUpperCase(),
      reason: `${e.rule.table} ${path.join(" > ")}: ${e.detail} (rule ${e.rule.index})`,
      rule: e.rule.text,
      before: e.before,
      after: e.after,
    });
  }
  if (steps.length === 0) {
    const via = walked.length ? ` (walked ${walked.join(", ")})` : "";
    steps.push({
      type: "netfilter",
      action: "PASS",
      reason: `${hook}: no rule acted on the packet${via}; ${b.verdict}`,
    });
  }
  return steps;
}
