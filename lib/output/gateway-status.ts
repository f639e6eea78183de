// The Gateway API status as validate prints it, and its published JSON shape (the `gatewayApi` part of
// schemas/validate.schema.json): a condition reads "Accepted True", with its reason and message only
// where they say more than the type does.
import { z } from "zod";
import type { GatewayApiStatusReport, RouteParentStatusReport } from "../gateway/status-report.ts";
import type { Condition } from "../model/gateway.ts";
import { safe } from "./terminal.ts";

/** Reasons that only restate a healthy condition. */
const PLAIN_REASONS: ReadonlySet<string> = new Set(["Accepted", "ResolvedRefs", "Programmed", "NoConflicts"]);

function conditionText(c: Condition): string {
  const why = PLAIN_REASONS.has(c.reason) && c.message === "" ? "" : c.reason + (c.message ? `: ${c.message}` : "");
  return `${c.type} ${c.status}${why ? ` (${why})` : ""}`;
}

const conditionsText = (cs: readonly Condition[]) => cs.map(conditionText).join(", ");
const where = (at: string | undefined) => (at ? `, ${at}` : "");

function parentText(p: RouteParentStatusReport): string {
  const section = [
    p.sectionName !== undefined ? `section ${p.sectionName}` : "",
    p.port !== undefined ? `port ${p.port}` : "",
  ]
    .filter(Boolean)
    .join(" ");
  return `    parent ${p.kind} ${p.parent}${section ? ` ${section}` : ""}: ${conditionsText(p.conditions)}\n`;
}

/**
 * Empty when the input holds no Gateway API object. An object's line names it and where it is
 * written; its conditions follow on the next line, indented.
 */
export function gatewayStatusText(report: GatewayApiStatusReport): string {
  if (report.gateways.length === 0 && report.routes.length === 0) return "";
  const lines = ["Gateway API status:\n"];
  for (const gw of report.gateways) {
    lines.push(`  Gateway ${gw.gateway} (class ${gw.gatewayClassName})${where(gw.at)}\n`);
    lines.push(`    ${conditionsText(gw.conditions)}\n`);
    for (const l of gw.listeners) {
      const routes = `${l.attachedRoutes} route${l.attachedRoutes === 1 ? "" : "s"} attached`;
      lines.push(
        `    listener ${l.name} (${l.protocol} ${l.port}, ${l.hostname ?? "any host"})${where(l.at)}: ${routes}\n`,
      );
      lines.push(`      ${conditionsText(l.conditions)}\n`);
    }
  }
  for (const r of report.routes) {
    lines.push(`  ${r.kind} ${r.route}${where(r.at)}${r.parents.length === 0 ? ": no parentRefs" : ""}\n`);
    for (const p of r.parents) lines.push(parentText(p));
  }
  return lines.map((l) => `${safe(l.slice(0, -1))}\n`).join("");
}

const ConditionSchema = z.strictObject({
  type: z.string().meta({ description: "Accepted, ResolvedRefs, Programmed or Conflicted" }),
  status: z.enum(["True", "False"]),
  reason: z.string().meta({ description: "the Gateway API's reason, e.g. NotAllowedByListeners, RefNotPermitted" }),
  message: z.string().meta({ description: "why, in words; empty when the reason says it all" }),
});

const at = z.string().optional().meta({ description: "FILE:LINE where the object (or listener) is written" });

export const GatewayApiStatusSchema = z
  .strictObject({
    gateways: z.array(
      z.strictObject({
        gateway: z.string().meta({ description: "namespace/name" }),
        gatewayClassName: z.string(),
        at,
        conditions: z.array(ConditionSchema),
        listeners: z.array(
          z.strictObject({
            name: z.string(),
            port: z.number().int(),
            protocol: z.string(),
            hostname: z.string().optional().meta({ description: "absent: the listener takes any host" }),
            at,
            supportedKinds: z.array(z.string()).meta({ description: "route kinds the listener takes" }),
            attachedRoutes: z.number().int().min(0),
            conditions: z.array(ConditionSchema),
          }),
        ),
      }),
    ),
    routes: z.array(
      z.strictObject({
        kind: z.enum(["HTTPRoute", "GRPCRoute"]),
        route: z.string().meta({ description: "namespace/name" }),
        at,
        parents: z.array(
          z.strictObject({
            parent: z.string().meta({ description: "namespace/name of the parent the parentRef names" }),
            kind: z.string(),
            sectionName: z.string().optional(),
            port: z.number().int().optional(),
            conditions: z.array(ConditionSchema).meta({ description: "Accepted and ResolvedRefs for this parent" }),
          }),
        ),
      }),
    ),
  })
  .meta({ description: "the status a conformant Gateway API controller would write, as kubehop computes it" });

// Compile-time proof that the schema describes the report exactly.
type Equals<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Mutable<T> = T extends readonly (infer U)[]
  ? Mutable<U>[]
  : T extends object
    ? { -readonly [K in keyof T]: Mutable<T[K]> }
    : T;
const same: Equals<z.infer<typeof GatewayApiStatusSchema>, Mutable<GatewayApiStatusReport>> = true;
void same;
