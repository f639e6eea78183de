// The HTML report: a topology's diagram, then a curl through every Ingress host and path and every
// served HTTPRoute match, each with its drawing beside its hop list, a branch selector, a search box
// and a light/dark toggle. One self-contained file: inline SVG, CSS, one inline script and the
// traces as embedded JSON (report-data.ts); nothing is fetched.
import type { Cluster } from "../model/cluster.ts";
import { isSuccess, type Trace } from "../trace/types.ts";
import { RequestError } from "../trace/errors.ts";
import type { CurlQuery } from "../trace/curl.ts";
import { formatProbability } from "../output/trace-text.ts";
import { diagramSvg } from "./index.ts";
import { reportData, scriptJson } from "./report-data.ts";
import { REPORT_SCRIPT } from "./report-script.ts";
import { REPORT_CSS } from "./report-style.ts";
import { curlCommand, type ReportRequest, reportRequests } from "./report-urls.ts";

export { curlCommand, ingressUrls, reportRequests } from "./report-urls.ts";

export function htmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** What the report asks of a Topology (lib/topology.ts): its cluster, and a curl of one URL. */
export interface ReportSource {
  readonly cluster: Cluster;
  curl(url: string, options?: Omit<CurlQuery, "url">): Trace;
}

interface Asked {
  readonly id: string;
  readonly request: ReportRequest;
  readonly command: string;
  readonly trace: Trace;
}

const svgInline = (svg: string) => svg.replace(/^<\?xml[^>]*>\n/, "");

function outcome(t: Trace): string {
  const ok = t.branches.every((b) => isSuccess(b.disposition));
  const what = [...new Set(t.branches.map((b) => (b.http ? `HTTP ${b.http.status}` : b.disposition)))].join(", ");
  return `<span class="${ok ? "ok" : "fail"}">${htmlEscape(what)}</span>`;
}

/** Each request traced; one the topology refuses (RequestError) is named with why, not dropped. */
function ask(topology: ReportSource, requests: readonly ReportRequest[], refused: string[]): Asked[] {
  const out: Asked[] = [];
  for (const request of requests) {
    const command = curlCommand(request);
    try {
      const { url, method, headers, resolve } = request;
      const trace = topology.curl(url, {
        ...(method ? { method } : {}),
        ...(headers ? { headers } : {}),
        ...(resolve ? { resolve } : {}),
      });
      out.push({ id: `curl-${out.length + 1}`, request, command, trace });
    } catch (e) {
      if (!(e instanceof RequestError)) throw e;
      refused.push(`${command} (${request.why}): ${e.message}`);
    }
  }
  return out;
}

function toolbar(): string[] {
  return [
    '<div class="toolbar">',
    '<form id="search-form" role="search">',
    '<label for="search">Find a pod, Service or address</label> ',
    '<input id="search" type="search" placeholder="web-1, shop/api, 10.244.1.5" autocomplete="off"> ',
    '<button type="submit">Find</button>',
    "</form>",
    '<button id="theme" type="button" aria-pressed="false">Dark mode</button>',
    '<span id="search-status" role="status" aria-live="polite"></span>',
    '<ol id="search-results" aria-label="Hops that match"></ol>',
    "</div>",
  ];
}

function requestSection(cluster: Cluster, a: Asked, i: number): string[] {
  const t = a.trace;
  const n = t.branches.length;
  const options = t.branches.map(
    (b, j) =>
      `<option value="${j + 1}">branch ${j + 1} · p ${formatProbability(b.probability)} · ` +
      `${htmlEscape(b.http ? `HTTP ${b.http.status}` : b.disposition)}</option>`,
  );
  return [
    `<section id="${a.id}" aria-labelledby="${a.id}-title">`,
    `<h2 id="${a.id}-title">${htmlEscape(a.command)}</h2>`,
    `<p>${n} branch${n === 1 ? "" : "es"}: ${outcome(t)} <span class="muted">· asked for ` +
      `${htmlEscape(a.request.why)}</span></p>`,
    '<div class="request-grid">',
    `<div class="figure">${svgInline(diagramSvg(cluster, t, undefined, { idPrefix: `curl${i + 1}-` }))}</div>`,
    `<div class="hop-panel"><label>Branch <select class="branch">${options.join("")}</select></label>`,
    '<div class="branch-end"></div>',
    `<ol class="hop-list" aria-label="Hops"></ol></div>`,
    "</div>",
    "</section>",
  ];
}

export function reportHtml(topology: ReportSource, name: string): string {
  const cluster = topology.cluster;
  const { requests, notAsked } = reportRequests(cluster);
  const refused = [...notAsked];
  const asked = ask(topology, requests, refused);
  const data = reportData(asked.map((a) => ({ id: a.id, command: a.command, trace: a.trace })));
  const gateways = cluster.gateways.world.gateways.length;
  const parts = [
    "<!DOCTYPE html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>kubehop report: ${htmlEscape(name)}</title>`,
    `<style>${REPORT_CSS}</style>`,
    "</head>",
    "<body>",
    ...toolbar(),
    `<h1>kubehop report: ${htmlEscape(name)}</h1>`,
    `<p class="muted">${cluster.nodes.length} nodes, ${cluster.pods.length} pods, ${cluster.services.length} ` +
      `Services, ${cluster.ingress.served.length} served Ingresses, ${gateways} Gateways. Generated offline by ` +
      `kubehop from the topology files; every trace below is deterministic. Choose a branch, then point at or ` +
      `choose a hop (Tab, Enter) to see it on the picture with its steps; point at the picture to find its hops.</p>`,
    "<noscript><p>The branch selector, hop lists and search need JavaScript; each drawing shows every " +
      "branch.</p></noscript>",
    "<nav><ul>",
    '<li><a href="#cluster">The cluster</a></li>',
    ...asked.map((a) => `<li><a href="#${a.id}">${htmlEscape(a.command)}</a> · ${outcome(a.trace)}</li>`),
    "</ul></nav>",
    ...(refused.length
      ? ["<p>Not asked:</p>", "<ul>", ...refused.map((r) => `<li>${htmlEscape(r)}</li>`), "</ul>"]
      : []),
    '<h2 id="cluster">The cluster</h2>',
    `<div class="figure">${svgInline(diagramSvg(cluster, undefined, undefined, { idPrefix: "cluster-" }))}</div>`,
    ...asked.flatMap((a, i) => requestSection(cluster, a, i)),
    `<script type="application/json" id="kubehop-data">${scriptJson(data)}</script>`,
    `<script>${REPORT_SCRIPT}</script>`,
    "</body>",
    "</html>",
    "",
  ];
  return parts.join("\n");
}
