// Internal trace records -> the published JSON shape (schemas/trace.schema.json).

import type { Diagnostic } from "../model/diagnostic.ts";
import { formatIpv4 } from "../model/address.ts";
import { endpointText, markText, type Packet, packetDiff } from "../model/packet.ts";
import type { BranchRecord, HopRecord, LegRecord } from "../trace/tracer.ts";
import type { Branch, HeaderChange, Hop, Leg, PacketJson, Step, Trace, TraceRequest } from "../trace/types.ts";
import { endReason, stepReason } from "./reason.ts";

/** Steps share packet objects; each is printed once. */
const printed = new WeakMap<Packet, PacketJson>();

export function packetJson(p: Packet): PacketJson {
  let json = printed.get(p);
  if (!json) printed.set(p, (json = formatPacket(p)));
  return json;
}

function formatPacket(p: Packet): PacketJson {
  return {
    proto: p.proto,
    src: endpointText(p.src, p.sport, p.proto),
    dst: endpointText(p.dst, p.dport, p.proto),
    saddr: formatIpv4(p.src),
    ...(p.proto === "icmp" ? {} : { sport: p.sport }),
    daddr: formatIpv4(p.dst),
    ...(p.proto === "icmp" ? {} : { dport: p.dport }),
    size: p.size,
    ttl: p.ttl,
    ...(p.mark ? { mark: markText(p.mark) } : {}),
    ...(p.inner ? { inner: packetJson(p.inner) } : {}),
  };
}

function hopJson(h: HopRecord, segmented: boolean): Hop {
  let cur = h.packet;
  const steps = h.steps.map((s): Step => {
    const before = s.before ?? cur;
    const after = s.after ?? before;
    cur = after;
    // A proxy does not rewrite the packet: it opens a new connection.
    const changes: HeaderChange[] =
      before === after
        ? []
        : s.type === "proxy"
          ? [{ field: "packet", change: "new-connection" }]
          : packetDiff(before, after);
    return {
      type: s.type,
      action: s.action,
      detail: s.detail,
      reason: stepReason(s.detail, s.action),
      ...(s.rule ? { rule: s.rule } : {}),
      before: packetJson(before),
      after: packetJson(after),
      ...(changes.length ? { changes } : {}),
    };
  });
  return { location: h.location, at: h.at, ...(segmented ? { segment: h.segment } : {}), steps };
}

function legJson(l: LegRecord, segmented: boolean): Leg {
  return {
    disposition: l.disposition,
    detail: l.detail,
    reason: endReason(l.detail),
    ...(l.rule ? { rule: l.rule } : {}),
    hops: l.hops.map((h) => hopJson(h, segmented)),
  };
}

export function traceJson(
  request: TraceRequest,
  branches: readonly BranchRecord[],
  diagnostics: readonly Diagnostic[],
): Trace {
  return {
    request,
    branches: branches.map((b): Branch => {
      const segmented = b.segments.length > 0;
      return {
        probability: roundProbability(b.probability),
        ...legJson(b, segmented),
        choices: [...b.choices],
        ...(b.reply ? { reply: legJson(b.reply, segmented) } : {}),
        ...(b.state.http ? { http: b.state.http } : {}),
      };
    }),
    diagnostics: [...diagnostics],
  };
}

/** Products of kube-proxy's 10-digit probabilities drift in the last bits; 12 digits keep output stable. */
function roundProbability(p: number): number {
  return Math.round(p * 1e12) / 1e12;
}
