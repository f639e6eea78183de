// What one hook's walk is given (walk.ts): the base chains of the hook as the engine orders them,
// and which events decide where a packet goes, so that branches that decided alike may meet.
import type { RuleRef, TableName } from "../../model/ruleset.ts";
import type { HookContext, HookName, NetfilterEvent } from "../hooks.ts";
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

/** What one hook's walk is given: the same for every branch it walks. */
export interface HookRun {
  readonly hook: HookName;
  readonly bases: readonly Base[];
  readonly ctx: HookContext;
  /** Whether a base chain's accepting policy is recorded as an event (a node's walk lists it nowhere). */
  readonly policyAccepts: boolean;
}

/** Events that decide where the packet goes or what it becomes; jumps, returns and marks only lead there. */
export const DECIDING: Readonly<Partial<Record<NetfilterEvent["kind"], true>>> = {
  accept: true,
  drop: true,
  reject: true,
  dnat: true,
  snat: true,
  masquerade: true,
  policy: true,
  notrack: true,
};
