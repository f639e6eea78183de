// One packet through one node's netfilter, hook after hook, with the routing decision in between:
// PREROUTING, then INPUT if the (post-DNAT) destination is the node's, else FORWARD and
// POSTROUTING; or, for a packet a node process sends, OUTPUT and POSTROUTING (plus INPUT over
// `lo` when it stays on the node). This is what `kubehop netfilter` prints; the full tracer uses
// runHook directly with its own routing.
import type { Ipv4 } from "../model/address.ts";
import type { Packet } from "../model/packet.ts";
import { assume } from "./compile.ts";
import { assumptionsOf, choicesOf, NetfilterEngine, type WalkBranch } from "./evaluator.ts";
import type { CtState, Ruleset } from "../model/ruleset.ts";
import type { Ipsets } from "../model/ipset.ts";
import type { Assumption, HookContext, HookName, NetfilterEvent, RecentSets, Unknowns, Verdict } from "./hooks.ts";
import { hexText, ipText } from "./text-cache.ts";

export interface NodeWalkOptions {
  hook: "prerouting" | "output";
  /**
   * The node's own addresses besides 127.0.0.0/8 (which the kernel's local table always holds):
   * routing delivers these locally and addrtype LOCAL matches them. When given, they are taken as
   * all of them, and the first is taken as the out interface's, the one MASQUERADE writes; when
   * empty, whether another address is the node's is unknown, and every answer that depended on it
   * (and the MASQUERADE source) is an assumption of the branch.
   */
  localIps: readonly Ipv4[];
  /** Interface the packet arrives on (prerouting); default `eth0`, an assumption the branch records. */
  inIface?: string;
  /** Interface a forwarded or outgoing packet leaves by; default `eth0`, an assumption the branch records. */
  outIface?: string;
  ctState?: CtState;
  recent?: RecentSets;
  /** false: walk every rule instead of using the chain index (same result, slower). */
  indexed?: boolean;
}

export interface NodeStep {
  hook: HookName;
  event: NetfilterEvent;
}

export interface NodeBranch {
  probability: number;
  /** The final verdict at this node. */
  verdict: Verdict;
  rejectWith: string | null;
  /** `ip:port` the destination was rewritten to, if any. */
  dnat: string | null;
  /** `ip:port` the source was rewritten to (SNAT or MASQUERADE), if any. */
  snat: string | null;
  masquerade: boolean;
  /** Every non-zero mark the packet carried, in order, as hex (`0x4000`). */
  marks: string[];
  /** Text of every rule that matched, in order; a chain policy appears only when it dropped. */
  rules: string[];
  /** Where routing sent the packet after PREROUTING / OUTPUT. */
  route: "local" | "forward" | null;
  hooks: HookName[];
  choices: string[];
  steps: NodeStep[];
  packet: Packet;
  recent: RecentSets;
  /** What the answer depends on that the input did not give, oldest first; empty when it depends on nothing. */
  assumptions: Assumption[];
}

const engines = new WeakMap<Ruleset, Map<boolean, WeakMap<Ipsets | typeof NO_IPSETS, NetfilterEngine>>>();
const NO_IPSETS = {};

/** One compiled engine per ruleset, index setting and ipsets, so repeated walks do not recompile. */
export function engineFor(ruleset: Ruleset, indexed = true, ipsets?: Ipsets): NetfilterEngine {
  let byMode = engines.get(ruleset);
  if (!byMode) engines.set(ruleset, (byMode = new Map()));
  let bySets = byMode.get(indexed);
  if (!bySets) byMode.set(indexed, (bySets = new WeakMap()));
  let engine = bySets.get(ipsets ?? NO_IPSETS);
  if (!engine) bySets.set(ipsets ?? NO_IPSETS, (engine = new NetfilterEngine(ruleset, { indexed, ipsets })));
  return engine;
}

export function walkNode(source: Ruleset | NetfilterEngine, packet: Packet, opts: NodeWalkOptions): NodeBranch[] {
  const engine = source instanceof NetfilterEngine ? source : engineFor(source, opts.indexed ?? true);
  const walk = new NodeWalk(engine, packet, opts);
  if (opts.hook === "prerouting") walk.hook("PREROUTING", packet, [], null, walk.inIface, undefined, "prerouted");
  else walk.hook("OUTPUT", packet, [], null, undefined, walk.isLocal(packet.dst) ? "lo" : walk.outIface, "output");
  return walk.out;
}

/** What to do with a branch a hook accepted. */
type Next = "prerouted" | "forwarded" | "output" | "postrouted-local" | "done";
type Route = NodeBranch["route"];

/** The hooks of one node in kernel order; a class rather than closures so a walk allocates little. */
class NodeWalk {
  readonly out: NodeBranch[] = [];
  readonly inIface: string;
  readonly outIface: string;
  readonly isLocal: (ip: Ipv4) => boolean;
  private readonly unknown: Unknowns;

  constructor(
    private readonly engine: NetfilterEngine,
    private readonly first: Packet,
    private readonly opts: NodeWalkOptions,
  ) {
    const local = new Set(opts.localIps);
    this.isLocal = (ip) => ip >>> 24 === 127 || local.has(ip);
    this.inIface = opts.inIface ?? "eth0";
    this.outIface = opts.outIface ?? "eth0";
    // With one address given the kernel has no other to pick; with several, the first is a guess.
    const masqueradeSource = opts.localIps.length > 1 ? opts.localIps[0] : undefined;
    this.unknown = {
      local: local.size === 0 ? (ip) => !this.isLocal(ip) : () => false,
      ...(opts.inIface === undefined ? { inIface: this.inIface } : {}),
      ...(opts.outIface === undefined ? { outIface: this.outIface } : {}),
      ...(masqueradeSource !== undefined ? { masqueradeSource } : {}),
    };
  }

  /** Routing's local-or-not decision, recorded as an assumption when the node's addresses are unknown. */
  private routedLocally(b: WalkBranch, hook: HookName): boolean {
    const ip = b.packet.dst;
    if (this.isLocal(ip)) return true;
    if (this.unknown.local(ip)) assume(b, { kind: "not-local", ip, hook });
    return false;
  }

  /** Runs `hook` for the packet or for a branch an earlier hook accepted. */
  hook(
    hook: HookName,
    from: Packet | WalkBranch,
    before: readonly HookName[],
    route: Route,
    inIface: string | undefined,
    outIface: string | undefined,
    next: Next,
  ): void {
    const ctx: HookContext = {
      inIface,
      outIface,
      isLocal: this.isLocal,
      ctState: this.opts.ctState ?? "NEW",
      recent: "hook" in from ? from.recent : (this.opts.recent ?? new Map()),
      unknown: this.unknown,
    };
    // The only address the node is given is the only one the kernel can pick.
    if (hook === "POSTROUTING" && this.opts.localIps.length === 1) ctx.outIfaceAddress = this.opts.localIps[0]!;
    const hooks = [...before, hook];
    for (const b of this.engine.walk(hook, from, ctx)) {
      if (b.verdict === "ACCEPT") this.accepted(b, hooks, route, next);
      else this.out.push(finish(this.first, b, hooks, route));
    }
  }

  private accepted(b: WalkBranch, hooks: readonly HookName[], route: Route, next: Next): void {
    switch (next) {
      case "prerouted":
        if (this.routedLocally(b, "PREROUTING"))
          return this.hook("INPUT", b, hooks, "local", this.inIface, undefined, "done");
        return this.hook("FORWARD", b, hooks, "forward", this.inIface, this.outIface, "forwarded");
      case "forwarded":
        return this.hook("POSTROUTING", b, hooks, route, undefined, this.outIface, "done");
      case "output":
        // nat OUTPUT may have changed the destination: routing is decided again.
        if (this.routedLocally(b, "OUTPUT"))
          return this.hook("POSTROUTING", b, hooks, "local", undefined, "lo", "postrouted-local");
        return this.hook("POSTROUTING", b, hooks, "forward", undefined, this.outIface, "done");
      case "postrouted-local":
        return this.hook("INPUT", b, hooks, route, "lo", undefined, "done");
      case "done":
        this.out.push(finish(this.first, b, hooks, route));
    }
  }
}

function finish(first: Packet, b: WalkBranch, hooks: readonly HookName[], route: Route): NodeBranch {
  const steps: NodeStep[] = [];
  for (let t = b.trail; t; t = t.tail) steps.push({ hook: t.hook, event: t.event });
  steps.reverse();
  const marks: string[] = [];
  let previous = 0;
  for (let k = -1; k < steps.length; k++) {
    const mark = k < 0 ? first.mark : steps[k]!.event.after.mark;
    if (mark === 0 || mark === previous) continue;
    previous = mark;
    const hex = hexText(mark);
    if (!marks.includes(hex)) marks.push(hex);
  }
  const rules: string[] = [];
  for (const s of steps) if (reportedStep(s)) rules.push(s.event.rule.text);
  return {
    probability: b.probability,
    verdict: b.verdict,
    rejectWith: b.rejectWith,
    dnat: b.dnat ? `${ipText(b.dnat.ip)}:${b.dnat.port}` : null,
    snat: b.snat ? `${ipText(b.snat.ip)}:${b.snat.port}` : null,
    masquerade: b.snat?.masquerade ?? steps.some((s) => s.event.kind === "masquerade"),
    marks,
    rules,
    route,
    hooks: [...hooks],
    choices: choicesOf(b),
    steps,
    packet: b.packet,
    recent: b.recent,
    assumptions: assumptionsOf(b),
  };
}

/** A step worth listing: every matched rule, and a chain policy only when it dropped the packet. */
export function reportedStep(s: NodeStep): boolean {
  return s.event.kind !== "policy" || !s.event.rule.text.endsWith(" ACCEPT");
}
