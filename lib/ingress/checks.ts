// The checks nginx makes on a request at its location before proxying it, as facts: the body's size
// against client_max_body_size (find-config phase: 413) and the source address against the
// allow/deny rules the source-range annotations render (access phase: 403). nginx's rules are
// rendered deny entries first, then allow entries and `deny all`; the first that matches decides.
import { formatIpv4, type Ipv4, prefixContains } from "../model/address.ts";
import { ingressKey } from "../model/ingress.ts";
import type { SettingFrom, SourceRule } from "./annotations.ts";
import type { Location } from "./servers.ts";

export interface BodySizeCheck {
  readonly kind: "body-size";
  /** The request's Content-Length, in bytes. */
  readonly size: number;
  readonly limit: number;
  /** As written, "1m" for the configmap's default. */
  readonly limitText: string;
  readonly from: SettingFrom;
  readonly configMap?: string;
  readonly ingress?: string;
  readonly ok: boolean;
}

export interface SourceRangeCheck {
  readonly kind: "source-range";
  /** remote_addr: the source address of the connection nginx accepted. */
  readonly clientIp: string;
  /** Where clientIp comes from when not the connection: X-Forwarded-For (use-forwarded-headers). */
  readonly clientIpFrom?: "x-forwarded-for";
  readonly annotation: string;
  readonly ranges: readonly string[];
  /** The entry that matched; absent when `deny all` decided. */
  readonly matched?: string;
  readonly ingress: string;
  readonly ok: boolean;
}

export type LocationCheck = BodySizeCheck | SourceRangeCheck;

/** client_max_body_size; 0 turns it off, and no Content-Length means no check before reading the body. */
export function bodySizeCheck(loc: Location, size: number | undefined): BodySizeCheck | undefined {
  const limit = loc.annotations.bodyLimit;
  if (size === undefined || limit.bytes === 0) return undefined;
  return {
    kind: "body-size",
    size,
    limit: limit.bytes,
    limitText: limit.text,
    from: limit.from,
    ...(limit.configMap !== undefined ? { configMap: limit.configMap } : {}),
    ...(loc.ingress ? { ingress: ingressKey(loc.ingress) } : {}),
    ok: size <= limit.bytes,
  };
}

export function sourceRangeCheck(
  loc: Location,
  client: Ipv4 | undefined,
  fromHeader = false,
): SourceRangeCheck | undefined {
  const { allow, deny } = loc.annotations;
  if (client === undefined || !loc.ingress || (!allow && !deny)) return undefined;
  const base = {
    kind: "source-range",
    clientIp: formatIpv4(client),
    ...(fromHeader ? { clientIpFrom: "x-forwarded-for" as const } : {}),
    ingress: ingressKey(loc.ingress),
  } as const;
  const hit = (rule: NonNullable<typeof allow>) =>
    rule.ranges.prefixes.find((p) => prefixContains(p, client))?.text.replace(/\/32$/, "");
  const denied = deny && hit(deny);
  if (deny && denied !== undefined) return { ...base, ...ruleOf(deny), matched: denied, ok: false };
  if (!allow) return { ...base, ...ruleOf(deny!), ok: true };
  const allowed = hit(allow);
  return {
    ...base,
    ...ruleOf(allow),
    ...(allowed !== undefined ? { matched: allowed } : {}),
    ok: allowed !== undefined,
  };
}

/** The rule as a check names it: its annotation (or ConfigMap key), ranges, and the ConfigMap it is from. */
function ruleOf(rule: SourceRule): { annotation: string; ranges: readonly string[]; configMap?: string } {
  return {
    annotation: rule.annotation,
    ranges: rule.ranges.text,
    ...(rule.configMap !== undefined ? { configMap: rule.configMap } : {}),
  };
}
