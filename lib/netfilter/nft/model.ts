// An nftables ruleset as plain data, as the reader builds it from `nft list ruleset` text or `nft -f`
// input: tables of any family with their chains, sets and maps; rules as lists of expressions that run
// in order, as the kernel runs them. What the reader could not understand is kept (a rule with
// `unreadable`) so that it is reported and never silently dropped.
import type { Diagnostic } from "../../model/diagnostic.ts";
import type { Ipv4 } from "../../model/address.ts";
import type { RuleRef } from "../../model/ruleset.ts";
import type { Packet } from "../../model/packet.ts";
import type { HookContext, HookName } from "../hooks.ts";

export type Family = "ip" | "ip6" | "inet" | "arp" | "bridge" | "netdev";
export const FAMILIES: readonly Family[] = ["ip", "ip6", "inet", "arp", "bridge", "netdev"];

export interface NftRuleset {
  readonly file: string;
  readonly tables: readonly NftTable[];
  readonly diagnostics: readonly Diagnostic[];
}

export interface NftTable {
  readonly family: Family;
  readonly name: string;
  readonly line: number;
  readonly chains: Map<string, NftChain>;
  readonly sets: Map<string, NftSet>;
}

export interface BaseHook {
  readonly type: "filter" | "nat" | "route";
  readonly hook: HookName | "ingress" | "egress";
  readonly priority: number;
  readonly policy: "accept" | "drop";
}

export interface NftChain {
  readonly name: string;
  readonly line: number;
  base?: BaseHook;
  readonly rules: NftRule[];
}

/** What a packet field is compared as: the key types of nft's sets and the selectors that yield them. */
export type ValueKind = "ip" | "proto" | "port" | "int" | "ifname" | "ctstate" | "ctstatus" | "fibtype";

/** One dimension of a value: a closed numeric range (a single value has lo === hi) or an interface name. */
export type Dim =
  | { readonly lo: number; readonly hi: number }
  /** `eth*`: any name starting with `eth`. */
  | { readonly name: string; readonly wildcard: boolean };

export type NftVerdict =
  | { readonly kind: "accept" | "drop" | "return" | "continue" }
  | { readonly kind: "reject"; readonly with: string }
  | {
      readonly kind: "jump" | "goto";
      readonly chain: string;
      /** The chain of its table it goes to, found by a walk the first time (null: there is none). */
      target: NftChain | null | undefined;
    };

export interface SetElement {
  readonly key: readonly Dim[];
  readonly verdict?: NftVerdict;
  /** The element as written, for traces: `172.30.0.41 . tcp . 80 : goto service-...`. */
  readonly text: string;
}

export interface NftSet {
  readonly name: string;
  readonly line: number;
  readonly kinds: readonly ValueKind[];
  /** A map whose data is a verdict (`: verdict`); other maps are read but their data not used. */
  readonly verdictMap: boolean;
  readonly isMap: boolean;
  /** `flags dynamic`: filled by the data path (`update @set`), kept per trace. */
  readonly dynamic: boolean;
  readonly elements: SetElement[];
}

/** A packet field a rule tests; a concatenation is several. */
export type Field =
  | { readonly kind: "saddr" | "daddr" | "l4proto" | "sport" | "dport" | "mark" | "iifname" | "oifname" }
  | { readonly kind: "ctstate" | "ctstatus" | "nfproto" }
  | { readonly kind: "fib"; readonly dir: "saddr" | "daddr" }
  /** `numgen random mod N offset O`: a value the walk forks on. */
  | { readonly kind: "numgen"; readonly mod: number; readonly offset: number };

export interface Selector {
  readonly fields: readonly Field[];
  /** The `numgen` field among them, found once when read: the walk forks where it is evaluated. */
  readonly draw: Extract<Field, { kind: "numgen" }> | undefined;
  /** Whether a field asks what rules read alone do not say (fib, interfaces): see selectors.ts's asksNode. */
  readonly asksNode: boolean;
  /** `meta mark & 0x4000`: the value is masked first (and the other binary operators). */
  readonly binop?: { readonly op: "&" | "|" | "^"; readonly value: number };
  /** `tcp dport` also requires the protocol, as nft adds a dependency on it. */
  readonly proto?: number;
}

/** A set's elements made ready for lookups (sets.ts builds it): the element that holds a key, if any. */
export interface SetIndex {
  find(values: readonly (number | string)[]): SetElement | undefined;
}

/**
 * Where a lookup's elements come from. A rule belongs to one table, whose sets are fixed once read, so
 * a walk finds the named set and indexes the elements once, the first time, and keeps them here.
 */
export type SetSource =
  | {
      readonly kind: "named";
      readonly name: string;
      /** The table's set of that name (null: there is none). */
      found: NftSet | null | undefined;
      index: SetIndex | undefined;
    }
  | { readonly kind: "anonymous"; readonly elements: readonly SetElement[]; index: SetIndex | undefined };

export type Expr =
  | {
      readonly kind: "cmp";
      readonly sel: Selector;
      readonly neg: boolean;
      readonly op: "eq" | "lt" | "gt" | "le" | "ge";
      readonly values: readonly (readonly Dim[])[];
    }
  | { readonly kind: "lookup"; readonly sel: Selector; readonly neg: boolean; readonly set: SetSource }
  | { readonly kind: "vmap"; readonly sel: Selector; readonly map: SetSource }
  | { readonly kind: "verdict"; readonly verdict: NftVerdict }
  | {
      readonly kind: "dnat" | "snat";
      readonly ip: Ipv4;
      readonly port: number | null;
      /**
       * With a port, the address the statement writes and its event's detail, made once by the reader:
       * every branch through the statement shares them (null: the port is the packet's own).
       */
      readonly fixed: { readonly to: NatTo; readonly detail: string } | null;
    }
  | { readonly kind: "masquerade"; readonly port: number | null; readonly fullyRandom: boolean }
  /** `meta mark set ...`, normalised to mark = (mark & and) ^ xor. */
  | { readonly kind: "setmark"; readonly and: number; readonly xor: number; readonly text: string }
  | { readonly kind: "setupdate"; readonly set: string; readonly sel: Selector; readonly op: "add" | "update" }
  | { readonly kind: "notrack" }
  /** Counters, comments, logs: no effect on the packet. */
  | { readonly kind: "note"; readonly text: string };

/** Where a NAT statement sends the packet. */
export interface NatTo {
  readonly ip: Ipv4;
  readonly port: number;
}

/** A level of the call stack: a jump goes back to rule `ri` of `chain`; a goto never goes back. */
export interface Frame {
  readonly chain: NftChain;
  readonly ri: number;
  readonly goto: boolean;
  /** Levels down to the base chain, this one included: nf_tables' jump stack holds 16. */
  readonly depth: number;
  /**
   * The rule and expression that jumped: with the levels below, where this level stands in the
   * walk's order. A walk only moves forward in this order, which is what lets branches meet.
   */
  readonly at: number;
  readonly k: number;
  readonly parent: Frame | null;
}

/** What a walk knows of the connection beyond the packet. */
export interface ConnView {
  readonly packet: Packet;
  readonly untracked: boolean;
  readonly ctDnat: boolean;
  readonly ctSnat: boolean;
  /** The value `numgen` drew on this branch, while the expression that drew it runs. */
  readonly drawn: number | undefined;
}

/** A rule's leading tests (comparisons and lookups before its first statement) as one function (rule-tests.ts). */
export interface RuleTest {
  /** How many of the rule's expressions the test stands for: the walk runs the rest. */
  readonly count: number;
  holds(c: ConnView, ctx: HookContext): boolean;
}

export interface NftRule {
  readonly chain: string;
  /** 1-based position in its chain. */
  readonly index: number;
  readonly line: number;
  /** The rule as written (blanks collapsed). */
  readonly text: string;
  readonly exprs: readonly Expr[];
  /** Whether an expression draws a number (numgen): the rule after it is where forked branches may meet. */
  readonly draws: boolean;
  /** Whether an expression tests what rules read alone do not say: only there may a walk assume. */
  readonly asks: boolean;
  /** Why the rule cannot be evaluated: it never matches (as in the iptables engine), and is reported. */
  readonly unreadable: string | undefined;
  /** The rule's reference as reached from each base chain (by the engine's number for it), made once by a walk. */
  refs: RuleRef[] | undefined;
  /** Its leading tests, made by a walk the first time it reaches the rule (null: it has none to make). */
  test: RuleTest | null | undefined;
  /** The call frames jumps from this rule pushed, shared by the branches that jump from here (branch.ts's frameOf). */
  frames: Frame[] | undefined;
}
