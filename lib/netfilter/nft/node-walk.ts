// One packet through one node's nftables rules, hook after hook with routing in between, answered in
// the shape `kubehop netfilter` prints for iptables rules (NodeBranch): PREROUTING, then INPUT when
// the (post-DNAT) destination is the node's, else FORWARD and POSTROUTING; or OUTPUT and POSTROUTING
// (then INPUT over lo when the packet stays on the node). As the iptables walk (../node-walk.ts)
// does, each hook goes on with the engine's own branches, which carry what the next hook needs, and
// the answer's arrays are made once, at the end. Unlike it, the branches a hook ends with that go
// the same way take the next hook together, in one run of the engine's walk: a ClusterIP with 15
// endpoints is three runs, not 31, and the answers come in the order single runs would give.
import type { Ipv4 } from "../../model/address.ts";
import type { Packet } from "../../model/packet.ts";
import type { Assumption, HookContext, HookName, Unknowns } from "../hooks.ts";
import type { NodeBranch, NodeStep, NodeWalkOptions } from "../node-walk.ts";
import { hexText, ipText, natText } from "../text-cache.ts";
import { appended, type Branch } from "./branch.ts";
import { choicesOf, type NftEngine } from "./engine.ts";

type Next = "prerouted" | "forwarded" | "output" | "postrouted-local" | "done";
type Route = NodeBranch["route"];

export function walkNftNode(engine: NftEngine, packet: Packet, opts: NodeWalkOptions): NodeBranch[] {
  const walk = new NftNodeWalk(engine, packet, opts);
  if (opts.hook === "prerouting") walk.hook("PREROUTING", packet, [], null, walk.inIface, undefined, "prerouted");
  else {
    const out = walk.isLocal(packet.dst) ? "lo" : walk.outIface;
    walk.hook("OUTPUT", packet, [], null, undefined, out, "output");
  }
  return walk.out;
}

function isBranches(from: Packet | readonly Branch[]): from is readonly Branch[] {
  return Array.isArray(from);
}

/** Where routing sends a branch a hook accepted: to the node itself, or on out of it. */
type Way = "local" | "forward";

class NftNodeWalk {
  readonly out: NodeBranch[] = [];
  readonly inIface: string;
  readonly outIface: string;
  readonly isLocal: (ip: Ipv4) => boolean;
  private readonly unknown: Unknowns;
  private readonly ctx: HookContext;
  private readonly hookLists: { before: readonly HookName[]; hook: HookName; hooks: HookName[] }[] = [];

  constructor(
    private readonly engine: NftEngine,
    private readonly first: Packet,
    private readonly opts: NodeWalkOptions,
  ) {
    const local = new Set(opts.localIps);
    this.isLocal = (ip) => ip >>> 24 === 127 || local.has(ip);
    this.inIface = opts.inIface ?? "eth0";
    this.outIface = opts.outIface ?? "eth0";
    const masqueradeSource = opts.localIps.length > 1 ? opts.localIps[0] : undefined;
    this.unknown = {
      local: local.size === 0 ? (ip) => !this.isLocal(ip) : () => false,
      ...(opts.inIface === undefined ? { inIface: this.inIface } : {}),
      ...(opts.outIface === undefined ? { outIface: this.outIface } : {}),
      ...(masqueradeSource !== undefined ? { masqueradeSource } : {}),
    };
    // The first hook's conntrack knows of no NAT; later hooks start from what their branch made.
    this.ctx = {
      inIface: undefined,
      outIface: undefined,
      outIfaceAddress: undefined,
      isLocal: this.isLocal,
      ctState: opts.ctState ?? "NEW",
      ctNat: { dnat: false, snat: false },
      recent: opts.recent ?? new Map(),
      unknown: this.unknown,
    };
  }

  /**
   * Runs `hook` for the packet, or for branches earlier hooks ended with that routing sends the same
   * way (so they share the hook's context), then each branch on in order.
   */
  hook(
    hook: HookName,
    from: Packet | readonly Branch[],
    before: readonly HookName[],
    route: Route,
    inIface: string | undefined,
    outIface: string | undefined,
    next: Next,
  ): void {
    // One context for the whole walk, set for each hook: a hook's walk reads it only while it runs.
    const ctx = this.ctx;
    ctx.inIface = inIface;
    ctx.outIface = outIface;
    ctx.outIfaceAddress = hook === "POSTROUTING" && this.opts.localIps.length === 1 ? this.opts.localIps[0] : undefined;
    const hooks = this.hooksAfter(before, hook);
    const ended = isBranches(from) ? this.engine.walkOn(hook, from, ctx) : this.engine.walk(hook, from, ctx, false);
    this.onwards(ended, hooks, route, next);
  }

  /**
   * The branches a hook ended with, each on to what follows, in their order: a branch the hook did
   * not accept (or after the last hook) is answered; a run of branches that routing sends the same
   * way goes on together, so the answers come out as if each branch had gone on alone in turn.
   */
  private onwards(ended: Branch[], hooks: HookName[], route: Route, next: Next): void {
    let from = 0;
    let way: Way | undefined;
    for (let i = 0; i < ended.length; i++) {
      const b = ended[i]!;
      const w = b.verdict === "ACCEPT" && next !== "done" ? this.wayOf(b, next) : undefined;
      if (w !== way) {
        if (way !== undefined) this.goOn(ended, from, i, way, hooks, route, next);
        way = w;
        from = i;
      }
      if (w === undefined) this.out.push(this.finish(b, hooks, route));
    }
    if (way !== undefined) this.goOn(ended, from, ended.length, way, hooks, route, next);
  }

  private wayOf(b: Branch, next: Next): Way {
    if (next === "prerouted") return this.routedLocally(b, "PREROUTING") ? "local" : "forward";
    if (next === "output") return this.routedLocally(b, "OUTPUT") ? "local" : "forward";
    return "forward";
  }

  /** ended[from..to), accepted and routed `way`, on to their next hook. */
  private goOn(ended: Branch[], from: number, to: number, way: Way, hooks: HookName[], route: Route, next: Next) {
    const run = from === 0 && to === ended.length ? ended : ended.slice(from, to);
    switch (next) {
      case "prerouted":
        if (way === "local") return this.hook("INPUT", run, hooks, "local", this.inIface, undefined, "done");
        return this.hook("FORWARD", run, hooks, "forward", this.inIface, this.outIface, "forwarded");
      case "forwarded":
        return this.hook("POSTROUTING", run, hooks, route, undefined, this.outIface, "done");
      case "output":
        if (way === "local") return this.hook("POSTROUTING", run, hooks, "local", undefined, "lo", "postrouted-local");
        return this.hook("POSTROUTING", run, hooks, "forward", undefined, this.outIface, "done");
      case "postrouted-local":
        return this.hook("INPUT", run, hooks, route, "lo", undefined, "done");
    }
  }

  /**
   * `before` and then `hook`, made once per walk: every branch that went this way shares it. A walk
   * makes at most three, kept in a list searched by identity rather than in maps hashed per hook.
   */
  private hooksAfter(before: readonly HookName[], hook: HookName): HookName[] {
    const made = this.hookLists;
    for (let i = 0; i < made.length; i++) {
      const m = made[i]!;
      if (m.before === before && m.hook === hook) return m.hooks;
    }
    const hooks = appended(before, hook);
    made.push({ before, hook, hooks });
    return hooks;
  }

  /** Routing's local-or-not decision, an assumption when the node's addresses are unknown. */
  private routedLocally(b: Branch, hook: HookName): boolean {
    const ip = b.packet.dst;
    if (this.isLocal(ip)) return true;
    if (this.unknown.local(ip)) b.assumptions = b.assumptions.concat({ kind: "not-local", ip, hook });
    return false;
  }

  private finish(b: Branch, hooks: HookName[], route: Route): NodeBranch {
    // The branch is done: its events become the answer's steps. Its hooks ran with policyAccepts
    // false, so no accepting policy is among them (as for iptables rules, only a dropping one is listed).
    const steps = b.events;
    let masquerade = false;
    const marks: string[] = [];
    // Made at its length by map, not grown by push: one array per answer, not two or three.
    const rules = steps.map(ruleText);
    let previous = this.first.mark;
    if (previous !== 0) marks.push(hexText(previous));
    for (let i = 0; i < steps.length; i++) {
      const event = steps[i]!.event;
      if (event.kind === "masquerade") masquerade = true;
      const mark = event.after.mark;
      if (mark !== 0 && mark !== previous) {
        previous = mark;
        const text = hexText(mark);
        if (!marks.includes(text)) marks.push(text);
      }
    }
    const dnat = b.dnat ?? b.keptDnat;
    const snat = b.snat ?? b.keptSnat;
    return {
      probability: b.probability,
      verdict: b.verdict,
      rejectWith: b.rejectWith ?? null,
      dnat: dnat ? natText(dnat) : null,
      snat: snat ? `${ipText(snat.ip)}:${snat.port}` : null,
      masquerade: snat?.masquerade ?? masquerade,
      marks,
      rules,
      route,
      hooks,
      choices: choicesOf(b),
      steps,
      packet: b.packet,
      recent: b.recent,
      assumptions: distinct(b.assumptions),
    };
  }
}

function ruleText(step: NodeStep): string {
  return step.event.rule.text;
}

function distinct(assumptions: readonly Assumption[]): Assumption[] {
  if (assumptions.length < 2) return assumptions.slice();
  const seen = new Set<string>();
  return assumptions.filter((a) => {
    const key = JSON.stringify(a);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
