// kubehop migrate: the same requests, from the same client, to the Ingress world and to the Gateway
// world that replaces it; the requests whose answers differ, and the annotations nothing answers for.
import { formatIpv4 } from "../model/address.ts";
import type { Cluster } from "../model/cluster.ts";
import type { Topology } from "../topology.ts";
import { zoneLookup } from "../trace/dns.ts";
import { type AnnotationRow, annotationRows } from "./annotations.ts";
import { type Answer, type Difference, answerOf, differences } from "./answers.ts";
import { type MigrateRequest, requestLabel, UNKNOWN_HOST } from "./requests.ts";

export interface MigrateRow {
  readonly request: MigrateRequest;
  readonly ingress: Answer;
  readonly gateway: Answer;
  readonly differences: readonly Difference[];
}

export interface MigrateResult {
  readonly rows: readonly MigrateRow[];
  readonly annotations: readonly AnnotationRow[];
  /** What kubehop takes for granted about the Gateway world (a GatewayClass ingress2gateway does not write). */
  readonly assumed: readonly string[];
}

export function migrate(ingress: Topology, gateway: Topology, requests: readonly MigrateRequest[]): MigrateResult {
  const fronts = [frontOf(ingress.cluster, requests), frontOf(gateway.cluster, requests)] as const;
  const rows = requests.map((request): MigrateRow => {
    const resolve = (front: string | undefined) =>
      request.unknownHost && front
        ? [`${UNKNOWN_HOST}:${new URL(request.url).protocol === "https:" ? 443 : 80}:${front}`]
        : [];
    const a = answerOf(ingress, request, resolve(fronts[0]));
    const b = answerOf(gateway, request, resolve(fronts[1]));
    return { request, ingress: a, gateway: b, differences: differences(a, b) };
  });
  return { rows, annotations: annotationRows(ingress.cluster), assumed: assumedClasses(gateway.cluster) };
}

/** Where the world's own hosts point: the unknown host goes there, as a stale or wildcard DNS record sends it. */
function frontOf(cluster: Cluster, requests: readonly MigrateRequest[]): string | undefined {
  for (const r of requests) {
    if (r.unknownHost) continue;
    const record = zoneLookup(cluster.dns, new URL(r.url).hostname);
    if (record) return formatIpv4(record.ip);
  }
  return undefined;
}

function assumedClasses(cluster: Cluster): string[] {
  const { world } = cluster.gateways;
  return world.gateways
    .filter((g) => !world.classes.some((c) => c.name === g.className))
    .map(
      (g) =>
        `GatewayClass ${g.className} of Gateway ${g.namespace}/${g.name} is not given (ingress2gateway writes none): ` +
        "kubehop serves it with the Gateway API's standard semantics, as a conformant implementation would",
    );
}

export function differing(result: MigrateResult): MigrateRow[] {
  return result.rows.filter((r) => r.differences.length > 0);
}

/** One line per request whose answers differ, the annotations without an equivalent, what was assumed, the counts. */
export function migrateText(result: MigrateResult, names: { ingress: string; gateway: string }): string {
  const lines: string[] = [];
  for (const row of differing(result)) {
    const what = row.differences.map((d) => `${d.aspect} ${d.ingress} -> ${d.gateway}`).join("; ");
    lines.push(
      `DIFFERS  ${requestLabel(row.request)}  ${what}  [${deciders(row.ingress)} -> ${deciders(row.gateway)}]`,
    );
  }
  for (const a of result.annotations)
    lines.push(`NO GATEWAY EQUIVALENT  Ingress ${a.ingress} ${a.annotation}: ${JSON.stringify(a.value)}: ${a.note}`);
  for (const a of result.assumed) lines.push(`ASSUMED  ${a}`);
  if (lines.length) lines.push("");
  const n = differing(result).length;
  lines.push(
    `${result.rows.length} requests compared, ${n} differ, ${result.rows.length - n} the same; ` +
      `${result.annotations.length} annotation${result.annotations.length === 1 ? "" : "s"} without a Gateway API ` +
      `equivalent (Ingress world: ${names.ingress}, Gateway world: ${names.gateway})`,
  );
  return `${lines.join("\n")}\n`;
}

function deciders(a: Answer): string {
  return a.decidedBy.join(", ") || "no rule";
}
