// nftables objects as kube-proxy's nftables mode creates them in its one table: plain data that the
// printers turn into `nft -f` input (the transaction knftables sends) or `nft list ruleset` text.

/** A set or map element: the key's parts (joined by ` . `), the verdict of a map, a comment. */
export interface NftElement {
  readonly key: readonly string[];
  readonly value?: string;
  readonly comment?: string;
}

/** A named set, or a map when `kind` is "map" (its type then ends in `: verdict`). */
export interface NftSet {
  readonly kind: "set" | "map";
  readonly name: string;
  /** As written after `type`, e.g. `ipv4_addr . inet_proto . inet_service : verdict`. */
  readonly type: string;
  readonly flags?: readonly string[];
  readonly timeoutSeconds?: number;
  readonly comment?: string;
  readonly elements: readonly NftElement[];
}

export type NftHook = "prerouting" | "input" | "forward" | "output" | "postrouting";

export interface NftBaseChain {
  readonly type: "filter" | "nat";
  readonly hook: NftHook;
  /** Numeric, as the kernel keeps it: dstnat is -100, filter 0, srcnat 100. */
  readonly priority: number;
}

/**
 * A piece of a rule that `nft list` prints differently from how kube-proxy writes it; every other
 * piece is literal text, the same in both.
 */
export type NftPart =
  | string
  /** An anonymous set of addresses or prefixes: `{ a , b }`; nft lists one element bare. */
  | { readonly kind: "addresses"; readonly items: readonly string[] }
  /** `numgen ... vmap { 0 : goto A , 1 : goto B }`: the verdict for each value, in order. */
  | { readonly kind: "vmap"; readonly verdicts: readonly string[] }
  /** kube-proxy's `mark set mark or M`, `mark set mark xor M` and `mark and M == 0`. */
  | { readonly kind: "mark"; readonly op: "or" | "xor" | "unset"; readonly mark: number }
  /** An interface name as iifname compares it (a trailing `*` is a prefix match). */
  | { readonly kind: "ifname"; readonly name: string };

/** A rule as its pieces, joined by spaces, with its comment apart. */
export interface NftRule {
  readonly parts: readonly NftPart[];
  readonly comment?: string;
}

export interface NftChain {
  readonly name: string;
  readonly base?: NftBaseChain;
  readonly comment?: string;
  readonly rules: readonly NftRule[];
}

/** One table; sets (and maps) and chains in the order they are created, which `nft list` keeps. */
export interface NftTable {
  readonly family: "ip";
  readonly name: string;
  readonly comment: string;
  readonly sets: readonly NftSet[];
  readonly chains: readonly NftChain[];
}
