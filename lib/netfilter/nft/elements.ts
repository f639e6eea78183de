// Set and map elements as nft writes them (`{ 172.30.0.41 . tcp . 80 comment "x" : goto svc, ... }`)
// and verdicts, shared by named sets, anonymous sets and verdict maps.
import { excerpt, LINE_START_MAX } from "../../model/excerpt.ts";
import type { Token } from "./lexer.ts";
import type { Dim, NftVerdict, SetElement, ValueKind } from "./model.ts";
import { parseDim } from "./values.ts";

/** Thrown at the token a reader cannot read; the caller turns it into a diagnostic for its rule or line. */
export class Unreadable extends Error {
  constructor(
    readonly token: Token | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** Splits `tokens` at top-level commas (not inside nested braces). */
export function splitTop(tokens: readonly Token[], sep = ","): Token[][] {
  const out: Token[][] = [[]];
  let depth = 0;
  for (const t of tokens) {
    if (t.kind === "punct" && t.text === "{") depth++;
    if (t.kind === "punct" && t.text === "}") depth--;
    if (depth === 0 && t.kind === "punct" && t.text === sep) out.push([]);
    else if (t.kind !== "end") out[out.length - 1]!.push(t);
  }
  return out.filter((e) => e.length > 0);
}

/** The index of the `}` that closes the `{` at `open`. */
export function closingBrace(tokens: readonly Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind !== "punct") continue;
    if (t.text === "{") depth++;
    else if (t.text === "}" && --depth === 0) return i;
  }
  throw new Unreadable(tokens[open], "a `{` that is never closed");
}

const REJECT_WITH: Readonly<Record<string, string>> = {
  "port-unreachable": "icmp-port-unreachable",
  "host-unreachable": "icmp-host-unreachable",
  "net-unreachable": "icmp-net-unreachable",
  "prot-unreachable": "icmp-proto-unreachable",
  "net-prohibited": "icmp-net-prohibited",
  "host-prohibited": "icmp-host-prohibited",
  "admin-prohibited": "icmp-admin-prohibited",
  "no-route": "icmp-net-unreachable",
};

// A verdict's kind as this program's own string, never the token's text: the walk compares it at
// every verdict it runs, and V8 compares a string cut from the input character by character, where
// two of its own constants are one pointer compare.
const PLAIN = { accept: "accept", drop: "drop", return: "return", continue: "continue" } as const;
const JUMPS = { jump: "jump", goto: "goto" } as const;

/**
 * A verdict at tokens[i], or undefined when there is none; `next` is the index after it. `reject`
 * takes its `with icmp [type] X` / `with tcp reset`.
 */
export function readVerdict(tokens: readonly Token[], i: number): { verdict: NftVerdict; next: number } | undefined {
  const t = tokens[i];
  if (t?.kind !== "word") return undefined;
  switch (t.text) {
    case "accept":
    case "drop":
    case "return":
    case "continue":
      return { verdict: { kind: PLAIN[t.text] }, next: i + 1 };
    case "jump":
    case "goto": {
      const to = tokens[i + 1];
      if (!to || (to.kind !== "word" && to.kind !== "string")) throw new Unreadable(t, `\`${t.text}\` with no chain`);
      return { verdict: { kind: JUMPS[t.text], chain: to.text, target: undefined }, next: i + 2 };
    }
    case "reject": {
      if (tokens[i + 1]?.text !== "with")
        return { verdict: { kind: "reject", with: "icmp-port-unreachable" }, next: i + 1 };
      const words: string[] = [];
      let j = i + 2;
      while (j < tokens.length && tokens[j]!.kind === "word" && words.length < 3) {
        words.push(tokens[j]!.text);
        j++;
        if (words[0] === "tcp" && words.length === 2) break;
        if (words.length >= 2 && words[words.length - 1] !== "type") break;
      }
      if (words[0] === "tcp" && words[1] === "reset")
        return { verdict: { kind: "reject", with: "tcp-reset" }, next: j };
      const code = REJECT_WITH[words[words.length - 1] ?? ""];
      if (!code || !/^icmpx?$/.test(words[0] ?? ""))
        throw new Unreadable(tokens[i + 2], "a reject type kubehop does not know");
      return { verdict: { kind: "reject", with: code }, next: j };
    }
    default:
      return undefined;
  }
}

const ELEMENT_OPTIONS = new Set(["timeout", "expires", "comment"]);

function readElement(tokens: Token[], kinds: readonly ValueKind[], verdicts: boolean): SetElement {
  const key: Dim[] = [];
  let i = 0;
  for (;;) {
    const t = tokens[i];
    if (!t || (t.kind !== "word" && t.kind !== "string"))
      throw new Unreadable(t ?? tokens[0], "an element with no value");
    const kind = kinds[key.length];
    if (!kind) throw new Unreadable(t, "an element with more parts than the set's type has");
    const d = parseDim(kind, t.text, t.kind === "string");
    if (!d) throw new Unreadable(t, `${excerpt(t.text, LINE_START_MAX)} is not a value of type ${kind}`);
    key.push(d);
    i++;
    if (tokens[i]?.text !== ".") break;
    i++;
  }
  if (key.length !== kinds.length)
    throw new Unreadable(tokens[0], "an element with fewer parts than the set's type has");
  while (i < tokens.length && ELEMENT_OPTIONS.has(tokens[i]!.text)) i += 2;
  if (tokens[i]?.text === "counter") {
    i++;
    while (tokens[i]?.text === "packets" || tokens[i]?.text === "bytes") i += 2;
  }
  let verdict: NftVerdict | undefined;
  if (tokens[i]?.text === ":") {
    if (!verdicts) throw new Unreadable(tokens[i], "map data kubehop does not use (only verdict maps are run)");
    const v = readVerdict(tokens, i + 1);
    if (!v) throw new Unreadable(tokens[i + 1] ?? tokens[i], "a map element whose data is not a verdict");
    verdict = v.verdict;
    i = v.next;
  }
  if (i < tokens.length) throw new Unreadable(tokens[i], "text after an element that nft would not write there");
  const text = tokens.map((t) => (t.kind === "string" ? JSON.stringify(t.text) : t.text)).join(" ");
  // The key copied at its length: a set of 10,000 Services keeps 10,000 of them.
  const exact = key.slice();
  return verdict ? { key: exact, verdict, text } : { key: exact, text };
}

/** The elements between `{` and `}` (exclusive), each read with the set's key kinds. */
export function readElements(tokens: readonly Token[], kinds: readonly ValueKind[], verdicts: boolean): SetElement[] {
  return splitTop(tokens).map((e) => readElement(e, kinds, verdicts));
}
