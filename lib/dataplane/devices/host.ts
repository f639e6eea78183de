// A node's IP stack: netfilter hooks around the routing decision, in the kernel's order.
// Arriving: PREROUTING -> route -> INPUT (local) or FORWARD -> POSTROUTING -> out.
// Sent by a process on the node: OUTPUT -> route -> POSTROUTING -> out.
import { formatIpv4 } from "../../model/address.ts";
import type { InterfaceName, Node, Route } from "../../model/cluster.ts";
import type { HookName } from "../../netfilter/hooks.ts";
import type { Disposition } from "../../model/step.ts";
import type { EndDetail, NftRuleFact } from "../../model/step-detail.ts";
import type { BranchState, HostLocation, Location, Outcome, StepContext, StepRecord } from "../device.ts";
import { here } from "../locations.ts";
import { type Packet, rewrite } from "../../model/packet.ts";
import { reverseNat } from "../conntrack.ts";
import { routeFact } from "../facts.ts";
import { lookupRoute, routeText } from "../routing.ts";
import { type HookIfaces, hookSteps, runHook } from "./netfilter-stage.ts";
import { ipvsDecision } from "./ipvs.ts";
import { receive } from "./socket.ts";
import { servicePortFor } from "../../control/service-lookup.ts";

/** One way through the stack so far: a hook may split it into several. */
interface Path {
  readonly packet: Packet;
  /** The packet as it entered this node: what conntrack records as the original direction. */
  readonly entered: Packet;
  readonly steps: StepRecord[];
  readonly probability: number;
  readonly choices: string[];
  readonly state: BranchState;
}

export function hostDevice(packet: Packet, at: HostLocation, ctx: StepContext): Outcome[] {
  const { node } = at;
  const out: Outcome[] = [];
  const start = unNat({ packet, entered: packet, steps: [], probability: 1, choices: [], state: ctx.state }, node);
  const inIface = at.inIface;
  for (const p of applyHook(inIface ? "PREROUTING" : "OUTPUT", start, node, { inIface }, ctx, out)) {
    const dst = p.packet.dst;
    const destination = formatIpv4(dst);
    if (ctx.net.isLocal(node, dst)) {
      const iface = inIface ?? "lo";
      p.steps.push({
        type: "route",
        action: "LOCAL",
        detail: { kind: "local", node: node.name, address: destination, iface },
        rule: `local ${destination} dev ${iface} table local`,
      });
      const arrived = inIface ? applyHook("INPUT", p, node, { inIface }, ctx, out) : [p];
      for (const q of arrived) {
        const ipvs = ipvsDecision(q.packet, node, ctx);
        if (!ipvs) out.push(...deliverLocal(q, node, ctx));
        else if (ipvs.kind === "end") out.push(finish(q, ipvs.disposition, ipvs.detail));
        // IPVS sends the rewritten packet out as the node's own: routed, POSTROUTING, no FORWARD.
        else for (const b of ipvs.branches) send(viaIpvs(q, b), node, undefined, at, ctx, out);
      }
      continue;
    }
    send(p, node, inIface, at, ctx, out);
  }
  return out;
}

/** One real server's branch: its share of the path, the DNAT step, the choice named. */
function viaIpvs(p: Path, b: { share: number; step: StepRecord; packet: Packet; choice: string }): Path {
  return {
    ...p,
    packet: b.packet,
    steps: [...p.steps, b.step],
    probability: p.probability * b.share,
    choices: [...p.choices, b.choice],
  };
}

/** Routes a packet that is not the node's and sends it: FORWARD when it came in, then POSTROUTING. */
function send(
  p: Path,
  node: Node,
  inIface: InterfaceName | undefined,
  at: HostLocation,
  ctx: StepContext,
  out: Outcome[],
): void {
  const dst = p.packet.dst;
  const destination = formatIpv4(dst);
  const r = lookupRoute(ctx.net.routeTable(node), dst);
  const route = { kind: "route", node: node.name, destination, ...(r ? { route: routeFact(r) } : {}) } as const;
  if (!r || r.type === "unreachable") {
    p.steps.push({ type: "route", action: "NO_ROUTE", detail: route, ...(r ? { rule: routeText(r) } : {}) });
    out.push(finish(p, "NO_ROUTE", { kind: "no-route", node: node.name, destination }, r ? routeText(r) : undefined));
    return;
  }
  if (r.type === "blackhole") {
    p.steps.push({ type: "route", action: "DISCARDED", detail: route, rule: routeText(r) });
    out.push(finish(p, "DROPPED", { kind: "blackhole", node: node.name }, routeText(r)));
    return;
  }
  for (const q of routeOut(p, node, r, inIface, ctx, out)) {
    for (const s of applyHook("POSTROUTING", q, node, { inIface, outIface: r.dev, nextHop: r.via ?? dst }, ctx, out))
      out.push(transmit(s, node, r, at));
  }
}

/** Forwarded packets lose a TTL and pass filter FORWARD; a local process's packets are just routed. */
function routeOut(
  p: Path,
  node: Node,
  r: Route,
  inIface: string | undefined,
  ctx: StepContext,
  out: Outcome[],
): Path[] {
  const pk = p.packet;
  const step: StepRecord = {
    type: "route",
    action: inIface ? "FORWARDED" : "ROUTED",
    detail: { kind: "route", node: node.name, destination: formatIpv4(pk.dst), route: routeFact(r) },
    rule: routeText(r),
  };
  if (!inIface) {
    p.steps.push(step);
    return [p];
  }
  if (pk.ttl <= 1) {
    p.steps.push(step);
    out.push(finish(p, "LOOP", { kind: "ttl-expired", node: node.name }));
    return [];
  }
  const after = rewrite(pk, { ttl: pk.ttl - 1 });
  p.steps.push({ ...step, before: pk, after });
  return applyHook(
    "FORWARD",
    {
      packet: after,
      entered: p.entered,
      steps: p.steps,
      probability: p.probability,
      choices: p.choices,
      state: p.state,
    },
    node,
    { inIface, outIface: r.dev },
    ctx,
    out,
  );
}

/** Runs one hook; branches that the hook drops or rejects end here (pushed to `out`). */
function applyHook(
  name: HookName,
  p: Path,
  node: Node,
  ifaces: { inIface?: string | undefined; outIface?: string; nextHop?: number },
  ctx: StepContext,
  out: Outcome[],
): Path[] {
  // Without a ruleset every hook accepts: no bookkeeping at all.
  if (!ctx.net.netfilter(node)) return [p];
  const survivors: Path[] = [];
  const branches = runHook(
    name,
    p.packet,
    node,
    ifaces as HookIfaces,
    p.state === ctx.state ? ctx : { ...ctx, state: p.state },
  );
  const single = branches.length === 1;
  for (const b of branches) {
    // With one branch the path goes on as it is (extended in place); a split gets fresh copies.
    const steps = single ? p.steps : [...p.steps];
    const own = hookSteps(name, b);
    steps.push(...own);
    const state = b.recent === p.state.recent ? p.state : { ...p.state, recent: b.recent };
    const next: Path = {
      packet: b.packet,
      entered: p.entered,
      steps,
      probability: p.probability * b.probability,
      choices: b.choices.length ? [...p.choices, ...b.choices] : p.choices,
      state,
    };
    if (b.verdict === "ACCEPT") {
      survivors.push(next);
      continue;
    }
    const last = b.events.at(-1);
    const decided = own.at(-1)?.detail;
    const nft = decided?.kind === "netfilter" ? decided.nft : undefined;
    const verdict: EndDetail = {
      kind: "verdict",
      hook: name,
      verdict: b.verdict,
      ...(b.rejectWith ? { rejectWith: b.rejectWith } : {}),
      ...(last ? { rule: { table: last.rule.table, chain: last.rule.chain, index: last.rule.index } } : {}),
      ...(nft ? { nft } : {}),
    };
    const disposition = dispositionOf(b.verdict, last?.rule.text, nft);
    const why = disposition === "NO_ENDPOINTS" ? noEndpoints(ctx, b.packet) : undefined;
    out.push(finish(next, disposition, why ? { ...verdict, noEndpoints: why } : verdict, last?.rule.text));
  }
  return survivors;
}

/** Which Service port kube-proxy rejected for want of endpoints, and why the control plane left it none. */
function noEndpoints(ctx: StepContext, pk: Packet) {
  const hit = servicePortFor(ctx.net.cluster, pk.dst, pk.dport, pk.proto);
  const cause = hit?.port.noEndpoints;
  if (!hit || !cause) return undefined;
  return {
    service: `${hit.service.namespace}/${hit.service.name}`,
    port: hit.port.name || String(hit.port.port),
    cause,
  };
}

/** kube-proxy's own comments say when a drop or reject is about missing endpoints. */
// kube-proxy's nftables mode says "no endpoints" by map, not comment: a Service address or NodePort
// without endpoints maps to `goto reject-chain`, one whose endpoints are all on other nodes (Local
// policy) to `drop`.
const NO_ENDPOINT_MAPS = new Set(["@no-endpoint-services", "@no-endpoint-nodeports"]);

function dispositionOf(verdict: "DROP" | "REJECT", rule: string | undefined, nft?: NftRuleFact): Disposition {
  if (nft?.table === "kube-proxy" && nft.element && NO_ENDPOINT_MAPS.has(nft.element.map))
    return verdict === "REJECT" ? "NO_ENDPOINTS" : "NO_LOCAL_ENDPOINTS";
  if (rule?.includes("has no local endpoints")) return "NO_LOCAL_ENDPOINTS";
  if (rule?.includes("has no endpoints")) return "NO_ENDPOINTS";
  return verdict === "DROP" ? "DROPPED" : "REJECTED";
}

/** On the reply leg, conntrack undoes the NAT this node did to the request. */
function unNat(p: Path, node: Node): Path {
  const r = reverseNat(p.packet, node.name, p.state, "node");
  return r ? { ...p, packet: r.packet, entered: r.packet, steps: [r.step] } : p;
}

function transmit(p: Path, node: Node, r: Route, from: HostLocation): Outcome {
  const nextHop = r.via ?? p.packet.dst;
  const at: Location =
    r.dev === "bridge0"
      ? here.bridge(node, nextHop, from.fromPod)
      : r.dev === "wg0"
        ? here.wgOut(node)
        : r.dev === "eth0"
          ? here.nicOut(node, nextHop)
          : here.host(node);
  return { ...base(p), state: recordConntrack(p, node), next: { at, packet: p.packet } };
}

/** A connection whose addresses this node rewrote is remembered, so its reply can be un-NATed. */
function recordConntrack(p: Path, node: Node): BranchState {
  const { packet: out, entered } = p;
  if (p.state.replyTo) return p.state;
  if (out.src === entered.src && out.dst === entered.dst && out.sport === entered.sport && out.dport === entered.dport)
    return p.state;
  const entry = { by: "node" as const, name: node.name, original: entered, translated: out };
  return { ...p.state, conntrack: [...p.state.conntrack, entry] };
}

function deliverLocal(given: Path, node: Node, ctx: StepContext): Outcome[] {
  // A packet DNATed to the node's own address (the API server's 6443) is tracked as one sent on:
  // its reply is un-NATed, or the client would reset it.
  const p = { ...given, state: recordConntrack(given, node) };
  const pk = p.packet;
  if (pk.proto === "udp" && pk.inner && pk.dport === ctx.net.cluster.overlay.listenPort) {
    p.steps.push({
      type: "deliver",
      action: "TO_WIREGUARD",
      detail: { kind: "to-wireguard", node: node.name, port: pk.dport },
    });
    return [{ ...base(p), next: { at: here.wgIn(node), packet: pk } }];
  }
  return receive(
    pk,
    {
      receiver: { kind: "node", name: node.name },
      listeners: ctx.net.nodeListeners(node),
      replyFrom: here.host(node),
    },
    { ...ctx, state: p.state },
    p.steps,
  ).map((o) => ({ ...base(p), ...o }));
}

function base(p: Path): Pick<Outcome, "steps" | "probability" | "choice" | "state"> {
  return {
    steps: p.steps,
    probability: p.probability,
    ...(p.choices.length ? { choice: p.choices.join("; ") } : {}),
    state: p.state,
  };
}

function finish(p: Path, disposition: Disposition, detail: EndDetail, rule?: string): Outcome {
  return { ...base(p), end: { disposition, detail, ...(rule ? { rule } : {}) } };
}
