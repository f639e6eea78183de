// The assertions kubehop knows, as data: one condition is tested against one branch of a trace.
// The chai plugin and `kubehop check` both build these and hand them to evaluate().
import { FAILURE_DISPOSITIONS, type Branch, type Disposition, type HopAt } from "../trace/types.ts";
import type { AssertContext } from "./context.ts";
import {
  deliveredTo,
  endAt,
  ending,
  endLocation,
  endPod,
  endpointText,
  hopsCrossed,
  isDelivered,
  sourceRewrites,
  sourceSeen,
} from "./facts.ts";
import {
  describeGateway,
  type GatewayCondition,
  gatewayConditionProblem,
  holdsForGateway,
} from "./gateway-conditions.ts";

/** Which Ingress rule answered: any field left out matches anything. */
export interface IngressRuleRef {
  /** `namespace/name` of the Ingress. */
  readonly ingress?: string;
  readonly host?: string;
  /** The rule's path as written in the Ingress, e.g. `/api`. */
  readonly path?: string;
  readonly pathType?: string;
  /** The backend Service's name, as written in the Ingress. */
  readonly service?: string;
}

export type Condition =
  | { readonly kind: "delivered" }
  | { readonly kind: "reach"; readonly target: string }
  | { readonly kind: "dropped"; readonly disposition?: Disposition }
  | { readonly kind: "status"; readonly code: number }
  | { readonly kind: "through"; readonly location: string }
  | { readonly kind: "sourceIP"; readonly ip: string }
  | { readonly kind: "masqueraded" }
  | { readonly kind: "ingressRule"; readonly rule: IngressRuleRef }
  | GatewayCondition;

/** A condition, possibly negated (`.not` in chai; `notThrough`, `masqueraded: false` in YAML). */
export interface Check {
  readonly condition: Condition;
  readonly negate: boolean;
}

/**
 * A condition that names something malformed or unknown; chai throws it, `kubehop check` reports it with a position.
 */
export class AssertionInputError extends Error {
  override name = "AssertionInputError";
}

export type Target =
  | { readonly kind: "pod"; readonly namespace: string; readonly name: string }
  | { readonly kind: "service"; readonly service: string }
  | { readonly kind: "location"; readonly location: string }
  | { readonly kind: "address"; readonly ip: string; readonly port?: number };

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

export const TARGET_FORMS = "pod/NS/NAME, NS/NAME, svc/NS/NAME, node/NAME, client/NAME, IP or IP:PORT";

/** `pod/NS/NAME` | `NS/NAME` | `svc/[NS/]NAME` | `node/NAME` | `client/NAME` | `IP[:PORT]`. */
export function parseTarget(text: string): Target {
  const bad = (why: string) => new AssertionInputError(`reach("${text}"): ${why}; expected ${TARGET_FORMS}`);
  const parts = text.split("/");
  if (parts[0] === "svc") {
    const [ns, name, more] = parts.length === 2 ? ["default", parts[1], undefined] : parts.slice(1);
    if (more !== undefined || !ns || !name || !NAME.test(ns) || !NAME.test(name))
      throw bad(
        name?.includes(":") ? "a Service is reached at any of its endpoints; leave out the port" : "not a Service name",
      );
    return { kind: "service", service: `${ns}/${name}` };
  }
  if (parts[0] === "node" || parts[0] === "client") {
    if (parts.length !== 2 || !NAME.test(parts[1]!)) throw bad(`not a ${parts[0]} name`);
    return { kind: "location", location: parts[0] === "node" ? parts[1]! : text };
  }
  if (parts[0] === "pod") parts.shift();
  if (parts.length === 2) {
    const [ns, name] = parts as [string, string];
    if (!NAME.test(ns) || !NAME.test(name)) throw bad("not a pod name");
    return { kind: "pod", namespace: ns, name };
  }
  if (parts.length === 1) {
    const m = /^([\d.]+)(?::(\d{1,5}))?$/.exec(text);
    if (m && IPV4.test(m[1]!) && (m[2] === undefined || (Number(m[2]) >= 1 && Number(m[2]) <= 65535))) {
      return { kind: "address", ip: m[1]!, ...(m[2] !== undefined ? { port: Number(m[2]) } : {}) };
    }
    if (text.startsWith("pod/") || NAME.test(text)) throw bad("give the namespace too");
  }
  throw bad("not a target");
}

/** Checks what can be checked without a trace: syntax, known dispositions, known Services. */
export function validateCondition(c: Condition, ctx?: AssertContext): void {
  if (c.kind === "gateway" || c.kind === "route" || c.kind === "upstream") {
    const problem = gatewayConditionProblem(c);
    if (problem) throw new AssertionInputError(problem);
  } else if (c.kind === "reach") {
    const t = parseTarget(c.target);
    if (t.kind === "service" && ctx && !ctx.endpoints(t.service)) {
      throw new AssertionInputError(
        `reach("${c.target}"): no Service ${t.service}; Services: ${ctx.services.join(", ") || "(none)"}`,
      );
    }
  } else if (
    c.kind === "dropped" &&
    c.disposition !== undefined &&
    !(FAILURE_DISPOSITIONS as readonly string[]).includes(c.disposition)
  ) {
    throw new AssertionInputError(
      `dropped("${c.disposition}"): not a failure disposition; expected one of ${FAILURE_DISPOSITIONS.join(", ")}`,
    );
  } else if (c.kind === "status" && !(Number.isInteger(c.code) && c.code >= 100 && c.code <= 599)) {
    throw new AssertionInputError(`status(${c.code}): expected an HTTP status code 100-599`);
  } else if (c.kind === "sourceIP" && !IPV4.test(c.ip)) {
    throw new AssertionInputError(`sourceIP("${c.ip}"): expected an IPv4 address like 198.51.100.10`);
  } else if (c.kind === "through" && (c.location === "" || c.location.endsWith("/"))) {
    throw new AssertionInputError(
      `through("${c.location}"): expected a hop location like node-3, node-3/wg0, lb/edge or pod/shop/api`,
    );
  }
}

/** The condition in words, to follow "expected every branch to". */
export function describe(check: Check): string {
  const c = check.condition;
  const not = check.negate;
  switch (c.kind) {
    case "delivered":
      return not ? "not be delivered" : "be delivered";
    case "reach":
      return `${not ? "not reach" : "reach"} ${c.target}`;
    case "dropped":
      return `${not ? "not be dropped" : "be dropped"}${c.disposition ? ` with ${c.disposition}` : ""}`;
    case "status":
      return `${not ? "not be answered" : "be answered"} HTTP ${c.code}`;
    case "through":
      return `${not ? "not pass through" : "pass through"} ${c.location}`;
    case "sourceIP":
      return `arrive with ${not ? "a source IP other than" : "source IP"} ${c.ip}`;
    case "masqueraded":
      return not ? "keep its source address (no masquerade or SNAT)" : "be masqueraded (or SNATed)";
    case "ingressRule":
      return `${not ? "not match" : "match"} Ingress rule ${ruleText(c.rule)}`;
    case "gateway":
    case "route":
    case "upstream":
      return describeGateway(c, not);
  }
}

export function ruleText(r: IngressRuleRef): string {
  const parts = [r.ingress ?? "(any Ingress)"];
  if (r.host !== undefined) parts.push(`host ${r.host}`);
  if (r.path !== undefined) parts.push(`path ${r.path}`);
  if (r.pathType !== undefined) parts.push(`(${r.pathType})`);
  if (r.service !== undefined) parts.push(`-> ${r.service}`);
  return parts.join(" ");
}

export interface Outcome {
  /** Whether the branch satisfies the check (negation applied). */
  readonly ok: boolean;
  /** What the branch actually did, as far as this check cares. */
  readonly saw: string;
}

export function test(check: Check, b: Branch, ctx?: AssertContext): Outcome {
  const { holds, saw } = holdsFor(check.condition, b, ctx);
  return { ok: holds !== check.negate, saw };
}

function holdsFor(c: Condition, b: Branch, ctx?: AssertContext): { holds: boolean; saw: string } {
  switch (c.kind) {
    case "delivered":
      return { holds: isDelivered(b), saw: `${ending(b)}: ${b.reason}` };
    case "dropped": {
      const failed = !isDelivered(b);
      const holds =
        failed &&
        (c.disposition === undefined || b.disposition === c.disposition || b.reply?.disposition === c.disposition);
      return { holds, saw: `${ending(b)}: ${b.reason}` };
    }
    case "reach":
      return reach(c.target, b, ctx);
    case "status":
      return {
        holds: b.http?.status === c.code,
        saw: b.http
          ? `HTTP ${b.http.status}${b.http.pod ? ` from pod ${b.http.pod}` : ""} (${b.disposition})`
          : `no HTTP answer: ${ending(b)}: ${b.reason}`,
      };
    case "through": {
      const crossed = hopsCrossed(b);
      const hits = crossed.filter((h) => locationMatches(c.location, h.at, ctx)).map((h) => h.location);
      return {
        holds: hits.length > 0,
        saw: `passes through ${(hits.length ? hits : crossed.map((h) => h.location)).join(", ")}`,
      };
    }
    case "sourceIP": {
      const seen = sourceSeen(b);
      return {
        holds: isDelivered(b) && seen === c.ip,
        saw:
          seen === undefined || !isDelivered(b)
            ? `not delivered: ${ending(b)}: ${b.reason}`
            : `${endLocation(b)} sees source ${seen}`,
      };
    }
    case "masqueraded": {
      const rewrites = sourceRewrites(b);
      return {
        holds: rewrites.length > 0,
        saw: rewrites.length
          ? rewrites.map((r) => `${r.location}: ${r.step.action} ${r.step.reason}`).join("; ")
          : "no masquerade or SNAT on the request path",
      };
    }
    case "ingressRule": {
      const h = b.http;
      if (!h?.ingress)
        return {
          holds: false,
          saw: h
            ? `HTTP ${h.status} without an Ingress rule (${b.reason})`
            : `no Ingress rule answered: ${ending(b)}: ${b.reason}`,
        };
      const r = c.rule;
      const holds =
        (r.ingress === undefined || r.ingress === h.ingress) &&
        (r.host === undefined || r.host === h.host) &&
        (r.path === undefined || r.path === h.path) &&
        (r.pathType === undefined || r.pathType === h.pathType) &&
        (r.service === undefined || r.service === h.backend?.service);
      const matched = ruleText({
        ingress: h.ingress,
        ...(h.host !== undefined ? { host: h.host } : {}),
        ...(h.path !== undefined ? { path: h.path } : {}),
        ...(h.pathType !== undefined ? { pathType: h.pathType } : {}),
        ...(h.backend ? { service: h.backend.service } : {}),
      });
      return { holds, saw: `matched Ingress rule ${matched}` };
    }
    case "gateway":
    case "route":
    case "upstream":
      return holdsForGateway(c, b);
  }
}

function reach(text: string, b: Branch, ctx?: AssertContext): { holds: boolean; saw: string } {
  const target = parseTarget(text);
  const to = deliveredTo(b);
  const end = endAt(b);
  const saw = isDelivered(b)
    ? `delivered to ${endLocation(b)}${to ? ` (${endpointText(to)})` : ""}`
    : `not delivered: ${ending(b)}: ${b.reason}`;
  if (!isDelivered(b) || !end) return { holds: false, saw };
  switch (target.kind) {
    case "pod":
      return { holds: locationMatches(`pod/${target.namespace}/${target.name}`, end, ctx), saw };
    case "location":
      return { holds: locationMatches(target.location, end, ctx), saw };
    case "address":
      return {
        holds: to !== undefined && to.ip === target.ip && (target.port === undefined || to.port === target.port),
        saw,
      };
    case "service": {
      if (!ctx)
        throw new AssertionInputError(
          `reach("${text}"): the trace does not know its cluster, so the Service's endpoints are unknown; trace ` +
            `with kubehop's loadTopology()`,
        );
      const eps = ctx.endpoints(target.service);
      if (!eps)
        throw new AssertionInputError(
          `reach("${text}"): no Service ${target.service}; Services: ${ctx.services.join(", ") || "(none)"}`,
        );
      const pod = endPod(b);
      const holds = (pod !== undefined && eps.pods.has(pod)) || (to !== undefined && eps.ips.has(to.ip));
      return { holds, saw: holds ? saw : `${saw}, not an endpoint of Service ${target.service}` };
    }
  }
}

/**
 * A hop against the location the user wrote: the same place, or a place inside it (`node-3` matches
 * every device of node-3, `node-3/wg0` its wg0; `node/node-3` is the same as `node-3`);
 * `pod/NS/NAME` also matches the pods of the workload NAME (`pod/shop/api` matches
 * `pod/shop/api-rndpbnfwlh-kp58t`). Only what the user wrote is parsed; the hop is read as typed.
 */
export function locationMatches(written: string, at: HopAt, ctx?: AssertContext): boolean {
  const [head, ...rest] = (written.startsWith("node/") ? written.slice(5) : written).split("/");
  const name = rest.join("/");
  switch (head) {
    case "underlay":
      return rest.length === 0 && at.kind === "underlay";
    case "lb":
    case "client":
      return at.kind === head && (rest.length === 0 || at.name === name);
    case "pod": {
      if (at.kind !== "pod") return false;
      const [ns, pod] = rest;
      if (ns === undefined) return true;
      if (ns !== at.namespace || rest.length > 2) return false;
      return pod === undefined || pod === at.name || ofWorkload(pod, at, ctx);
    }
    default: {
      // A node, or one of its interfaces: its IP stack, bridge0, wg0, eth0 and the pods' veths.
      if (at.kind === "pod" || !("node" in at) || at.node !== head) return false;
      return rest.length === 0 || ("iface" in at && rest.length === 1 && at.iface === name);
    }
  }
}

/** Is the pod one of the workload's? Its owner when the cluster is known, else its name's prefix. */
function ofWorkload(workload: string, at: Extract<HopAt, { kind: "pod" }>, ctx?: AssertContext): boolean {
  const owner = ctx?.owner(`${at.namespace}/${at.name}`);
  if (owner !== undefined) return owner.name === workload;
  return at.name.startsWith(`${workload}-`);
}
