// One packet through one node's nftables rules, hook after hook with routing in between, answered in
// the shape `kubehop netfilter` prints for iptables rules (NodeBranch): PREROUTING, then INPUT when
// the (post-DNAT) destination is the node's, else FORWARD and POSTROUTING; or OUTPUT and POSTROUTING
// (then INPUT over lo when the packet stays on the node). The iptables walk (../node-walk.ts) continues
// its engine's own branches; this one chains runHook's, which carry what the next hook needs.
import type { Ipv4 } from "../../model/address.ts";
import type { Packet } from "../../model/packet.ts";
import type { Assumption, HookBranch, HookContext, HookName, Unknowns } from "../hooks.ts";
import type { NodeBranch, NodeStep, NodeWalkOptions } from "../node-walk.ts";
import { hexText, ipText } from "../text-cache.ts";
import type { NftEngine } from "./engine.ts";

/** A branch between hooks: what the hooks so far did, for the next to go on from. */
interface Partial {
  readonly probability: number;
  readonly packet: Packet;
  readonly choices: readonly string[];
  readonly steps: readonly NodeStep[];
  readonly recent: HookBranch["recent"];
  readonly assumptions: readonly Assumption[];
  readonly dnat?: { ip: Ipv4; port: number };
  readonly snat?: { ip: Ipv4; port: number; masquerade: boolean };
}

type Next = "prerouted" | "forwarded" | "output" | "postrouted-local" | "done";
type Route = NodeBranch["route"];

export function walkNftNode(engine: NftEngine, packet: Packet, opts: NodeWalkOptions): NodeBranch[] {
  const walk = new NftNodeWalk(engine, packet, opts);
  const start: Partial = {
    probability: 1,
    packet,
    choices: [],
    steps: [],
    recent: opts.recent ?? new Map(),
    assumptions: [],
  };
  if (opts.hook === "prerouting") walk.hook("PREROUTING", start, [], null, walk.inIface, undefined, "prerouted");
  else walk.hook("OUTPUT", start, [], null, undefined, walk.isLocal(packet.dst) ? "lo" : walk.outIface, "output");
  return walk.out;
}

class NftNodeWalk {
  readonly out: NodeBranch[] = [];
  readonly inIface: string;
  readonly outIface: string;
  readonly isLocal: (ip: Ipv4) => boolean;
  private readonly unknown: Unknowns;

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
  }

  hook(
    hook: HookName,
    from: Partial,
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
      ctNat: { dnat: from.dnat !== undefined, snat: from.snat !== undefined },
      recent: from.recent,
      unknown: this.unknown,
    };
    if (hook === "POSTROUTING" && this.opts.localIps.length === 1) ctx.outIfaceAddress = this.opts.localIps[0]!;
    const hooks = [...before, hook];
    for (const h of this.engine.runHook(hook, from.packet, ctx)) {
      const steps = from.steps.slice();
      for (const event of h.events) steps.push({ hook, event });
      const b: Partial & { verdict: HookBranch["verdict"]; rejectWith?: string } = {
        probability: from.probability * h.probability,
        packet: h.packet,
        choices: h.choices.length === 0 ? from.choices : [...from.choices, ...h.choices],
        steps,
        recent: h.recent,
        assumptions: h.assumptions.length === 0 ? from.assumptions : [...from.assumptions, ...h.assumptions],
        verdict: h.verdict,
      };
      // Set one by one rather than spread: this runs for every branch at every hook.
      if (h.rejectWith !== undefined) b.rejectWith = h.rejectWith;
      const dnat = h.dnat ?? from.dnat;
      if (dnat) (b as { dnat?: Partial["dnat"] }).dnat = dnat;
      const snat = h.snat ?? from.snat;
      if (snat) (b as { snat?: Partial["snat"] }).snat = snat;
      if (b.verdict === "ACCEPT") this.accepted(b, hooks, route, next);
      else this.out.push(this.finish(b, hooks, route));
    }
  }

  /** Routing's local-or-not decision, an assumption when the node's addresses are unknown. */
  private routedLocally(b: Partial, hook: HookName): { local: boolean; b: Partial } {
    const ip = b.packet.dst;
    if (this.isLocal(ip)) return { local: true, b };
    if (!this.unknown.local(ip)) return { local: false, b };
    return { local: false, b: { ...b, assumptions: [...b.assumptions, { kind: "not-local", ip, hook }] } };
  }

  private accepted(
    b: Partial & { verdict: "ACCEPT" | "DROP" | "REJECT" },
    hooks: HookName[],
    route: Route,
    next: Next,
  ) {
    switch (next) {
      case "prerouted": {
        const r = this.routedLocally(b, "PREROUTING");
        if (r.local) return this.hook("INPUT", r.b, hooks, "local", this.inIface, undefined, "done");
        return this.hook("FORWARD", r.b, hooks, "forward", this.inIface, this.outIface, "forwarded");
      }
      case "forwarded":
        return this.hook("POSTROUTING", b, hooks, route, undefined, this.outIface, "done");
      case "output": {
        const r = this.routedLocally(b, "OUTPUT");
        if (r.local) return this.hook("POSTROUTING", r.b, hooks, "local", undefined, "lo", "postrouted-local");
        return this.hook("POSTROUTING", r.b, hooks, "forward", undefined, this.outIface, "done");
      }
      case "postrouted-local":
        return this.hook("INPUT", b, hooks, route, "lo", undefined, "done");
      case "done":
        this.out.push(this.finish(b, hooks, route));
    }
  }

  private finish(
    b: Partial & { verdict: NodeBranch["verdict"]; rejectWith?: string },
    hooks: HookName[],
    route: Route,
  ) {
    const marks: string[] = [];
    let previous = 0;
    // As for iptables rules, a chain's policy is listed only when it dropped the packet.
    const steps: NodeStep[] = [];
    for (let i = -1; i < b.steps.length; i++) {
      const mark = i < 0 ? this.first.mark : b.steps[i]!.event.after.mark;
      if (mark !== 0 && mark !== previous) {
        previous = mark;
        if (!marks.includes(hexText(mark))) marks.push(hexText(mark));
      }
      const s = b.steps[i];
      if (s && (s.event.kind !== "policy" || s.event.rule.text !== "policy accept")) steps.push(s);
    }
    const assumptions = distinct(b.assumptions);
    const branch: NodeBranch = {
      probability: b.probability,
      verdict: b.verdict,
      rejectWith: b.rejectWith ?? null,
      dnat: b.dnat ? `${ipText(b.dnat.ip)}:${b.dnat.port}` : null,
      snat: b.snat ? `${ipText(b.snat.ip)}:${b.snat.port}` : null,
      masquerade: b.snat?.masquerade ?? b.steps.some((s) => s.event.kind === "masquerade"),
      marks,
      rules: steps.map((s) => s.event.rule.text),
      route,
      hooks,
      choices: b.choices.slice(),
      steps,
      packet: b.packet,
      recent: b.recent,
      assumptions,
    };
    return branch;
  }
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
