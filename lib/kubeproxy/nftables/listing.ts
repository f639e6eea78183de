// A table as `nft list ruleset` prints it (nft 1.0.6): tab-indented declarations, priorities by
// their standard names, sets' elements in the order nft lists them and wrapped as it wraps them.
import { parseIpv4 } from "../../model/address.ts";
import { quoted } from "./comment.ts";
import { listedRule } from "./parts.ts";
import type { NftBaseChain, NftChain, NftElement, NftSet, NftTable } from "./table.ts";

export function listingText(table: NftTable): string {
  const blocks = [...table.sets.map(setBlock), ...table.chains.map(chainBlock)];
  return `table ${table.family} ${table.name} {\n\tcomment ${quoted(table.comment)}\n${blocks.join("\n")}}\n`;
}

function setBlock(s: NftSet): string {
  const lines = [`\t${s.kind} ${s.name} {`, `\t\ttype ${s.type}`];
  // The kernel gives a set that rules add to (dynamic) a default size, and nft lists it.
  if (s.flags?.includes("dynamic")) lines.push("\t\tsize 65535");
  if (s.flags) lines.push(`\t\tflags ${s.flags.join(",")}`);
  if (s.timeoutSeconds !== undefined) lines.push(`\t\ttimeout ${duration(s.timeoutSeconds)}`);
  if (s.comment !== undefined) lines.push(`\t\tcomment ${quoted(s.comment)}`);
  if (s.elements.length > 0) lines.push(`\t\telements = { ${elements(s)} }`);
  return `${lines.join("\n")}\n\t}\n`;
}

/**
 * nft lists elements sorted by their key's bytes read as one little-endian number, and breaks the
 * line after every element of a concatenation or map, after every second address.
 */
function elements(s: NftSet): string {
  const sorted = s.elements.map(printedElement).sort((a, b) => compareBytes(a.key, b.key));
  const perLine = s.type === "ipv4_addr" ? 2 : 1;
  return sorted
    .map(({ text }, i) => {
      if (i === sorted.length - 1) return text;
      return (i + 1) % perLine === 0 ? `${text},\n\t\t\t     ` : `${text}, `;
    })
    .join("");
}

function printedElement(e: NftElement): { text: string; key: number[] } {
  let printed = elementTexts.get(e);
  if (printed === undefined) elementTexts.set(e, (printed = { text: element(e), key: keyBytes(e) }));
  return printed;
}

function element(e: NftElement): string {
  let out = e.key.join(" . ");
  if (e.comment !== undefined) out += ` comment ${quoted(e.comment)}`;
  if (e.value !== undefined) out += ` : ${e.value}`;
  return out;
}

const PROTOCOLS: Readonly<Record<string, number>> = { tcp: 6, udp: 17, sctp: 132 };

/** A key as the kernel stores it: an address in network order, each part of a concatenation 4 bytes. */
function keyBytes(e: NftElement): number[] {
  const bytes: number[] = [];
  for (const part of e.key) {
    const ip = parseIpv4(part);
    if (ip !== undefined) bytes.push(ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255);
    else if (part in PROTOCOLS) bytes.push(PROTOCOLS[part]!, 0, 0, 0);
    else bytes.push((Number(part) >>> 8) & 255, Number(part) & 255, 0, 0);
  }
  return bytes;
}

function compareBytes(a: readonly number[], b: readonly number[]): number {
  for (let i = Math.max(a.length, b.length) - 1; i >= 0; i--) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

// Chains, rules and elements are shared between nodes' tables (see service.ts): print each once.
const chainTexts = new WeakMap<NftChain, string>();
const elementTexts = new WeakMap<NftElement, { text: string; key: number[] }>();

function chainBlock(c: NftChain): string {
  let text = chainTexts.get(c);
  if (text === undefined) chainTexts.set(c, (text = printChain(c)));
  return text;
}

function printChain(c: NftChain): string {
  const lines = [`\tchain ${c.name} {`];
  if (c.comment !== undefined) lines.push(`\t\tcomment ${quoted(c.comment)}`);
  if (c.base) lines.push(`\t\ttype ${c.base.type} hook ${c.base.hook} priority ${priority(c.base)}; policy accept;`);
  for (const r of c.rules) lines.push(`\t\t${listedRule(r)}`);
  return `${lines.join("\n")}\n\t}\n`;
}

/** nft's standard priorities for the ip family; dstnat and srcnat are names only on their hooks. */
const STANDARD: readonly (readonly [string, number, string?])[] = [
  ["raw", -300],
  ["mangle", -150],
  ["dstnat", -100, "prerouting"],
  ["filter", 0],
  ["security", 50],
  ["srcnat", 100, "postrouting"],
];

/** A priority within 10 of a standard one that the hook allows prints as its name and offset. */
function priority(base: NftBaseChain): string {
  for (const [name, value, hook] of STANDARD) {
    const offset = base.priority - value;
    if ((hook !== undefined && hook !== base.hook) || Math.abs(offset) > 10) continue;
    return offset === 0 ? name : `${name} ${offset > 0 ? "+" : "-"} ${Math.abs(offset)}`;
  }
  return String(base.priority);
}

/** nft's time format: 10800 seconds is `3h`, 90 is `1m30s`. */
function duration(seconds: number): string {
  const units: readonly (readonly [string, number])[] = [
    ["d", 86400],
    ["h", 3600],
    ["m", 60],
    ["s", 1],
  ];
  let rest = seconds;
  let out = "";
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out === "" ? "0s" : out;
}
