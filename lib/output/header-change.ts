// The words for what a step did to the packet's headers, rendered from its typed changes. The trace
// prints them in braces (`{dst: 10.96.0.10 -> 10.244.1.2}`); the diagram's callouts say the same more
// tightly (`dst: 10.96.0.10→10.244.1.2`), leaving out "encapsulated in", which their ENCAP/DECAP says.
import type { HeaderChange, PacketJson, Step } from "../trace/types.ts";

export type ChangeStyle = "trace" | "callout";

const TUNNEL_WORDS = { encapsulated: "encapsulated in ", decapsulated: "decapsulated to " };

/** `tcp 10.244.1.2:40000 -> 10.244.2.3:8080`, with the arrow given. */
function flowText(p: PacketJson, arrow: string): string {
  return `${p.proto} ${p.src}${arrow}${p.dst}`;
}

/**
 * One change: `dst: 10.96.0.10 -> 10.244.1.2`, `encapsulated in udp ... -> ..., 160 bytes`, `new connection tcp ...`.
 */
export function changeText(c: HeaderChange, after: PacketJson, style: ChangeStyle = "trace"): string {
  const arrow = style === "trace" ? " -> " : "→";
  if (c.field !== "packet") return `${c.field}: ${c.from}${arrow}${c.to}`;
  if (c.change === "new-connection") return `new connection ${flowText(after, arrow)}`;
  return `${style === "trace" ? TUNNEL_WORDS[c.change] : ""}${flowText(after, arrow)}, ${after.size} bytes`;
}

/** The step's changes, `, `-joined, as the trace's braces hold them; empty when it changed nothing. */
export function stepChangesText(s: Step): string {
  return (s.changes ?? []).map((c) => changeText(c, s.after!)).join(", ");
}
