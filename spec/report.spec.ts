// The HTML report and the examples committed under reports/ (shown in the README) are what kubehop
// draws now: golden files (UPDATE_GOLDEN=1 npx mocha spec/report.spec.ts rewrites them).
import { readFileSync } from "node:fs";
import { expect } from "chai";
import { diagramSvg } from "../lib/diagram/index.ts";
import { ingressUrls } from "../lib/diagram/report.ts";
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

  it("index.html is self-contained: inline SVGs with unique ids, nothing fetched", () => {
    expect(html).to.not.match(/\s(src|srcset)=|<link|<script|@import|url\((?!#)/);
    for (const m of html.matchAll(/href="([^"]*)"/g)) expect(m[1]).to.match(/^#/);
    const ids = [...html.matchAll(/\sid="([^"]*)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).to.equal(ids.length);
    const svgs = [...html.matchAll(/<svg[\s\S]*?<\/svg>/g)].map((m) => m[0]);
    expect(svgs).to.have.length(5);
    for (const s of svgs) parseSvg(s);
    for (const u of ["http://admin.example.com/healthz", "https://shop.example.com/api/cart"])
      expect(html).to.contain(`curl ${u}</a>`);
  });
});
