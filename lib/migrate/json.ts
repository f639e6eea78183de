// kubehop migrate --json: the report as schemas/migrate.schema.json describes it.
import type { Answer } from "./answers.ts";
import { type MigrateResult, differing } from "./migrate.ts";
import type { MigrateReport } from "./schema.ts";

export function migrateJson(result: MigrateResult, names: { ingress: string; gateway: string }): string {
  const report: MigrateReport = {
    ingressWorld: names.ingress,
    gatewayWorld: names.gateway,
    compared: result.rows.length,
    differing: differing(result).length,
    requests: result.rows.map((r) => ({
      url: r.request.url,
      ...(r.request.method !== undefined ? { method: r.request.method } : {}),
      ...(r.request.headers !== undefined ? { headers: [...r.request.headers] } : {}),
      why: r.request.why,
      ingress: answerJson(r.ingress),
      gateway: answerJson(r.gateway),
      differences: r.differences.map((d) => ({ ...d })),
    })),
    annotations: result.annotations.map((a) => ({ ...a })),
    assumed: [...result.assumed],
  };
  return `${JSON.stringify(report, null, 2)}\n`;
}

function answerJson(a: Answer): MigrateReport["requests"][number]["ingress"] {
  const shares = (k: keyof Answer["aspects"]) => a.aspects[k].map((s) => ({ ...s }));
  return {
    ...(a.error !== undefined ? { error: a.error } : {}),
    status: shares("status"),
    backend: shares("backend"),
    location: shares("location"),
    upstream: shares("upstream"),
    clientAddress: shares("client address"),
    tls: shares("tls"),
    decidedBy: [...a.decidedBy],
  };
}
