// The agreement table `kubehop verify` prints, and its --json form.
import type { Row, VerifyReport } from "./verify.ts";

const short = (s: string): string => s.replace(/^pod\//, "").replace(/-[a-z0-9]{10}-([a-z0-9]{5})\b/g, "-$1");

function predicted(r: Row): string {
  if (r.groups.length === 0) return "-";
  return r.groups.map((g) => `${short(g.key)} ${fmtP(g.probability)}`).join(", ");
}

function observed(r: Row): string {
  if (r.verdict === "skipped" && r.attempts === 0) return "-";
  const parts = r.groups.filter((g) => g.observed > 0).map((g) => `${short(g.key)} ${g.observed}`);
  for (const u of r.unexpected) parts.push(`UNPREDICTED ${short(u.what)} ${u.count}`);
  return `${parts.join(", ")} (of ${r.attempts})`;
}

const isCurl = (r: Row): boolean => r.request.kind === "ingress" || r.request.kind === "gateway";

/** The URL, with curl's -X, -H and --resolve where the row sends them. */
function curlText(r: Row): string {
  const q = r.request;
  return [
    ...(q.method ? [`-X ${q.method}`] : []),
    ...(q.headers ?? []).map((h) => `-H '${h}'`),
    ...(q.resolve ?? []).map((x) => `--resolve ${x}`),
    q.to,
  ].join(" ");
}

function fmtP(p: number): string {
  return p === 1 ? "" : `${(p * 100).toFixed(p * 100 < 10 ? 1 : 0)}%`;
}

function median(xs: number[]): number | undefined {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : undefined;
}

export function reportText(rep: VerifyReport, topology: string): string {
  const lines: string[] = [];
  if (rep.skipped) {
    lines.push(
      `kubehop verify ${topology}: skipped: ${rep.skipped}`,
      `(${rep.rows.length} requests were traced by the simulator; none was sent for real)`,
    );
    return `${lines.join("\n")}\n`;
  }
  const header = ["#", "from", "to", "proto", "predicted", "observed", "chi2 p", "ms sim/real", "verdict"];
  const rows = rep.rows.map((r, i) => [
    String(i + 1),
    short(r.request.from),
    // curl through ingress: the URL says more than the VIP it resolved to.
    isCurl(r) ? curlText(r) : (r.dst ?? r.request.to),
    isCurl(r) ? "http" : r.request.proto + (r.request.size ? `/${r.request.size}B` : ""),
    predicted(r),
    observed(r),
    r.chi ? r.chi.p.toFixed(3) : "",
    `${r.traceMs.toFixed(1)}/${r.connectMs === undefined ? "-" : r.connectMs.toFixed(1)}`,
    r.verdict === "agree" ? "agree" : r.verdict === "skipped" ? "skipped" : "DISAGREE",
  ]);
  const width = header.map((h, c) =>
    Math.min(Math.max(h.length, ...rows.map((r) => r[c]!.length)), c === 4 || c === 5 ? 70 : 40),
  );
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => (c.length > width[i]! ? `${c.slice(0, width[i]! - 1)}…` : c.padEnd(width[i]!)))
      .join("  ")
      .trimEnd();
  const per = rep.perTestAlpha ?? rep.alpha;
  lines.push(
    `kubehop verify ${topology}: ${rep.rows.length} requests, up to ${rep.repeat} connections each; spreads by ` +
      `Pearson's chi-square at family-wise significance ${rep.alpha} (each test at ${per.toPrecision(2)}, ` +
      `Bonferroni): p below it disagrees`,
  );
  lines.push(fmt(header), fmt(width.map((w) => "-".repeat(w))));
  for (const r of rows) lines.push(fmt(r));
  const why = rep.rows.map((r, i) => ({ r, i })).filter(({ r }) => r.why && r.verdict !== "agree");
  if (why.length) {
    lines.push("", "notes:");
    // Rows skipped for the same reason share one line.
    const byWhy = new Map<string, number[]>();
    for (const { r, i } of why)
      byWhy.set(`${r.verdict}: ${r.why}`, [...(byWhy.get(`${r.verdict}: ${r.why}`) ?? []), i + 1]);
    for (const [w, rows] of byWhy) lines.push(`  ${rows.map((n) => `#${n}`).join(" ")} ${w}`);
  }
  for (const n of rep.notes) lines.push(`note: ${n}`);
  const agree = rep.rows.filter((r) => r.verdict === "agree").length;
  const disagree = rep.rows.filter((r) => r.verdict === "disagree").length;
  const skipped = rep.rows.filter((r) => r.verdict === "skipped").length;
  const sim = median(rep.rows.map((r) => r.traceMs));
  const real = median(
    rep.rows
      .filter((r) => r.connectMs !== undefined && r.groups.some((g) => g.key !== "timeout" && g.key !== "fail"))
      .map((r) => r.connectMs!),
  );
  lines.push(
    "",
    `time: ${rep.seconds.total.toFixed(1)} s in all (simulator traces ${rep.seconds.traces.toFixed(2)} s, ` +
      `build ${rep.seconds.build.toFixed(1)} s, connections ${rep.seconds.probes.toFixed(1)} s); median per ` +
      `request: simulator trace ${sim?.toFixed(2) ?? "-"} ms, real connection ${real?.toFixed(2) ?? "-"} ms`,
    `${agree} agree, ${disagree} disagree, ${skipped} skipped`,
  );
  return `${lines.join("\n")}\n`;
}

export function reportJson(rep: VerifyReport, topology: string): unknown {
  return {
    topology,
    skipped: rep.skipped ?? null,
    alpha: rep.alpha,
    perTestAlpha: rep.perTestAlpha ?? rep.alpha,
    repeat: rep.repeat,
    seconds: rep.seconds,
    notes: rep.notes,
    rows: rep.rows.map((r) => ({
      from: r.request.from,
      to: r.request.to,
      dst: r.dst ?? null,
      proto: r.request.proto,
      size: r.request.size ?? null,
      kind: r.request.kind,
      // curl's -X, -H and --resolve of a curl row (empty for others): the row is the whole request.
      method: r.request.method ?? null,
      headers: r.request.headers ?? [],
      resolve: r.request.resolve ?? [],
      verdict: r.verdict,
      why: r.why ?? null,
      predicted: r.groups.map((g) => ({
        outcome: g.key,
        probability: g.probability,
        dispositions: g.dispositions,
        observed: g.observed,
      })),
      unexpected: r.unexpected,
      chiSquare: r.chi ?? null,
      attempts: r.attempts,
      traceMs: r.traceMs,
      connectMs: r.connectMs ?? null,
    })),
  };
}
