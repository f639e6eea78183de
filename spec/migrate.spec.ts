// kubehop migrate on a shop's ingress-nginx Ingresses and their conversion as ingress2gateway writes it
// (spec/fixtures/migrate): the behaviour a conversion loses is caught request by request (the trailing-
// slash 301, rewrite-target's capture, ssl-redirect, a regex path turned into a prefix, an allowlist),
// and a faithful conversion shows no difference at all.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { differing, type MigrateResult, type MigrateRow, migrate } from "../lib/migrate/migrate.ts";
import { migrateRequests, requestLabel } from "../lib/migrate/requests.ts";
import { gatewayWorld } from "../lib/migrate/worlds.ts";
import { loadTopologySync, Topology } from "../lib/topology.ts";
import { runCli } from "./support/cli.ts";
import { expectSchemaValid } from "./support/schemas.ts";

const DIR = "spec/fixtures/migrate";
const INGRESS = readFileSync(`${DIR}/shop-ingress.yaml`, "utf8");
const I2GW = readFileSync(`${DIR}/shop-i2gw.yaml`, "utf8");

function run(ingressWorld: string, to: string): MigrateResult {
  const ingress = loadTopologySync(ingressWorld);
  const gateway = new Topology(gatewayWorld(ingressWorld, to));
  return migrate(ingress, gateway, migrateRequests(ingress.cluster, gateway.cluster));
}

function row(result: MigrateResult, url: string): MigrateRow {
  const found = result.rows.find((r) => r.request.url === url);
  expect(found, `${url} is in the request set`).to.not.equal(undefined);
  return found!;
}

/** The differences of one request as `aspect: ingress -> gateway`. */
function diffs(result: MigrateResult, url: string): string[] {
  return row(result, url).differences.map((d) => `${d.aspect}: ${d.ingress} -> ${d.gateway}`);
}

/** The YAML documents of `text` except those holding `needle`. */
function without(text: string, needle: string): string {
  return text
    .split(/\n---\n/)
    .filter((d) => !d.includes(needle))
    .join("\n---\n");
}

describe("kubehop migrate", () => {
  let converted: MigrateResult;
  before(() => {
    converted = run(INGRESS, I2GW);
  });

  it("asks every host and path of both worlds with the edges where they part, in a fixed order", () => {
    const urls = converted.rows.map((r) => r.request.url);
    expect(urls).to.include.members([
      "http://shop.example.com/docs",
      "https://shop.example.com/docs",
      "https://shop.example.com/apix",
      "https://shop.example.com/API",
      "https://shop.example.com/api/x?q=1",
      "https://shop.example.com/healthz/",
      "http://api.example.com/v1/x?q=1",
      "http://reports.example.com/reports/0",
      "http://reports.example.com/reports/",
      "http://unknown-host.invalid/",
    ]);
    expect(urls).to.not.include("https://api.example.com/v1/x", "api.example.com has TLS in neither world");
    expect(urls.at(-1)).to.equal("http://unknown-host.invalid/");
    expect(new Set(urls).size).to.equal(urls.length);
    expect(run(INGRESS, I2GW).rows.map((r) => r.request.url)).to.deep.equal(urls);
  });

  it("catches the trailing-slash redirect ingress2gateway leaves out (PathPrefix / covers /docs)", () => {
    expect(diffs(converted, "https://shop.example.com/docs")).to.deep.equal([
      "status: 301 -> 200",
      "backend: - -> shop/docs:80",
      "location: https://shop.example.com/docs/ -> -",
      "upstream: - -> shop.example.com /docs",
      "client address: - -> lost",
    ]);
    const r = row(converted, "https://shop.example.com/docs");
    expect(r.gateway.decidedBy).to.deep.equal(["HTTPRoute shop/shop-shop-example-com rule 2"]);
    expect(r.ingress.decidedBy).to.deep.equal(["Ingress shop/shop"]);
  });

  it("catches rewrite-target's capture written as a literal ReplaceFullPath /$2", () => {
    expect(diffs(converted, "http://api.example.com/v1/x?q=1")).to.deep.equal([
      "upstream: api.example.com /x?q=1 -> api.example.com /$2?q=1",
    ]);
    const r = row(converted, "http://api.example.com/v1/x?q=1");
    expect(r.ingress.decidedBy).to.deep.equal(["Ingress shop/api-v1 /v1(/|$)(.*) (ImplementationSpecific)"]);
    expect(r.gateway.decidedBy).to.deep.equal(["HTTPRoute shop/api-v1-api-example-com rule 0"]);
  });

  it("catches the allowlist the Gateway cannot hold, and lists its annotation and affinity's", () => {
    expect(diffs(converted, "https://shop.example.com/admin")[0]).to.equal("status: 403 -> 200");
    expect(converted.annotations.map((a) => `${a.ingress} ${a.annotation}`)).to.deep.equal([
      "shop/shop affinity",
      "shop/shop-admin whitelist-source-range",
    ]);
  });

  it("says that the GatewayClass ingress2gateway does not write is assumed", () => {
    expect(converted.assumed).to.have.length(1);
    expect(converted.assumed[0]).to.contain("GatewayClass nginx of Gateway shop/nginx is not given");
  });

  it("agrees where the conversion is faithful: the same 404 for an unknown host, prefix boundaries, Exact", () => {
    for (const url of [
      "http://unknown-host.invalid/",
      "https://shop.example.com/apix",
      "https://shop.example.com/healthz",
      "https://shop.example.com/healthz/",
      "http://reports.example.com/REPORTS/0",
    ])
      expect(row(converted, url).differences, url).to.deep.equal([]);
    expect(row(converted, "http://unknown-host.invalid/").gateway.aspects.status).to.deep.equal([
      { value: "404", probability: 1 },
    ]);
  });

  it("catches an ssl-redirect lost: the port-80 route left out", () => {
    const result = run(INGRESS, without(I2GW, "name: shop-shop-example-com-http\n"));
    expect(diffs(result, "http://shop.example.com/api")).to.deep.equal([
      "status: 308 -> 404",
      "location: https://shop.example.com/api -> -",
    ]);
  });

  it("catches a regex path turned into a prefix", () => {
    const prefixed = I2GW.replace(
      "        type: RegularExpression\n        value: (?i)/reports/[0-9]+.*",
      "        type: PathPrefix\n        value: /reports",
    );
    expect(prefixed).to.not.equal(I2GW);
    const result = run(INGRESS, prefixed);
    expect(diffs(result, "http://reports.example.com/reports/")[0]).to.equal("status: 404 -> 200");
    expect(diffs(result, "http://reports.example.com/REPORTS/0")[0]).to.equal("status: 200 -> 404");
  });

  it("finds no difference on a faithful conversion", () => {
    const ingress = without(without(INGRESS, "name: api-v1\n"), "name: shop-admin\n").replace(
      "nginx.ingress.kubernetes.io/affinity: cookie",
      'nginx.ingress.kubernetes.io/affinity: cookie\n    nginx.ingress.kubernetes.io/preserve-trailing-slash: "true"',
    );
    const result = run(ingress, readFileSync(`${DIR}/shop-faithful.yaml`, "utf8"));
    expect(result.rows.length).to.be.greaterThan(25);
    expect(result.rows.filter((r) => r.differences.length).map((r) => r.request.url)).to.deep.equal([]);
    expect(row(result, "https://shop.example.com/docs").gateway.aspects.status).to.deep.equal([
      { value: "301", probability: 1 },
    ]);
  });
});

describe("kubehop migrate: header, query and method matches", () => {
  const CANARY = readFileSync(`${DIR}/canary-ingress.yaml`, "utf8");
  const byLabel = (result: MigrateResult, label: string) => {
    const found = result.rows.find((r) => requestLabel(r.request) === label);
    expect(found, `${label} is in the request set`).to.not.equal(undefined);
    return found!;
  };

  it("catches a canary-by-header whose header match the conversion left out", () => {
    const result = run(CANARY, readFileSync(`${DIR}/canary-header-lost.yaml`, "utf8"));
    const always = byLabel(result, "-H 'X-Canary: always' http://store.example.com/");
    expect(always.request.why).to.equal(
      "canary Ingress store/store-canary by header X-Canary at /: with header X-Canary: always",
    );
    expect(always.differences.map((d) => `${d.aspect}: ${d.ingress} -> ${d.gateway}`)).to.deep.equal([
      "backend: store/store-canary:80 -> store/store:80",
    ]);
    // nginx's "never", and no header at all, go to the primary in both worlds.
    expect(byLabel(result, "-H 'X-Canary: never' http://store.example.com/").differences).to.deep.equal([]);
    expect(byLabel(result, "http://store.example.com/").differences).to.deep.equal([]);
    expect(differing(result).map((r) => requestLabel(r.request))).to.deep.equal([
      "-H 'X-Canary: always' http://store.example.com/",
    ]);
  });

  it("finds no difference when the header match is carried over", () => {
    const result = run(CANARY, readFileSync(`${DIR}/canary-faithful.yaml`, "utf8"));
    expect(byLabel(result, "-H 'X-Canary: always' http://store.example.com/").gateway.decidedBy).to.deep.equal([
      "HTTPRoute store/store-store-example-com rule 0",
    ]);
    expect(differing(result)).to.deep.equal([]);
  });

  it("sends an HTTPRoute match's header, query and method, all met and each left out", () => {
    const routed = readFileSync(`${DIR}/canary-faithful.yaml`, "utf8").replace(
      "headers: [{name: X-Canary, value: always}]",
      "headers: [{name: X-Canary, value: always}], queryParams: [{name: beta, value: '1'}], method: POST",
    );
    const labels = run(CANARY, routed).rows.map((r) => requestLabel(r.request));
    expect(labels).to.include.members([
      "-X POST -H 'X-Canary: always' http://store.example.com/?beta=1",
      "-H 'X-Canary: always' http://store.example.com/?beta=1",
      "-X POST http://store.example.com/?beta=1",
      "-X POST -H 'X-Canary: always' http://store.example.com/",
    ]);
    expect(new Set(labels).size).to.equal(labels.length);
  });
});

describe("kubehop migrate (command line)", () => {
  const args = ["migrate", "-f", `${DIR}/shop-ingress.yaml`, "--to", `${DIR}/shop-i2gw.yaml`];

  it("prints one line per differing request and a summary, exit 1; the same bytes every run", async () => {
    const r = await runCli(args);
    expect(r.code, r.stderr).to.equal(1);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines).to.include(
      "DIFFERS  https://shop.example.com/docs  status 301 -> 200; backend - -> shop/docs:80; location " +
        "https://shop.example.com/docs/ -> -; upstream - -> shop.example.com /docs; client address - -> lost  " +
        "[Ingress shop/shop -> HTTPRoute shop/shop-shop-example-com rule 2]",
    );
    expect(lines.at(-1)).to.match(/^\d+ requests compared, \d+ differ, \d+ the same; 2 annotations without/);
    expect(lines.filter((l) => l.startsWith("NO GATEWAY EQUIVALENT"))).to.have.length(2);
    expect((await runCli(args)).stdout).to.equal(r.stdout);
  });

  it("--json follows schemas/migrate.schema.json; --junit has a testcase per request and a failure per difference", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kubehop-migrate-"));
    try {
      const junit = join(dir, "migrate.xml");
      const r = await runCli([...args, "--json", "--junit", junit]);
      expect(r.code).to.equal(1);
      const report = JSON.parse(r.stdout);
      expectSchemaValid("migrate", report);
      expect(report.differing).to.equal(
        report.requests.filter((q: { differences: unknown[] }) => q.differences.length).length,
      );
      const xml = readFileSync(junit, "utf8");
      expect(xml.match(/<testcase /g)).to.have.length(report.compared);
      expect(xml.match(/<failure /g)).to.have.length(report.differing);
      expect(xml).to.contain('name="https://shop.example.com/docs"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("--json names a request's -X and -H; the text line shows them as curl's words", async () => {
    const canary = ["migrate", "-f", `${DIR}/canary-ingress.yaml`, "--to", `${DIR}/canary-header-lost.yaml`];
    const json = await runCli([...canary, "--json"]);
    expect(json.code).to.equal(1);
    const report = JSON.parse(json.stdout);
    expectSchemaValid("migrate", report);
    const differs = report.requests.filter((q: { differences: unknown[] }) => q.differences.length);
    expect(differs.map((q: { url: string; headers?: string[] }) => [q.url, q.headers])).to.deep.equal([
      ["http://store.example.com/", ["X-Canary: always"]],
    ]);
    const text = await runCli(canary);
    expect(text.stdout).to.contain("DIFFERS  -H 'X-Canary: always' http://store.example.com/  backend ");
  });

  it("exit 0 when nothing differs", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kubehop-migrate-"));
    try {
      const ingress = join(dir, "ingress.yaml");
      writeFileSync(
        ingress,
        without(without(without(INGRESS, "name: api-v1\n"), "name: shop-admin\n"), "name: shop\n"),
      );
      const gateway = join(dir, "gateway.yaml");
      writeFileSync(gateway, [I2GW.split("\n---\n")[0], I2GW.split("\n---\n")[2]].join("\n---\n"));
      const r = await runCli(["migrate", "-f", ingress, "--to", gateway]);
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      expect(r.stdout).to.match(/^\d+ requests compared, 0 differ/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("bad usage is exit 2 with what would be valid: no --to, a request set over --limit", async () => {
    const none = await runCli(["migrate", "-f", `${DIR}/shop-ingress.yaml`]);
    expect(none.code).to.equal(2);
    expect(none.stderr).to.contain("missing the Gateway world: --to FILE");
    const over = await runCli([...args, "--limit", "5"]);
    expect(over.code).to.equal(2);
    expect(over.stderr).to.match(/make \d+ requests, more than --limit 5: .*raise --limit/);
  });
});
