// The contract between a node's IP stack (lib/dataplane/host.ts) and a netfilter ruleset.
// The stack decides routing; the ruleset decides what each hook does to the packet.
import type { Ipv4 } from "../model/address.ts";
import type { Diagnostic } from "../model/diagnostic.ts";
import type { Packet } from "../model/packet.ts";
import type { CtState, RuleRef } from "../model/ruleset.ts";

export type HookName = "PREROUTING" | "INPUT" | "FORWARD" | "OUTPUT" | "POSTROUTING";
export type Verdict = "ACCEPT" | "DROP" | "REJECT";

/** One thing a hook did to the packet, in the order it happened. */
export interface NetfilterEvent {
  kind:
    | "jump"
    | "goto"
    | "return"
    | "accept"
    | "drop"
    | "reject"
    | "dnat"
    | "snat"
    | "masquerade"
    | "mark"
    | "policy"
    | "log"
    | "affinity"
    | "notrack";
  rule: RuleRef;
  before: Packet;
  after: Packet;
  /** Human words for what happened, e.g. `DNAT to 10.244.2.5:8080`. */
  detail: string;
  /** For an nft jump or goto: the chain it went to. */
  to?: string;
  /** For an nft verdict map's verdict: the map and its element that decided, as listed. */
  element?: { readonly map: string; readonly text: string };
}

export interface HookContext {
  inIface?: string;
  outIface?: string;
  /** The source MASQUERADE writes (the kernel's choice for the out interface and next hop); absent: unknown. */
  outIfaceAddress?: Ipv4;
  /** addrtype --dst-type LOCAL / --src-type LOCAL: is this address one of the node's own? */
  isLocal: (ip: Ipv4) => boolean;
  /**
   * What the caller does not know about the node (rules read alone, without its addresses or
   * interfaces). A rule whose match asks one of these questions records the assumption it was
   * evaluated under, so the answer says what it depends on instead of stating it as fact.
   */
  unknown?: Unknowns;
  ctState: CtState;
  /** conntrack's virtual states: an earlier hook already NATed this connection (`--ctstate DNAT` / `SNAT`). */
  ctNat?: { dnat: boolean; snat: boolean };
  /** `-m recent` sets (kube-proxy's ClientIP session affinity), shared within one trace session. */
  recent: RecentSets;
}

export interface Unknowns {
  /** True when `isLocal` answered for this address by assumption (the node's addresses are not all known). */
  readonly local: (ip: Ipv4) => boolean;
  /** An interface name the walk assumed (a default, not given): a rule testing it records the assumption. */
  readonly inIface?: string;
  readonly outIface?: string;
  /** When outIfaceAddress is not known: the MASQUERADE source assumed (the first of several --local-ip), or absent. */
  readonly masqueradeSource?: Ipv4;
}

/** A fact a rule was evaluated under without the input giving it. */
export type Assumption =
  | {
      readonly kind: "not-local";
      readonly ip: Ipv4;
      readonly rule?: RuleRef;
      readonly hook: HookName;
      /** The test as its engine writes it, when not iptables' `addrtype LOCAL` (nft's `fib daddr type`). */
      readonly test?: string;
    }
  | {
      readonly kind: "iface";
      readonly dir: "in" | "out";
      /** The interface the walk assumed. */
      readonly assumed: string;
      /** The `-i`/`-o` the rule tests. */
      readonly tested: string;
      readonly rule: RuleRef;
      readonly hook: HookName;
    }
  | { readonly kind: "masquerade-source"; readonly iface: string; readonly ip?: Ipv4; readonly rule: RuleRef };

/** `-m recent` state: set name -> source addresses seen, with no clock: kubehop has no wall time. */
export type RecentSets = Map<string, Set<Ipv4>>;

export interface HookBranch {
  /** Probability of this branch given the packet reached the hook (branches of one call sum to 1). */
  probability: number;
  /** Why this branch and not another, e.g. `statistic random 0.33333 matched` / `did not match`. */
  choices: string[];
  verdict: Verdict;
  /** REJECT's --reject-with, e.g. `icmp-port-unreachable`. */
  rejectWith?: string;
  packet: Packet;
  events: NetfilterEvent[];
  /** Set when this hook changed the destination (nat PREROUTING/OUTPUT). */
  dnat?: { ip: Ipv4; port: number };
  /** Set when this hook changed the source (nat POSTROUTING/INPUT): SNAT or MASQUERADE. */
  snat?: { ip: Ipv4; port: number; masquerade: boolean };
  /** Recent-set changes this branch made (copy-on-write for the caller to keep per branch). */
  recent: RecentSets;
  /** What this branch's answer assumed (see HookContext.unknown), oldest first; empty when all was known. */
  assumptions: readonly Assumption[];
}

/** A ruleset that can run a hook. Both parsed iptables-save text and generated rules implement it. */
export interface Netfilter {
  runHook(hook: HookName, packet: Packet, ctx: HookContext): HookBranch[];
  /** Rules the engine could not interpret or approximates: never silently skipped. */
  readonly diagnostics: readonly Diagnostic[];
}
