// An iptables ruleset as plain data: what the netfilter parser reads from iptables-save text, what a
// node dump keeps (parsed once, at load) and what the evaluator compiles. Matches and targets are
// normalised (MARK variants to set-xmark, statistic probabilities to the kernel's 31-bit fixed point)
// so evaluation needs no text handling. It is model data because the layers that read rules (node
// dumps, the data plane, drift) sit above the netfilter layer that parses and evaluates them.
import type { Ipv4, Prefix } from "./address.ts";
import type { Diagnostic } from "./diagnostic.ts";

export type TableName = "raw" | "mangle" | "nat" | "filter";
export type CtState = "NEW" | "ESTABLISHED" | "RELATED" | "INVALID";

export interface RuleRef {
  table: TableName;
  chain: string;
  /** 1-based position in the chain, as `iptables -L --line-numbers` counts; 0 for a chain policy. */
  index: number;
  /** The rule as iptables-save prints it, `-A CHAIN ...`; for a chain policy, `:CHAIN POLICY`. */
  text: string;
  /** Line in the iptables-save input, when the ruleset was parsed from text. */
  line?: number;
  /**
   * For an nftables rule: its family and table. `table` then names the iptables table whose place the
   * base chain it ran under takes (its type, and for filter chains its priority); `text` is the rule as written.
   */
  nft?: { readonly family: string; readonly table: string };
}

export const TABLES: readonly TableName[] = ["raw", "mangle", "nat", "filter"];

/** Built-in chains of each table; every other chain is a user chain (policy `-`). */
export const BUILTIN_CHAINS: Readonly<Record<TableName, readonly string[]>> = {
  raw: ["PREROUTING", "OUTPUT"],
  mangle: ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
  nat: ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
  filter: ["INPUT", "FORWARD", "OUTPUT"],
};

export interface Ruleset {
  readonly file: string;
  readonly tables: ReadonlyMap<TableName, Table>;
  /** A warning for every rule or option the engine cannot simulate exactly, at its line. */
  readonly diagnostics: readonly Diagnostic[];
}

export interface Table {
  readonly name: TableName;
  readonly chains: ReadonlyMap<string, Chain>;
}

export interface Chain {
  readonly name: string;
  readonly table: TableName;
  /** Built-in chains have a policy; user chains have `null` (`:NAME - [0:0]`). */
  readonly policy: "ACCEPT" | "DROP" | null;
  /** Line of the `:NAME` declaration (0 when a rule created the chain implicitly). */
  readonly line: number;
  readonly rules: readonly Rule[];
}

export interface Rule {
  readonly ref: RuleRef;
  readonly header: Header;
  readonly matches: readonly Match[];
  readonly target: Target;
  /** Set when the rule uses something kubehop cannot simulate: such a rule never matches. */
  readonly unsupported?: string;
}

export interface AddrMatch {
  readonly prefix: Prefix;
  readonly neg: boolean;
}

export interface IfaceMatch {
  readonly name: string;
  /** `eth+`: any interface whose name starts with `eth`. */
  readonly wildcard: boolean;
  readonly neg: boolean;
}

/** The fixed part of a rule the kernel checks before any match module (struct ipt_ip). */
export interface Header {
  readonly src?: AddrMatch;
  readonly dst?: AddrMatch;
  readonly proto?: { readonly name: string; readonly neg: boolean };
  readonly inIface?: IfaceMatch;
  readonly outIface?: IfaceMatch;
  /** `-f`: only non-first fragments. kubehop's packets are never fragments. */
  readonly fragment?: { readonly neg: boolean };
}

export interface PortRange {
  readonly lo: number;
  readonly hi: number;
}

export type AddrType = "LOCAL" | "UNICAST" | "BROADCAST" | "MULTICAST";

/** A ctstate the conntrack match can test: the four real states plus conntrack's virtual ones. */
export type CtStateName = CtState | "UNTRACKED" | "SNAT" | "DNAT";

export type Match =
  | { readonly kind: "comment"; readonly text: string }
  /** tcp/udp/sctp `--dport`/`--sport` and multiport `--dports`/`--sports`/`--ports`. */
  | {
      readonly kind: "ports";
      readonly proto: string | null;
      readonly which: "sport" | "dport" | "either";
      readonly ranges: readonly PortRange[];
      readonly neg: boolean;
    }
  /** tcp `--syn`: the first packet of a connection, i.e. conntrack NEW for kubehop's packets. */
  | { readonly kind: "syn"; readonly neg: boolean }
  /** statistic: matches with `probability` (already the kernel's effective value). */
  | { readonly kind: "statistic"; readonly probability: number; readonly text: string }
  | { readonly kind: "mark"; readonly value: number; readonly mask: number; readonly neg: boolean }
  | {
      readonly kind: "addrtype";
      readonly dir: "src" | "dst";
      readonly types: readonly AddrType[];
      readonly neg: boolean;
    }
  | { readonly kind: "ctstate"; readonly states: readonly CtStateName[]; readonly neg: boolean }
  | {
      readonly kind: "recent";
      readonly name: string;
      readonly mode: "set" | "rcheck" | "update" | "remove";
      /** `--rdest` keys the set by destination instead of source. */
      readonly side: "source" | "dest";
      readonly mask: number;
      readonly neg: boolean;
    }
  /** nfacct only feeds a counter: it always matches. */
  | { readonly kind: "nfacct"; readonly name: string }
  /**
   * `-m set --match-set NAME src,dst,...`: the packet's fields the flags pick, one per dimension of
   * the set's type, make an element of the set. `--return-nomatch` matches on a `nomatch` element.
   */
  | {
      readonly kind: "set";
      readonly name: string;
      readonly flags: readonly ("src" | "dst")[];
      readonly neg: boolean;
      readonly returnNomatch: boolean;
    };

export type Target =
  | { readonly kind: "none" }
  | { readonly kind: "accept" }
  | { readonly kind: "drop" }
  | { readonly kind: "reject"; readonly rejectWith: string }
  | { readonly kind: "return" }
  | { readonly kind: "jump"; readonly chain: string; readonly goto: boolean }
  | { readonly kind: "dnat"; readonly ip: Ipv4; readonly port: number | null }
  | { readonly kind: "snat"; readonly ip: Ipv4; readonly port: number | null; readonly randomFully: boolean }
  | { readonly kind: "masquerade"; readonly port: number | null; readonly randomFully: boolean }
  /** Every MARK form, normalised to the kernel's `mark = (mark & ~mask) ^ value`. */
  | { readonly kind: "mark"; readonly value: number; readonly mask: number; readonly text: string }
  /** LOG / NFLOG: no effect on the packet, recorded so a trace shows it. */
  | { readonly kind: "log"; readonly text: string }
  /** CT / NOTRACK: `notrack` stops conntrack (and so nat) for the packet; other CT options are recorded only. */
  | { readonly kind: "ct"; readonly notrack: boolean; readonly text: string };
