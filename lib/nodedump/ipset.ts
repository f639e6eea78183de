// A node's ipsets, from either form the ipset tool prints (read line by line, so a paste may mix them):
//   ipset save    create KUBE-CLUSTER-IP hash:ip,port family inet hashsize 1024 maxelem 65536
//                 add KUBE-CLUSTER-IP 10.96.0.10,udp:53
//   ipset list    Name: KUBE-CLUSTER-IP
//                 Type: hash:ip,port
//                 Header: family inet hashsize 1024 maxelem 65536
//                 Members:
//                 10.96.0.10,udp:53
// Elements are read per the set's type (one comma-separated part per dimension); element options
// (timeout, packets/bytes counters, comment) are skipped, `nomatch` kept. A set kubehop cannot test is
// kept as untestable with a warning, so a rule that asks for it says the answer is uncertain.
import { asWritten, excerpt } from "../model/excerpt.ts";
import { makePrefix, parseIpv4, type Prefix } from "../model/address.ts";
import { byPosition, type Diagnostic } from "../model/diagnostic.ts";
import type { Ipset, IpsetDimension, IpsetMember, IpsetPart, Ipsets } from "../model/ipset.ts";
import { lines, Problems, type Word, words } from "./text.ts";

export interface ParsedIpsets {
  readonly ipsets: Ipsets;
  readonly warnings: Diagnostic[];
}

interface Building {
  name: string;
  type: string;
  dimensions: IpsetDimension[];
  members: IpsetMember[];
  lists: string[];
  untestable?: string;
  line: number;
  family: string;
  netmask: number;
  /** `Number of entries:` of `ipset list`, to notice a listing without its members. */
  entries?: number;
}

const DIMENSIONS: readonly string[] = ["ip", "net", "port", "iface", "mark"];
const PROTOS: readonly string[] = ["tcp", "udp", "sctp", "udplite"];
/** Element options that carry a value, all beside the point for membership. */
const VALUED = /^(timeout|packets|bytes|comment|skbmark|skbprio|skbqueue)$/;

export function parseIpsets(text: string, file: string): ParsedIpsets {
  const problems = new Problems(file);
  const sets = new Map<string, Building>();
  let listed: Building | undefined;
  let inMembers = false;
  for (const { text: raw, line } of lines(text)) {
    const w = words(raw);
    if (w.length === 0) {
      inMembers = false;
      continue;
    }
    if (problems.prompt(line, raw)) continue;
    const head = /^(Name|Type|Revision|Header|Size in memory|References|Number of entries|Members):\s*(.*)$/.exec(raw);
    if (head) {
      inMembers = head[1] === "Members";
      if (head[1] === "Name") listed = create(sets, head[2]!.trim(), "", line, problems);
      else if (!listed) problems.error(line, 1, `"${head[1]}:" before any "Name:" line; skipped`);
      else if (head[1] === "Type") setType(listed, head[2]!.trim());
      else if (head[1] === "Header") options(listed, words(head[2]!));
      else if (head[1] === "Number of entries") listed.entries = Number(head[2]);
      continue;
    }
    if (w[0]!.text === "create" && w.length >= 3) {
      inMembers = false;
      listed = undefined;
      const set = create(sets, w[1]!.text, w[2]!.text, line, problems);
      options(set, w.slice(3));
      continue;
    }
    if (w[0]!.text === "add" && w.length >= 3) {
      const set = sets.get(w[1]!.text);
      if (set) member(set, w.slice(2), line, problems);
      else problems.error(line, w[1]!.col, `add to set ${excerpt(w[1]!.text)}, which no create line made; skipped`);
      continue;
    }
    if (inMembers && listed) member(listed, w, line, problems);
    else
      problems.error(
        line,
        1,
        "expected a line of `ipset save` (create NAME TYPE ..., add NAME ELEMENT) or `ipset list` (Name:, Type:, " +
          "Header:, Members: and one element a line); skipped",
      );
  }
  const out = new Map<string, Ipset>();
  for (const b of sets.values()) out.set(b.name, finish(b, file, problems));
  return { ipsets: { file, sets: out }, warnings: byPosition(problems.warnings) };
}

function create(sets: Map<string, Building>, name: string, type: string, line: number, problems: Problems): Building {
  if (sets.has(name))
    problems.warn(
      "dump-skipped",
      sets.get(name)!.line,
      `set ${name} is listed again at line ${line}: the last is read`,
    );
  const b: Building = { name, type: "", dimensions: [], members: [], lists: [], line, family: "inet", netmask: 32 };
  if (type !== "") setType(b, type);
  else b.untestable = "its listing gives no Type: line";
  sets.set(name, b);
  return b;
}

/** The type decides the dimensions; `ipset list` gives it on the line after the set's name. */
function setType(b: Building, type: string): void {
  b.type = type;
  b.dimensions = [];
  b.untestable = undefined;
  const m = /^(hash|bitmap|list):([a-z,]+)$/.exec(type);
  const dims = m ? m[2]!.split(",") : [];
  if (m?.[1] === "list" && type === "list:set") return;
  if (!m || dims.some((d) => !DIMENSIONS.includes(d)) || (m[1] === "bitmap" && dims.length !== 1))
    b.untestable =
      `its type ${type ? asWritten(type) : "(none)"} is not one kubehop tests (hash: or bitmap: ` +
      `of ${DIMENSIONS.join(", ")}, or list:set)`;
  else b.dimensions = dims as IpsetDimension[];
}

/** The create line's or Header's options that change how elements compare: family and netmask. */
function options(b: Building, w: Word[]): void {
  for (let i = 0; i < w.length; i++) {
    if (w[i]!.text === "family") b.family = w[++i]?.text ?? b.family;
    else if (w[i]!.text === "netmask") b.netmask = Number(w[++i]?.text ?? 32);
  }
}

function member(b: Building, w: Word[], line: number, problems: Problems): void {
  if (b.family !== "inet" || b.untestable) return;
  const element = w[0]!;
  if (b.type === "list:set") {
    b.lists.push(element.text);
    return;
  }
  const texts = element.text.split(",");
  if (texts.length !== b.dimensions.length) {
    problems.error(
      line,
      element.col,
      `${excerpt(element.text)} is not an element of ${asWritten(b.type)}: expected ${b.dimensions.length} ` +
        `part${b.dimensions.length === 1 ? "" : "s"} (${b.dimensions.join(",")}); skipped`,
    );
    return;
  }
  const parts: IpsetPart[] = [];
  for (const [k, dim] of b.dimensions.entries()) {
    const part = readPart(dim, texts[k]!, b);
    if (typeof part === "string") {
      problems.warn(
        "ipset-unsupported",
        line,
        `element ${asWritten(element.text)} of set ${asWritten(b.name)}: ${part}; skipped`,
      );
      return;
    }
    parts.push(part);
  }
  let nomatch = false;
  for (let i = 1; i < w.length; i++) {
    if (w[i]!.text === "nomatch") nomatch = true;
    else if (VALUED.test(w[i]!.text)) i += w[i]!.text === "comment" ? quotedLength(w, i + 1) : 1;
    else if (!/^(counters|skbinfo)$/.test(w[i]!.text))
      problems.error(
        line,
        w[i]!.col,
        `${excerpt(w[i]!.text)} is not an element option (timeout, comment, nomatch, ...); ignored`,
      );
  }
  b.members.push({ parts, nomatch });
}

/** How many words a comment's quoted text takes, from `from`. */
function quotedLength(w: Word[], from: number): number {
  if (!w[from]?.text.startsWith('"')) return 1;
  for (let i = from; i < w.length; i++)
    if (w[i]!.text.endsWith('"') && (i > from || w[i]!.text.length > 1)) return i - from + 1;
  return w.length - from;
}

/** One part of an element, or why kubehop cannot compare it. */
function readPart(dim: IpsetDimension, text: string, b: Building): IpsetPart | string {
  switch (dim) {
    case "ip":
    case "net": {
      const prefix = readPrefix(text, dim === "ip" ? b.netmask : 32);
      return prefix ? { kind: dim, prefix } : `${excerpt(text)} is not an IPv4 address or prefix`;
    }
    case "port": {
      const m = /^(?:([a-z]+):)?(\d{1,5})$/.exec(text);
      if (!m || Number(m[2]) > 65535)
        return `${excerpt(text)} is not a port (PROTO:PORT, e.g. tcp:80; ICMP types are not modelled)`;
      const proto = b.type.startsWith("bitmap:") ? null : (m[1] ?? "tcp");
      if (proto !== null && !PROTOS.includes(proto)) return `protocol ${proto} is not one kubehop's packets use`;
      return { kind: "port", proto, port: Number(m[2]) };
    }
    case "iface":
      return /^physdev:/.test(text) ? "bridge port (physdev:) matches are not modelled" : { kind: "iface", name: text };
    case "mark": {
      const v = /^(0x[0-9a-f]+|\d+)$/i.test(text) ? Number(text) : Number.NaN;
      return Number.isInteger(v) && v <= 0xffffffff ? { kind: "mark", value: v } : `${excerpt(text)} is not a mark`;
    }
  }
}

function readPrefix(text: string, defaultLength: number): Prefix | undefined {
  const m = /^([\d.]+)(?:\/(\d{1,2}))?$/.exec(text);
  const ip = m ? parseIpv4(m[1]!) : undefined;
  const length = m?.[2] === undefined ? defaultLength : Number(m[2]);
  return ip === undefined || length > 32 ? undefined : makePrefix(ip, length);
}

function finish(b: Building, file: string, problems: Problems): Ipset {
  let untestable = b.untestable;
  if (b.family !== "inet")
    problems.warn(
      "dump-skipped",
      b.line,
      `set ${asWritten(b.name)} is of family ${asWritten(b.family)}: its elements are skipped; an IPv4 packet ` +
        "never matches it",
    );
  else if (!untestable && b.entries !== undefined && b.entries > 0 && b.members.length + b.lists.length === 0)
    untestable = `the listing gives ${b.entries} entries but not the members (ipset list -t?); run \`ipset save\``;
  if (untestable) problems.warn("ipset-unsupported", b.line, `set ${asWritten(b.name)}: ${untestable}; taken as empty`);
  return {
    name: b.name,
    type: b.type,
    dimensions: b.dimensions,
    members: b.members,
    ...(b.type === "list:set" ? { lists: b.lists } : {}),
    ...(untestable ? { untestable } : {}),
    origin: { file, line: b.line, col: 1 },
  };
}
