// A node's IP stack: netfilter hooks around the routing decision, in the kernel's order.
// Arriving: PREROUTING -> route -> INPUT (local) or FORWARD -> POSTROUTING -> out.
// Sent by a process on the node: OUTPUT -> route -> POSTROUTING -> out.
import { formatIpv4 } from "../../model/address.ts";
import type { Node, Route } from "../../model/cluster.ts";
import type { HookName } from "../../netfilter/hooks.ts";
import type { Disposition } from "../../trace/types.ts";
import type { BranchState, Location, Outcome, StepContext, StepRecord } from "../device.ts";
import { here } from "../locations.ts";
import { type Packet, rewrite } from "../packet.ts";
import { lookupRoute, routeText } from "../routing.ts";
import { hookSteps, runHook } from "./netfilter-stage.ts";
import { receive } from "./socket.ts";

/** A branch of the host's own pipeline: several hooks may each split it. */
interface Partial {
  readonly packet: Packet;
  /** The packet as it entered this node (source chosen): what conntrack records as the original. */
  readonly entered: Packet;
  readonly steps: StepRecord[];
  readonly probability: number;
  readonly choices: string[];
  readonly state: BranchState;
}

type Stage = (p: Partial) => (Partial | Outcome)[];

export function hostDevice(packet: Packet, at: Location, ctx: StepContext): Outcome[] {
  const node = at.node!;
  const start: Partial = { packet, entered: packet, steps: [], probability: 1, choices: [], state: ctx.state };
  const first = unNat(start, node);
  const hook1: HookName = at.inIface ? "PREROUTING" : "OUTPUT";
  return pipe(
    [first],
    hook(hook1, node, { ...(at.inIface ? { inIface: at.inIface } : {}) }, ctx),
    (p) => [route(p, node, at, ctx)].flat(),
  );
}

function pipe(start: Partial[], ...stages: Stage[]): Outcome[] {
  let cur: (Partial | Outcome)[] = start;
  for (const stage of stages) cur = cur.flatMap((x) => (isOutcome(x) ? [x] : stage(x)));
  return cur.map((x) => (isOutcome(x) ? x : { steps: x.steps }));
}

function isOutcome(x: Partial | Outcome): x is Outcome {
  return !("choices" in x);
}

/** On the reply leg, conntrack undoes the NAT this node did to the request. */
function unNat(p: Partial, node: Node): Partial {
  if (!p.state.replyTo) return p;
  const pk = p.packet;
  const entry = p.state.conntrack.find(
    (e) => e.node === node.name && pk.src === e.translated.dst && pk.sport === e.translated.dport && pk.dst === e.translated.src && pk.dport === e.translated.sport,
  );
  if (!entry) return p;
  const after = rewrite(pk, { src: entry.original.dst, sport: entry.original.dport, dst: entry.original.src, dport: entry.original.sport });
  return { ...p, packet: after, entered: after, steps: [...p.steps, { type: "conntrack", action: "UN-NAT", reason: "reply of a tracked connection: conntrack reverses the NAT done to the request", before: pk, after }] };
}

function hook(name: HookName, node: Node, ifaces: { inIface?: string; outIface?: string }, ctx: StepContext): Stage {
  return (p) =>
    runHook(name, p.packet, node, ifaces, { ...ctx, state: p.state }).map((b): Partial | Outcome => {
      const steps = [...p.steps, ...hookSteps(name, b)];
      const probability = p.probability * b.probability;
      const choices = [...p.choices, ...b.choices];
      if (b.verdict !== "ACCEPT") {
        const disposition = b.verdict === "DROP" ? "DROPPED" : "REJECTED";
        const last = b.events.at(-1);
        const why = `${name}: ${b.verdict}${b.rejectWith ? ` with ${b.rejectWith}` : ""}${last ? ` by ${last.rule.chain} rule ${last.rule.index}` : " by chain policy"}`;
        return { steps, probability, choice: choices.join("; "), end: { disposition, reason: why, ...(last ? { rule: last.rule.text } : {}) } };
      }
      return { ...p, packet: b.packet, steps, probability, choices, state: { ...p.state, recent: b.recent } };
    });
}

function route(p: Partial, node: Node, at: Location, ctx: StepContext): (Partial | Outcome)[] {
  const pk = p.packet;
  if (ctx.net.isLocal(node, pk.dst)) {
    const steps = [...p.steps, { type: "route", action: "LOCAL", reason: `${formatIpv4(pk.dst)} is ${node.name}'s own address`, rule: `local ${formatIpv4(pk.dst)} dev ${at.inIface ?? "lo"} table local` } as StepRecord];
    const next = at.inIface ? hook("INPUT", node, { inIface: at.inIface }, ctx)({ ...p, steps }) : [{ ...p, steps }];
    return next.flatMap((x) => (isOutcome(x) ? [x] : deliverLocal(x, node, ctx)));
  }
  const r = lookupRoute(ctx.net.routeTable(node), pk.dst);
  if (!r || r.type === "unreachable") {
    const steps = [...p.steps, { type: "route", action: "NO_ROUTE", reason: `no route to ${formatIpv4(pk.dst)} in ${node.name}'s main table; the sender gets ICMP network unreachable`, ...(r ? { rule: routeText(r) } : {}) } as StepRecord];
    return [finish(p, steps, "NO_ROUTE", `${node.name} has no route to ${formatIpv4(pk.dst)}`, r ? routeText(r) : undefined)];
  }
  if (r.type === "blackhole") {
    const steps = [...p.steps, { type: "route", action: "DISCARDED", reason: "blackhole route", rule: routeText(r) } as StepRecord];
    return [finish(p, steps, "DROPPED", `blackhole route on ${node.name}`, routeText(r))];
  }
  const fwd = forwardOrOriginate(p, node, r, at, ctx);
  return fwd.flatMap((x) => (isOutcome(x) ? [x] : hook("POSTROUTING", node, { ...(at.inIface ? { inIface: at.inIface } : {}), outIface: r.dev }, ctx)(x))).flatMap((x) =>
    isOutcome(x) ? [x] : [transmit(x, node, r)],
  );
}

function forwardOrOriginate(p: Partial, node: Node, r: Route, at: Location, ctx: StepContext): (Partial | Outcome)[] {
  const pk = p.packet;
  const routeStep: StepRecord = { type: "route", action: "FORWARDED", reason: r.why, rule: routeText(r) };
  if (!at.inIface) return [{ ...p, steps: [...p.steps, { ...routeStep, action: "ROUTED" }] }];
  if (pk.ttl <= 1) return [finish(p, [...p.steps, routeStep], "LOOP", `TTL expired on ${node.name}`)];
  const after = rewrite(pk, { ttl: pk.ttl - 1 });
  return hook("FORWARD", node, { inIface: at.inIface, outIface: r.dev }, ctx)({ ...p, packet: after, steps: [...p.steps, { ...routeStep, before: pk, after }] });
}

function transmit(p: Partial, node: Node, r: Route): Outcome {
  const state = recordConntrack(p, node);
  const base = { steps: p.steps, probability: p.probability, ...(p.choices.length ? { choice: p.choices.join("; ") } : {}), state };
  const nextHop = r.via ?? p.packet.dst;
  const at: Location = r.dev === "bridge0" ? here.bridge(node, nextHop) : r.dev === "wg0" ? here.wgOut(node) : r.dev === "eth0" ? here.nicOut(node, nextHop) : here.host(node);
  return { ...base, next: { at, packet: p.packet } };
}

function recordConntrack(p: Partial, node: Node): BranchState {
  const out = p.packet;
  const entered = p.entered;
  if (p.state.replyTo) return p.state;
  if (out.src === entered.src && out.dst === entered.dst && out.sport === entered.sport && out.dport === entered.dport) return p.state;
  return { ...p.state, conntrack: [...p.state.conntrack, { node: node.name, original: entered, translated: out }] };
}

function deliverLocal(p: Partial, node: Node, ctx: StepContext): Outcome[] {
  const pk = p.packet;
  const base = { probability: p.probability, ...(p.choices.length ? { choice: p.choices.join("; ") } : {}), state: p.state };
  if (pk.proto === "udp" && pk.inner && pk.dport === ctx.net.cluster.overlay.listenPort) {
    const steps = [...p.steps, { type: "deliver", action: "TO_WIREGUARD", reason: `UDP ${pk.dport} is wg0's listen port: handed to WireGuard` } as StepRecord];
    return [{ ...base, steps, next: { at: here.wgIn(node), packet: pk } }];
  }
  const hostPods = ctx.net.cluster.pods.filter((x) => x.hostNetwork && x.node === node.name);
  const listeners = [...node.listeners, ...hostPods.flatMap((x) => x.ports.map((port) => ({ port: port.containerPort, protocol: port.protocol, process: `pod ${x.namespace}/${x.name}` })))];
  return receive(pk, { who: `node ${node.name}`, listeners, replyFrom: here.host(node) }, { ...ctx, state: p.state }, [...p.steps]).map((o) => ({ ...base, ...o }));
}

function finish(p: Partial, steps: StepRecord[], disposition: Disposition, reason: string, rule?: string): Outcome {
  return { steps, probability: p.probability, ...(p.choices.length ? { choice: p.choices.join("; ") } : {}), end: { disposition, reason, ...(rule ? { rule } : {}) } };
}
