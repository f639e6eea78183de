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

/** A rule as kube-proxy writes it (knftables' text), with its comment apart. */
export interface NftRule {
  readonly text: string;
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
