// One branch of a hook's walk through nft rules: where it is (base chain, chain, rule, expression,
// call stack) and what it carries (the packet, its probability and choices, events, NAT and
// conntrack facts, assumptions). A branch is owned by one walk at a time and changed in place; a
// numgen fork copies it.
import type { Packet } from "../../model/packet.ts";
import type { Assumption, NetfilterEvent, RecentSets, Verdict } from "../hooks.ts";
import type { NftChain } from "./model.ts";
import type { ConnView } from "./packet-fields.ts";

export interface Frame {
  readonly chain: NftChain;
  readonly ri: number;
  readonly parent: Frame | null;
}

/** Where a branch is: base chain `bi`, rule `ri` of `chain`, expression `k`, with its call stack. */
export interface Pos {
  bi: number;
  chain: NftChain;
  ri: number;
  k: number;
  stack: Frame | null;
}

export class Branch implements ConnView {
  drawn: number | undefined = undefined;
  verdict: Verdict = "ACCEPT";
  rejectWith: string | undefined;
  dnat: { ip: number; port: number } | undefined;
  snat: { ip: number; port: number; masquerade: boolean } | undefined;
  /** What this branch's answer assumed, oldest first (HookContext.unknown). */
  assumptions: Assumption[] = [];
  constructor(
    public packet: Packet,
    public probability: number,
    public choices: string[],
    public events: NetfilterEvent[],
    public recent: RecentSets,
    public untracked: boolean,
    public ctDnat: boolean,
    public ctSnat: boolean,
  ) {}

  fork(probability: number, choice: string): Branch {
    const b = new Branch(
      this.packet,
      probability,
      [...this.choices, choice],
      [...this.events],
      this.recent,
      this.untracked,
      this.ctDnat,
      this.ctSnat,
    );
    b.dnat = this.dnat;
    b.snat = this.snat;
    b.assumptions = [...this.assumptions];
    return b;
  }
}

/** Back to the rule after the jump that entered the current chain. */
export function pop(pos: Pos): void {
  const f = pos.stack!;
  pos.chain = f.chain;
  pos.ri = f.ri;
  pos.k = 0;
  pos.stack = f.parent;
}
