// One packet through one node's netfilter, hook after hook, with the routing decision in between:
// PREROUTING, then INPUT if the (post-DNAT) destination is the node's, else FORWARD and
// POSTROUTING; or, for a packet a node process sends, OUTPUT and POSTROUTING (plus INPUT over
// `lo` when it stays on the node). This is what `kubehop netfilter` prints; the full tracer uses
// runHook directly with its own routing.
import type { Ipv4 } from "../model/address.ts";
import { formatIpv4 } from "../model/address.ts";
import type { Packet } from "../dataplane/packet.ts";
import { NetfilterEngine } from "./evaluator.ts";
import type { CtState, HookBranch, HookContext, HookName, Netfilter, NetfilterEvent, RecentSets, Verdict } from "./hooks.ts";
import type { Ruleset } from "./ruleset.ts";

export interface NodeWalkOptions {
  hook: "prerouting" | "output";
  /** The node's own addresses: routing delivers these locally, addrtype LOCAL matches them, and
   * the first one is the MASQUERADE address. */
  localIps: readonly Ipv4[];
  /** Interface the packet arrives on (prerouting); default `eth0`. */
  inIface?: string;
  /** Interface a forwarded or outgoing packet leaves by; default `eth0`. */
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
}

const engines = new WeakMap<Ruleset, Map<boolean, NetfilterEngine>>();

/** One compiled engine per ruleset and index setting, so repeated walks do not recompile. */
export function engineFor(ruleset: Ruleset, indexed = true): NetfilterEngine {
  let byMode = engines.get(ruleset);
  if (!byMode) engines.set(ruleset, (byMode = new Map()));
  let engine = byMode.get(indexed);
  if (!engine) byMode.set(indexed, (engine = new NetfilterEngine(ruleset, { indexed })));
  return engine;
}

interface Acc {
  probability: number;
  hooks: HookName[];
  steps: NodeStep[];
  choices: string[];
  route: "local" | "forward" | null;
  dnat: { ip: number; port: number } | null;
  snat: { ip: number; port: number; masquerade: boolean } | null;
  recent: RecentSets;
}

export function walkNode(source: Ruleset | Netfilter, packet: Packet, opts: NodeWalkOptions): NodeBranch[] {
  const nf = "runHook" in source ? source : engineFor(source, opts.indexed ?? true);
  const local = new Set(opts.localIps);
  const isLocal = (ip: Ipv4) => local.has(ip);
  const inIface = opts.inIface ?? "eth0";
  const outIface = opts.outIface ?? "eth0";
  const out: NodeBranch[] = [];
  const start: Acc = { probability: 1, hooks: [], steps: [], choices: [], route: null, dnat: null, snat: null, recent: opts.recent ?? new Map() };

  const run = (hook: HookName, p: Packet, acc: Acc, ifaces: Pick<HookContext, "inIface" | "outIface" | "outIfaceAddress">, next: (b: HookBranch, acc: Acc) => void) => {
    const ctx: HookContext = { ...ifaces, isLocal, ctState: opts.ctState ?? "NEW", recent: acc.recent, ctNat: { dnat: acc.dnat !== null, snat: acc.snat !== null } };
    for (const b of nf.runHook(hook, p, ctx)) {
      const merged: Acc = {
        probability: acc.probability * b.probability,
        hooks: [...acc.hooks, hook],
        steps: [...acc.steps, ...b.events.map((event) => ({ hook, event }))],
        choices: [...acc.choices, ...b.choices],
        route: acc.route,
        dnat: b.dnat ?? acc.dnat,
        snat: b.snat ?? acc.snat,
        recent: b.recent,
      };
      if (b.verdict === "ACCEPT") next(b, merged);
      else out.push(finish(packet, b.packet, merged, b.verdict, b.rejectWith));
    }
  };
  const done = (b: HookBranch, acc: Acc) => out.push(finish(packet, b.packet, acc, "ACCEPT"));
  const masqAddress = opts.localIps[0];

  if (opts.hook === "prerouting") {
    run("PREROUTING", packet, start, { inIface }, (b, acc) => {
      if (isLocal(b.packet.dst)) run("INPUT", b.packet, { ...acc, route: "local" }, { inIface }, done);
      else {
        run("FORWARD", b.packet, { ...acc, route: "forward" }, { inIface, outIface }, (f, facc) =>
          run("POSTROUTING", f.packet, facc, { outIface, outIfaceAddress: masqAddress }, done),
        );
      }
    });
  } else {
    const firstOut = isLocal(packet.dst) ? "lo" : outIface;
    run("OUTPUT", packet, start, { outIface: firstOut }, (b, acc) => {
      // nat OUTPUT may have changed the destination: routing is decided again.
      const toLocal = isLocal(b.packet.dst);
      const via = toLocal ? "lo" : outIface;
      run("POSTROUTING", b.packet, { ...acc, route: toLocal ? "local" : "forward" }, { outIface: via, outIfaceAddress: masqAddress }, (p, pacc) =>
        toLocal ? run("INPUT", p.packet, pacc, { inIface: "lo" }, done) : done(p, pacc),
      );
    });
  }
  return out;
}

function finish(first: Packet, last: Packet, acc: Acc, verdict: Verdict, rejectWith?: string): NodeBranch {
  const marks: string[] = [];
  const seen = (mark: number) => {
    const hex = `0x${mark.toString(16)}`;
    if (mark !== 0 && !marks.includes(hex)) marks.push(hex);
  };
  seen(first.mark);
  for (const s of acc.steps) seen(s.event.after.mark);
  const rules = acc.steps.filter(reportedStep).map((s) => s.event.rule.text);
  return {
    probability: acc.probability,
    verdict,
    rejectWith: rejectWith ?? null,
    dnat: acc.dnat ? `${formatIpv4(acc.dnat.ip)}:${acc.dnat.port}` : null,
    snat: acc.snat ? `${formatIpv4(acc.snat.ip)}:${acc.snat.port}` : null,
    masquerade: acc.snat?.masquerade ?? false,
    marks,
    rules,
    route: acc.route,
    hooks: acc.hooks,
    choices: acc.choices,
    steps: acc.steps,
    packet: last,
    recent: acc.recent,
  };
}

/** A step worth listing: every matched rule, and a chain policy only when it dropped the packet. */
export function reportedStep(s: NodeStep): boolean {
  return s.event.kind !== "policy" || !s.event.rule.text.endsWith(" ACCEPT");
}
