// The HTML report and the examples committed under reports/ (shown in the README) are what kubehop
// draws now. UPDATE_GOLDEN=1 npm test regenerates them.
import { readFileSync, writeFileSync } from "node:fs";
import { expect } from "chai";
import { diagramSvg } from "../lib/diagram/index.ts";
import { ingressUrls, reportHtml } from "../lib/diagram/report.ts";
import { loadTopologySync } from "../lib/topology.ts";
import { parseSvg } from "./diagram-helpers.ts";

const TOPO = "topologies/default.yaml";

/** Every committed example and how it is made. */
export function reportExamples(): Record<string, string> {
  const topo = loadTopologySync(TOPO);
  const curl = topo.curl("https://shop.example.com/api/cart");
  return {
    "default.svg": diagramSvg(topo.cluster),
    "curl-shop-api-cart.svg": diagramSvg(topo.cluster, curl, [1]),
    "curl-shop-api-cart-all.svg": diagramSvg(topo.cluster, curl),
    "trace-wg-no-peer.svg": diagramSvg(topo.cluster, topo.trace({ from: "pod/shop/db-1", to: "10.244.9.9:80" })),
    "index.html": reportHtml(topo, TOPO),
  };
}

describe("reports/", function () {
  this.timeout(20000);
  const examples = reportExamples();

  for (const [name, content] of Object.entries(examples)) {
    it(`reports/${name} is current`, () => {
      const file = new URL(`../reports/${name}`, import.meta.url);
      if (process.env.UPDATE_GOLDEN) writeFileSync(file, content);
      expect(content === readFileSync(file, "utf8"), `reports/${name} is stale: UPDATE_GOLDEN=1 npx mocha spec/report.spec.ts`).to.equal(true);
    });
  }

  it("the README shows the examples", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    for (const f of ["reports/default.svg", "reports/curl-shop-api-cart.svg", "reports/trace-wg-no-peer.svg"]) expect(readme).to.contain(`](${f})`);
  });

  it("the report curls every Ingress host and path, https where the Ingress has TLS for the host", () => {
    const topo = loadTopologySync(TOPO);
    expect(ingressUrls(topo.cluster.ingress.served.map((s) => s.ingress))).to.deep.equal([
      "http://admin.example.com/healthz",
      "https://shop.example.com/",
      "https://shop.example.com/api",
      "https://shop.example.com/api/cart",
    ]);
  });

  it("index.html is self-contained: inline SVGs with unique ids, nothing fetched", () => {
    const html = examples["index.html"]!;
    expect(html).to.not.match(/\s(src|srcset)=|<link|<script|@import|url\((?!#)/);
    for (const m of html.matchAll(/href="([^"]*)"/g)) expect(m[1]).to.match(/^#/);
    const ids = [...html.matchAll(/\sid="([^"]*)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).to.equal(ids.length);
    const svgs = [...html.matchAll(/<svg[\s\S]*?<\/svg>/g)].map((m) => m[0]);
    expect(svgs).to.have.length(5);
    for (const s of svgs) parseSvg(s);
    for (const u of ["http://admin.example.com/healthz", "https://shop.example.com/api/cart"]) expect(html).to.contain(`curl ${u}</a>`);
  });

  it("kubehop report writes the same file", async () => {
    const { main } = await import("../lib/cli/main.ts");
    let out = "";
    const code = await main(["report", "-t", TOPO], { stdout: (s) => (out += s), stderr: (s) => (out += s), readStdin: async () => "" });
    expect(code).to.equal(0);
    expect(out === examples["index.html"]).to.equal(true);
  });
});
