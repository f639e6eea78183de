// A base chain's `type T hook H [device D] priority P; policy X;`, with nft's named priorities
// (raw -300, mangle -150, dstnat -100, filter 0, security 50, srcnat 100) and offsets (`dstnat - 10`).
import { excerpt } from "../../model/excerpt.ts";
import { Unreadable } from "./elements.ts";
import type { Token } from "./lexer.ts";
import type { BaseHook } from "./model.ts";
import type { HookName } from "../hooks.ts";

const PRIORITIES: Readonly<Record<string, number>> = {
  raw: -300,
  mangle: -150,
  dstnat: -100,
  filter: 0,
  security: 50,
  srcnat: 100,
};

const HOOKS: Readonly<Record<string, BaseHook["hook"]>> = {
  prerouting: "PREROUTING",
  input: "INPUT",
  forward: "FORWARD",
  output: "OUTPUT",
  postrouting: "POSTROUTING",
  ingress: "ingress",
  egress: "egress",
};

// The program's own strings for what every packet's walk compares (`type === "nat"`, `policy ===
// "drop"`): the token's text is a copy of the input, which the walk would compare letter by letter.
const TYPES = { filter: "filter", nat: "nat", route: "route" } as const;
const POLICIES = { accept: "accept", drop: "drop" } as const;

function priority(tokens: readonly Token[], i: number): number {
  const first = tokens[i]?.text ?? "";
  let p = PRIORITIES[first] ?? (/^-?\d+$/.test(first) ? Number(first) : undefined);
  if (p === undefined)
    throw new Unreadable(tokens[i] ?? tokens[i - 1], `priority ${excerpt(first)} is not a number or a known name`);
  const sign = tokens[i + 1]?.text;
  if (sign === "+" || sign === "-") {
    const n = Number(tokens[i + 2]?.text);
    if (!Number.isInteger(n))
      throw new Unreadable(tokens[i + 2] ?? tokens[i + 1], "a priority offset that is not a number");
    p += sign === "+" ? n : -n;
  }
  return p;
}

/** A policy's word as the program's own string; `at` is where an error points when the word is missing. */
function readPolicy(word: Token | undefined, at: Token): BaseHook["policy"] {
  const policy = word?.text;
  if (policy !== "accept" && policy !== "drop") throw new Unreadable(word ?? at, "a policy other than accept or drop");
  return POLICIES[policy];
}

/** Reads one `type ...` or `policy ...` statement into the chain's base hook (policy first is kept for later). */
export function readBase(st: readonly Token[], base: BaseHook | undefined): BaseHook {
  const w = (k: string) => st.findIndex((t) => t.text === k);
  if (st[0]!.text === "policy") {
    const policy = readPolicy(st[1], st[0]!);
    if (!base) throw new Unreadable(st[0], "a policy on a chain with no hook");
    return { ...base, policy };
  }
  const type = st[1]?.text;
  if (type !== "filter" && type !== "nat" && type !== "route")
    throw new Unreadable(st[1] ?? st[0], `chain type ${excerpt(type ?? "")}`);
  const h = w("hook");
  const hook = HOOKS[st[h + 1]?.text ?? ""];
  if (h < 0 || !hook) throw new Unreadable(st[h + 1] ?? st[0], "a base chain with no hook kubehop knows");
  const p = w("priority");
  if (p < 0) throw new Unreadable(st[0], "a base chain with no priority");
  const pol = w("policy");
  const policy = pol >= 0 ? readPolicy(st[pol + 1], st[0]!) : (base?.policy ?? POLICIES.accept);
  return { type: TYPES[type], hook: hook as HookName, priority: priority(st, p + 1), policy };
}
