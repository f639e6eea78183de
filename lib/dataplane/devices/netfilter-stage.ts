// Runs one netfilter hook of a node for the host stack and turns its events into trace steps.
// A node without a ruleset accepts everything, with no steps.
import type { Node } from "../../model/cluster.ts";
import type { HookBranch, HookName, NetfilterEvent } from "../../netfilter/hooks.ts";
import type { StepContext, StepRecord } from "../device.ts";
import type { Packet } from "../../model/packet.ts";
import type { StepAction } from "../../model/step.ts";
import type { NetfilterTarget, NftRuleFact, StepDetail } from "../../model/step-detail.ts";
import { destinationOf, sourceOf } from "../facts.ts";

type Element = NonNullable<NetfilterEvent["element"]>;
type NatFact = NonNullable<Extract<StepDetail, { kind: "netfilter" }>["nat"]>;

export interface HookIfaces {
  readonly inIface?: string;
  readonly outIface?: string;
  /**
   * The route's next hop (its gateway, else the destination): which of the out interface's addresses MASQUERADE takes.
   */
  readonly nextHop?: number;
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
  if (!nf)
    return [
      { probability: 1, choices: [], verdict: "ACCEPT", packet, events: [], recent: ctx.state.recent, assumptions: [] },
    ];
  const out = ifaces.outIface;
  const source = out === undefined ? undefined : ctx.net.interfaceAddress(node, out, ifaces.nextHop ?? packet.dst);
  // -i/-o rules name the node's real interfaces (cni0, ens5); the model routes by its own names.
  return nf.runHook(hook, packet, {
    inIface: realName(ctx, node, ifaces.inIface),
    outIface: realName(ctx, node, out),
    ...(source !== undefined ? { outIfaceAddress: source } : {}),
    isLocal: localTest(node, ctx),
    ctState: ctx.state.replyTo ? "ESTABLISHED" : "NEW",
    recent: ctx.state.recent,
  });
}

function realName(ctx: StepContext, node: Node, dev: string | undefined): string | undefined {
  if (dev === undefined) return undefined;
  return ctx.net.addresses(node).interfaces.find((i) => i.model === dev)?.name ?? dev;
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
  // The verdict-map elements that sent the walk into each chain of the path (nftables), by depth: a
  // goto keeps those of the chain it leaves.
  let elements: Element[][] = [];
  let table = "";
  for (const e of b.events) {
    const tableKey = e.rule.nft ? `${e.rule.nft.family} ${e.rule.nft.table} ${e.rule.table}` : e.rule.table;
    if (tableKey !== table) {
      table = tableKey;
      path = [hook];
      elements = [[]];
    }
    // An nftables hook runs several base chains of one table: a chain not on the path is the next one.
    if (e.rule.nft && !path.includes(e.rule.chain)) {
      path = [e.rule.chain];
      elements = [[]];
    }
    // A user chain that ends without a RETURN rule returns implicitly: no event marks it.
    while (path.length > 1 && path.at(-1) !== e.rule.chain) path.pop();
    elements.length = path.length;
    if (e.kind === "jump" || e.kind === "goto") {
      const target = e.to ?? e.detail.replace(/^(jump to|goto) /, "");
      const kept = e.kind === "goto" ? (elements.at(-1) ?? []) : [];
      if (e.kind === "goto") path.pop();
      path.push(target);
      elements.length = path.length - 1;
      elements.push(e.element ? [...kept, e.element] : kept);
      if (!walked.includes(target)) walked.push(target);
      continue;
    }
    if (e.kind === "return") {
      path.pop();
      continue;
    }
    const type = STEP_OF[e.kind];
    if (!type) continue;
    const target = e.kind as NetfilterTarget;
    steps.push({
      type,
      action: ACTION_OF[target],
      detail: {
        kind: "netfilter",
        hook,
        target,
        table: e.rule.table,
        chain: e.rule.chain,
        index: e.rule.index,
        path: [...path],
        effect: e.detail,
        ...natOf(target, e.before, e.after),
        ...nftOf(e, elements),
      },
      rule: e.rule.text,
      before: e.before,
      after: e.after,
    });
  }
  if (steps.length === 0)
    steps.push({ type: "netfilter", action: "PASS", detail: { kind: "hook-pass", hook, walked, verdict: b.verdict } });
  return steps;
}

const ACTION_OF = {
  accept: "ACCEPT",
  drop: "DROP",
  reject: "REJECT",
  dnat: "DNAT",
  snat: "SNAT",
  masquerade: "MASQUERADE",
  mark: "MARK",
  affinity: "AFFINITY",
  notrack: "NOTRACK",
} as const satisfies Record<NetfilterTarget, StepAction>;

/**
 * An nftables rule's table and the element that decided: the rule's own, else the nearest of a named
 * map on the path (which Service: @service-ips), else of an anonymous one (numgen's endpoint choice,
 * which the branch's choices name already).
 */
function nftOf(e: NetfilterEvent, elements: readonly Element[][]): { nft?: NftRuleFact } {
  if (!e.rule.nft) return {};
  const all = elements.flat();
  const element = e.element ?? all.findLast((x) => x.map.startsWith("@")) ?? all.at(-1);
  return { nft: { ...e.rule.nft, rule: e.rule.text, ...(element ? { element } : {}) } };
}

/** The address a NAT target rewrote, before and after. */
function natOf(target: NetfilterTarget, before: Packet, after: Packet): { nat?: NatFact } {
  if (target === "dnat") return { nat: { field: "dst", from: destinationOf(before), to: destinationOf(after) } };
  if (target === "snat" || target === "masquerade")
    return { nat: { field: "src", from: sourceOf(before), to: sourceOf(after) } };
  return {};
}
