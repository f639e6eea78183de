// The HTML report and the examples committed under reports/ (shown in the README) are what kubehop
// draws now: golden files (UPDATE_GOLDEN=1 npx mocha spec/report.spec.ts rewrites them). The report
// is one file: its traces embedded as JSON that hostile names cannot break out of, its requests every
// Ingress path and every served HTTPRoute match. spec/report-browser.spec.ts drives it in Chromium.
import { readFileSync } from "node:fs";
import { expect } from "chai";
import { diagramSvg } from "../lib/diagram/index.ts";
import { curlCommand, ingressUrls, reportHtml, type ReportSource, reportRequests } from "../lib/diagram/report.ts";
import type { PackedHop, ReportData } from "../lib/diagram/report-data.ts";
import type { Trace } from "../lib/trace/types.ts";
import { loadTopologySync, type Topology } from "../lib/topology.ts";
import { parseSvg } from "./diagram-helpers.ts";
import { runCli } from "./support/cli.ts";
import { golden } from "./support/golden.ts";

const TOPO = "topologies/default.yaml";

/** Every committed drawing and how it is made; reports/index.html is what `kubehop report` prints. */
const EXAMPLES: Record<string, (topo: Topology) => string> = {
  "default.svg": (topo) => diagramSvg(topo.cluster),
  "curl-shop-api-cart.svg": (topo) => diagramSvg(topo.cluster, topo.curl("https://shop.example.com/api/cart"), [1]),
  "curl-shop-api-cart-all.svg": (topo) => diagramSvg(topo.cluster, topo.curl("https://shop.example.com/api/cart")),
  "curl-shop-api-cart-path.svg": (topo) =>
    diagramSvg(topo.cluster, topo.curl("https://shop.example.com/api/cart"), [1], { view: "path" }),
  "trace-wg-no-peer.svg": (topo) =>
    diagramSvg(topo.cluster, topo.trace({ from: "pod/shop/db-1", to: "10.244.9.9:80" })),
};

describe("reports/", () => {
  let topo: Topology;
  let html: string;
  before(async () => {
    topo = loadTopologySync(TOPO);
    const report = await runCli(["report", "-t", TOPO]);
    expect([report.code, report.stderr], "kubehop report").to.deep.equal([0, ""]);
    html = report.stdout;
  });

  for (const [name, make] of Object.entries(EXAMPLES)) {
    it(`reports/${name} is current`, () => {
      golden(import.meta.url, `reports/${name}`, make(topo));
    });
  }

  it("reports/index.html is current: what kubehop report prints", () => {
    golden(import.meta.url, "reports/index.html", html);
  });

  it("the README shows the examples", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    for (const f of ["reports/default.svg", "reports/curl-shop-api-cart.svg", "reports/trace-wg-no-peer.svg"])
      expect(readme).to.contain(`](${f})`);
  });

  it("the report curls every Ingress host and path, https where the Ingress has TLS for the host", () => {
    expect(ingressUrls(topo.cluster.ingress.served.map((s) => s.ingress))).to.deep.equal([
      "http://admin.example.com/healthz",
      "https://shop.example.com/",
      "https://shop.example.com/api",
      "https://shop.example.com/api/cart",
    ]);
  });

  it("index.html is self-contained: inline SVGs with unique ids, inline CSS and script, nothing fetched", () => {
    expect(html).to.not.match(/\s(src|srcset)=|<link|@import|url\((?!#)|<iframe|<object|<embed/);
    for (const m of html.matchAll(/href="([^"]*)"/g)) expect(m[1]).to.match(/^#/);
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.map((m) => m[1])).to.deep.equal([' type="application/json" id="kubehop-data"', ""]);
    expect(scripts[1]![2]).to.not.match(/fetch\(|XMLHttpRequest|import\(|WebSocket|https?:|localStorage/);
    const ids = [...html.matchAll(/\sid="([^"]*)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).to.equal(ids.length);
    const svgs = [...html.matchAll(/<svg[\s\S]*?<\/svg>/g)].map((m) => m[0]);
    expect(svgs).to.have.length(5);
    for (const s of svgs) parseSvg(s);
    for (const u of ["http://admin.example.com/healthz", "https://shop.example.com/api/cart"])
      expect(html).to.contain(`curl ${u}</a>`);
  });

  it("embeds every branch's hops as the trace has them, each distinct hop and string once", () => {
    const data = embedded(html);
    expect(data.requests.map((r) => r.command)).to.deep.equal(
      ingressUrls(topo.cluster.ingress.served.map((s) => s.ingress)).map((u) => `curl ${u}`),
    );
    expect(data.strings[0]).to.equal("");
    expect(new Set(data.strings).size).to.equal(data.strings.length);
    expect(new Set(data.hops.map((h) => JSON.stringify(h))).size).to.equal(data.hops.length);
    const cart = topo.curl("https://shop.example.com/api/cart");
    const shown = data.requests.find((r) => r.command === "curl https://shop.example.com/api/cart")!;
    expect(shown.branches).to.have.length(cart.branches.length);
    cart.branches.forEach((b, i) => {
      const s = shown.branches[i]!;
      expect([s.disposition, s.reason, s.probability]).to.deep.equal([b.disposition, b.reason, String(b.probability)]);
      const hop = (n: number) => unpack(data, data.hops[n]!);
      expect(s.hops.map((n) => hop(n).location)).to.deep.equal(b.hops.map((h) => h.location));
      expect(s.reply!.hops.map((n) => hop(n).location)).to.deep.equal(b.reply!.hops.map((h) => h.location));
      // Every step with its reason and rule, in order.
      expect(s.hops.flatMap((n) => hop(n).steps)).to.deep.equal(
        b.hops.flatMap((h) => h.steps.map((st) => [st.type, st.action, st.reason, st.rule ?? ""])),
      );
    });
  });

  it("the same topology gives a byte-identical report", () => {
    expect(reportHtml(topo, TOPO)).to.equal(html);
  });

  it("hostile names in a trace stay text: no </script> or <!-- reaches the page unescaped", () => {
    const HOSTILE = `c"</script><script>window.pwned=1</script><!--'&\u2028art`;
    const source = hostileSource(topo, HOSTILE);
    const page = reportHtml(source, TOPO);
    expect(page.match(/<script/g)).to.have.length(2);
    expect(page.match(/<\/script>/g)).to.have.length(2);
    expect(page).to.not.contain("<!--");
    const data = embedded(page);
    expect(data.strings.some((s) => s.includes(HOSTILE))).to.equal(true);
    expect(data.requests.some((r) => r.branches.some((b) => b.reason.includes(HOSTILE)))).to.equal(true);
  });

  it("with Gateways, the report curls every served HTTPRoute's hostnames and path matches", () => {
    const gw = loadTopologySync("topologies/gateway.yaml");
    const { requests, notAsked } = reportRequests(gw.cluster);
    // (Other listeners' routes may join these; the shop's are the ones gateway.yaml's comments describe.)
    expect(requests.map(curlCommand)).to.include.ordered.members([
      "curl http://shop.example.com/",
      "curl https://shop.example.com/",
      "curl https://shop.example.com/checkout",
      "curl https://shop.example.com/old-shop",
      "curl https://shop.example.com/api",
      "curl https://shop.example.com/v1",
      "curl https://shop.example.com/invoices",
      "curl https://shop.example.com/legacy",
      "curl https://shop.example.com/reviews",
    ]);
    expect(requests[2]!.why).to.equal("HTTPRoute shop/store rule checkout");
    expect(notAsked).to.deep.equal([]);
    const data = embedded(reportHtml(gw, "topologies/gateway.yaml"));
    const status = (cmd: string) => data.requests.find((r) => r.command === cmd)!.branches.map((b) => b.http);
    expect(status("curl http://shop.example.com/")[0]).to.match(/^HTTP 301; Gateway shop\/shop-gateway listener http/);
    expect(status("curl https://shop.example.com/old-shop")[0]).to.match(/^HTTP 302/);
    expect(status("curl https://shop.example.com/legacy")[0]).to.match(/^HTTP 500/);
  });

  it("an HTTPRoute match with a method, headers and a query is asked as written; a regex is named, not asked", () => {
    const gw = loadTopologySync("topologies/gateway.yaml");
    const route = gw.cluster.gateways.attachments.find((a) => a.route.name === "api")!.route;
    const rules = [
      {
        name: "matched",
        filters: [],
        backendRefs: [],
        matches: [
          {
            path: { type: "Exact" as const, value: "/search" },
            headers: [{ type: "Exact" as const, name: "X-Version", value: "it's 2" }],
            queryParams: [{ type: "Exact" as const, name: "q", value: "a b" }],
            method: "POST",
          },
          { path: { type: "RegularExpression" as const, value: "/v[0-9]+" }, headers: [], queryParams: [] },
        ],
      },
    ];
    const cluster = {
      ...gw.cluster,
      ingress: { ...gw.cluster.ingress, served: [] },
      gateways: {
        ...gw.cluster.gateways,
        attachments: gw.cluster.gateways.attachments
          .filter((a) => a.route.name === "api")
          .map((a) => ({ ...a, route: { ...route, rules } as typeof route })),
      },
    };
    const { requests, notAsked } = reportRequests(cluster);
    expect(requests.map(curlCommand)).to.deep.equal([
      "curl -X POST -H 'X-Version: it'\\''s 2' 'https://shop.example.com/search?q=a%20b'",
    ]);
    expect(notAsked).to.deep.equal(["HTTPRoute shop/api rule matched: path /v[0-9]+ is a regular expression"]);
  });
});

/** The report's embedded data. */
function embedded(page: string): ReportData {
  const json = /<script type="application\/json" id="kubehop-data">([\s\S]*?)<\/script>/.exec(page)![1]!;
  return JSON.parse(json) as ReportData;
}

/** A packed hop's location and steps (`[type, action, reason, rule]`) in words. */
function unpack(data: ReportData, h: PackedHop): { location: string; steps: string[][] } {
  const s = (n: number) => data.strings[n]!;
  return { location: s(h[0]), steps: h[6].map((st) => [s(st[0]), s(st[1]), s(st[2]), s(st[3])]) };
}

/** The topology, with every "cart" in its traces' words (pod names, reasons, rules) made hostile. */
function hostileSource(topo: Topology, hostile: string): ReportSource {
  const escaped = JSON.stringify(hostile).slice(1, -1);
  return {
    cluster: topo.cluster,
    curl: (url, options) => JSON.parse(JSON.stringify(topo.curl(url, options)).replaceAll("cart", escaped)) as Trace,
  };
}
