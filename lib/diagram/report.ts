// The HTML report: a topology's diagram, then a curl through every Ingress host and path with its
// drawing and its text trace. One self-contained file: inline SVG and CSS, nothing fetched.
import type { Cluster } from "../model/cluster.ts";
import type { Ingress } from "../model/ingress.ts";
import { traceText } from "../output/trace-text.ts";
import { isSuccess, type Trace } from "../trace/types.ts";
import { diagramSvg } from "./index.ts";

export function htmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** One URL per host and path of every served Ingress, https where the Ingress lists the host under tls. */
export function ingressUrls(ingresses: readonly Ingress[]): string[] {
  const urls: string[] = [];
  for (const ing of ingresses) {
    for (const rule of ing.rules) {
      if (!rule.host || rule.host.startsWith("*")) continue;
      const tls = ing.tls.some((t) => t.hosts.includes(rule.host!));
      for (const p of rule.paths ?? []) {
        const path = p.path?.startsWith("/") && !/[\^$()[\]{}*+?|\\]/.test(p.path) ? p.path : "/";
        const url = `${tls ? "https" : "http"}://${rule.host}${path}`;
        if (!urls.includes(url)) urls.push(url);
      }
    }
  }
  return urls;
}

const svgInline = (svg: string) => svg.replace(/^<\?xml[^>]*>\n/, "");

const CSS =
  `
:root { color-scheme: light dark; --fg: #1f2328; --bg: #ffffff; --muted: #59636e; --line: #d0d7de; --ok: #1a7f37; ` +
  `--fail: #cf222e; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --bg: #0d1117; --muted: #9198a1; --line: #3d444d; ` +
  `--ok: #3fb950; --fail: #ff7b72; } }
body { margin: 2rem; background: var(--bg); color: var(--fg); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", ` +
  `sans-serif; }
h1, h2 { font-weight: 600; } h2 { border-top: 1px solid var(--line); padding-top: 1.2rem; margin-top: 2.5rem; }
code, pre { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12px; }
pre { overflow-x: auto; border: 1px solid var(--line); padding: 0.8rem; border-radius: 6px; }
.figure { overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; }
.figure svg { display: block; max-width: none; }
.ok { color: var(--ok); } .fail { color: var(--fail); } .muted { color: var(--muted); }
nav li { margin: 0.15rem 0; }
`;

/** What the report asks of a Topology (lib/topology.ts): its cluster, and a curl of one URL. */
export interface ReportSource {
  readonly cluster: Cluster;
  curl(url: string): Trace;
}

export function reportHtml(topology: ReportSource, name: string): string {
  const cluster = topology.cluster;
  const urls = ingressUrls(cluster.ingress.served.map((s) => s.ingress));
  const traces: [string, Trace][] = urls.map((u) => [u, topology.curl(u)]);
  const outcome = (t: Trace) => {
    const ok = t.branches.every((b) => isSuccess(b.disposition));
    const what = [...new Set(t.branches.map((b) => (b.http ? `HTTP ${b.http.status}` : b.disposition)))].join(", ");
    return `<span class="${ok ? "ok" : "fail"}">${htmlEscape(what)}</span>`;
  };
  const parts = [
    "<!DOCTYPE html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>kubehop report: ${htmlEscape(name)}</title>`,
    `<style>${CSS}</style>`,
    "</head>",
    "<body>",
    `<h1>kubehop report: ${htmlEscape(name)}</h1>`,
    `<p class="muted">${cluster.nodes.length} nodes, ${cluster.pods.length} pods, ${cluster.services.length} ` +
      `Services, ${cluster.ingress.served.length} served Ingresses. Generated offline by kubehop from the ` +
      `topology files; every trace below is deterministic.</p>`,
    "<nav><ul>",
    '<li><a href="#cluster">The cluster</a></li>',
    ...traces.map(([u, t], i) => `<li><a href="#curl-${i + 1}">curl ${htmlEscape(u)}</a> · ${outcome(t)}</li>`),
    "</ul></nav>",
    '<h2 id="cluster">The cluster</h2>',
    `<div class="figure">${svgInline(diagramSvg(cluster, undefined, undefined, { idPrefix: "cluster-" }))}</div>`,
  ];
  traces.forEach(([u, t], i) => {
    parts.push(
      `<h2 id="curl-${i + 1}">curl ${htmlEscape(u)}</h2>`,
      `<p>${t.branches.length} branch${t.branches.length === 1 ? "" : "es"}: ${outcome(t)}</p>`,
      `<div class="figure">${svgInline(diagramSvg(cluster, t, undefined, { idPrefix: `curl${i + 1}-` }))}</div>`,
      `<details><summary>The trace as ` +
        `text${t.branches.length > 1 ? " (every branch summed up, branch 1 in full)" : ""}</summary>`,
      `<pre>${htmlEscape(traceText(t, [1], { picked: true, verbose: true, columns: Infinity }))}</pre>`,
      "</details>",
    );
  });
  parts.push("</body>", "</html>", "");
  return parts.join("\n");
}
