// A table as the `nft -f` transaction that creates it, in knftables' syntax (what kube-proxy sends
// to nft, and what upstream's tests compare): every object declared before the rules and elements
// that refer to it, so nft reads it in one pass.
import { quoted } from "./comment.ts";
import { writtenRule } from "./parts.ts";
import type { NftChain, NftElement, NftSet, NftTable } from "./table.ts";

export function transactionText(table: NftTable): string {
  const at = `${table.family} ${table.name}`;
  const lines = [`add table ${at} { comment ${quoted(table.comment)} ; }`];
  for (const s of table.sets) lines.push(`add ${s.kind} ${at} ${s.name} { ${setProperties(s)} }`);
  for (const c of table.chains) lines.push(`add chain ${at} ${c.name}${chainProperties(c)}`);
  for (const c of table.chains) for (const r of c.rules) lines.push(`add rule ${at} ${c.name} ${writtenRule(r)}`);
  for (const s of table.sets) for (const e of s.elements) lines.push(`add element ${at} ${s.name} { ${element(e)} }`);
  return `${lines.join("\n")}\n`;
}

function setProperties(s: NftSet): string {
  let out = `type ${s.type} ;`;
  if (s.flags) out += ` flags ${s.flags.join(",")} ;`;
  if (s.timeoutSeconds !== undefined) out += ` timeout ${s.timeoutSeconds}s ;`;
  if (s.comment !== undefined) out += ` comment ${quoted(s.comment)} ;`;
  return out;
}

function chainProperties(c: NftChain): string {
  const parts: string[] = [];
  if (c.base) parts.push(`type ${c.base.type} hook ${c.base.hook} priority ${c.base.priority} ;`);
  if (c.comment !== undefined) parts.push(`comment ${quoted(c.comment)} ;`);
  return parts.length === 0 ? "" : ` { ${parts.join(" ")} }`;
}

function element(e: NftElement): string {
  let out = e.key.join(" . ");
  if (e.comment !== undefined) out += ` comment ${quoted(e.comment)}`;
  if (e.value !== undefined) out += ` : ${e.value}`;
  return out;
}
