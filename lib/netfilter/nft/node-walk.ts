// One packet through one node's nftables rules, hook after hook with routing in between, answered in
// the shape `kubehop netfilter` prints for iptables rules (NodeBranch): PREROUTING, then INPUT when
// the (post-DNAT) destination is the node's, else FORWARD and POSTROUTING; or OUTPUT and POSTROUTING
// (then INPUT over lo when the packet stays on the node). As the iptables walk (../node-walk.ts)
// does, each hook goes on with the engine's own branches, which carry what the next hook needs, and
// the answer's arrays are made once, at the end.
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
  const recent = opts.recent ?? new Map();
  if (opts.hook === "prerouting")
    walk.hook("PREROUTING", packet, recent, [], null, walk.inIface, undefined, "prerouted");
  else {
    const out = walk.isLocal(packet.dst) ? "lo" : walk.outIface;
    walk.hook("OUTPUT", packet, recent, [], null, undefined, out, "output");
  }
  return walk.out;
}

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

  hook(
    hook: HookName,
    from: Packet | Branch,
    recent: HookContext["recent"],
    before: readonly HookName[],
    route: Route,
    inIface: string | undefined,
    outIface: string | undefined,
    next: Next,
  ): void {
    const nat = "packet" in from ? from : undefined;
    // One context for the whole walk, set for each hook: a hook's walk reads it only while it runs.
    const ctx = this.ctx;
    ctx.inIface = inIface;
    ctx.outIface = outIface;
    ctx.ctNat!.dnat = (nat?.dnat ?? nat?.keptDnat) !== undefined;
    ctx.ctNat!.snat = (nat?.snat ?? nat?.keptSnat) !== undefined;
    ctx.recent = recent;
    ctx.outIfaceAddress = hook === "POSTROUTING" && this.opts.localIps.length === 1 ? this.opts.localIps[0] : undefined;
    const hooks = this.hooksAfter(before, hook);
    const ended = this.engine.walk(hook, from, ctx, false);
    for (let i = 0; i < ended.length; i++) {
      const b = ended[i]!;
      if (b.verdict === "ACCEPT") this.accepted(b, hooks, route, next);
      else this.out.push(this.finish(b, hooks, route));
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

  private accepted(b: Branch, hooks: HookName[], route: Route, next: Next) {
    switch (next) {
      case "prerouted": {
        if (this.routedLocally(b, "PREROUTING"))
          return this.hook("INPUT", b, b.recent, hooks, "local", this.inIface, undefined, "done");
        return this.hook("FORWARD", b, b.recent, hooks, "forward", this.inIface, this.outIface, "forwarded");
      }
      case "forwarded":
        return this.hook("POSTROUTING", b, b.recent, hooks, route, undefined, this.outIface, "done");
      case "output": {
        if (this.routedLocally(b, "OUTPUT"))
          return this.hook("POSTROUTING", b, b.recent, hooks, "local", undefined, "lo", "postrouted-local");
        return this.hook("POSTROUTING", b, b.recent, hooks, "forward", undefined, this.outIface, "done");
      }
      case "postrouted-local":
        return this.hook("INPUT", b, b.recent, hooks, route, "lo", undefined, "done");
      case "done":
        this.out.push(this.finish(b, hooks, route));
    }
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
