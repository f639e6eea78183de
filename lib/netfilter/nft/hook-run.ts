// What one hook's walk is given (walk.ts): the base chains of the hook as the engine orders them,
// and which events decide where a packet goes, so that branches that decided alike may meet.
import type { RuleRef, TableName } from "../../model/ruleset.ts";
import type { NetfilterEvent } from "../hooks.ts";
import type { BaseHook, NftChain, NftTable } from "./model.ts";

export interface Base {
  /** The engine's number for this base chain: where rules keep their reference as reached from it. */
  readonly id: number;
  readonly table: NftTable;
  readonly chain: NftChain;
  readonly hook: BaseHook;
  readonly kind: TableName;
  /** The policy's reference and detail, made once (every walk that falls through records them). */
  readonly policyRef: RuleRef;
  readonly policyDetail: string;
}

/**
 * Whether an event of this kind decides where the packet goes or what it becomes; jumps, returns and
 * marks only lead there. A switch, not a table: looked up with a kind that varies, every event of a
 * walk, a table is a slow keyed load.
 */
export function decides(kind: NetfilterEvent["kind"]): boolean {
  switch (kind) {
    case "accept":
    case "drop":
    case "reject":
    case "dnat":
    case "snat":
    case "masquerade":
    case "policy":
    case "notrack":
      return true;
    default:
      return false;
  }
}
