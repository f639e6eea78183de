// A rule's pieces as kube-proxy writes them (knftables' text, what nft -f reads) and as
// `nft list ruleset` prints them back (nft 1.0.6: meta keywords, 32-bit hex marks, quoted names,
// one-element anonymous sets bare).
import { parseIpv4, parsePrefix } from "../../model/address.ts";
import { quoted } from "./comment.ts";
import type { NftPart, NftRule } from "./table.ts";

export function writtenRule(rule: NftRule): string {
  return withComment(rule.parts.map(written).join(" "), rule.comment);
}

export function listedRule(rule: NftRule): string {
  return withComment(rule.parts.map(listed).join(" "), rule.comment);
}

function withComment(text: string, comment: string | undefined): string {
  return comment === undefined ? text : `${text} comment ${quoted(comment)}`;
}

function written(part: NftPart): string {
  if (typeof part === "string") return part;
  switch (part.kind) {
    case "addresses":
      return `{ ${part.items.join(" , ")} }`;
    case "vmap":
      return `{ ${part.verdicts.map((v, i) => `${i} : ${v}`).join(" , ")} }`;
    case "mark": {
      const m = `0x${part.mark.toString(16)}`;
      return part.op === "unset" ? `mark and ${m} == 0` : `mark set mark ${part.op} ${m}`;
    }
    case "ifname":
      return part.name;
  }
}

function listed(part: NftPart): string {
  if (typeof part === "string") return part;
  switch (part.kind) {
    case "addresses": {
      const items = [...part.items].sort(byAddress);
      return items.length === 1 ? items[0]! : `{ ${items.join(", ")} }`;
    }
    case "vmap":
      return `{ ${part.verdicts.map((v, i) => `${i} : ${v}`).join(", ")} }`;
    case "mark": {
      const m = hex32(part.mark);
      if (part.op === "unset") return `meta mark & ${m} == ${hex32(0)}`;
      return `meta mark set meta mark ${part.op === "or" ? "|" : "^"} ${m}`;
    }
    case "ifname":
      return quoted(part.name);
  }
}

function hex32(n: number): string {
  return `0x${n.toString(16).padStart(8, "0")}`;
}

/** An interval set lists its ranges in address order. */
function byAddress(a: string, b: string): number {
  return start(a) - start(b) || a.length - b.length;
}

function start(item: string): number {
  return (item.includes("/") ? parsePrefix(item, false)?.network : parseIpv4(item)) ?? 0;
}
