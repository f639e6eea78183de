// kubehop check and the chai plugin ask of a request a Gateway routed: which Gateway, which route
// (and rule), and the request the backend received after the route's filters (issue 16, item 6).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as chai from "chai";
import { kubehopChai } from "../lib/chai.ts";
import { loadTopologySync, type Topology } from "../lib/topology.ts";
import { runCli } from "./support/cli.ts";

chai.use(kubehopChai);
const { expect } = chai;
const TOPO = "topologies/gateway.yaml";

describe("kubehop check: gateway, route and upstream expectations", () => {
  it("passes the Gateway topology's own expectations", async () => {
    const r = await runCli(["check", "-t", TOPO]);
    expect(r.stdout).to.include("PASS  /v1 is rewritten to /v2 for the API\n");
    expect(r.stdout.trimEnd().split("\n").at(-1)).to.equal("4 passed, 0 failed");
    expect(r.code).to.equal(0);
  });

  it("fails, saying what the branch did, when the route, the upstream path or the Gateway differ", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "kh-gw-check-")), "expect.yaml");
    writeFileSync(
      file,
      "apiVersion: kubehop.io/v1alpha1\nkind: Expectations\nexpect:\n" +
        "  - {name: wrong route, curl: 'https://shop.example.com/api/x', route: {route: shop/store, rule: 0}}\n" +
        "  - {name: wrong path, curl: 'https://shop.example.com/v1/a', upstream: {path: /v1/a}}\n" +
        "  - {name: wrong gateway, curl: 'https://shop.example.com/', gateway: shop/other}\n" +
        "  - {name: by rule name, curl: 'https://shop.example.com/checkout', route: {route: shop/store, rule: checkout}}\n",
    );
    const r = await runCli(["check", "-t", TOPO, file]);
    expect(r.code).to.equal(1);
    expect(r.stdout).to.include("expected every branch to be routed by route shop/store rule 0");
    expect(r.stdout).to.include("routed by route shop/api rule 0");
    expect(r.stdout).to.include("the backend received GET /v2/a (Host: shop.example.com)");
    expect(r.stdout).to.include("routed by Gateway shop/shop-gateway");
    expect(r.stdout).to.include("PASS  by rule name\n");
    expect(r.stdout.trimEnd().split("\n").at(-1)).to.equal("5 passed, 3 failed");
  });

  it("refuses a malformed gateway, route or upstream with its position", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "kh-gw-check-")), "expect.yaml");
    writeFileSync(
      file,
      "apiVersion: kubehop.io/v1alpha1\nkind: Expectations\nexpect:\n" +
        "  - {curl: 'https://shop.example.com/', gateway: shop-gateway, upstream: {}}\n",
    );
    const r = await runCli(["check", "-t", TOPO, file]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.include("expected namespace/name of a Gateway, e.g. shop/shop-gateway");
    expect(r.stderr).to.include("give at least one of method, host, path");
  });
});

describe("chai: gateway, route, upstream", () => {
  let topo: Topology;
  before(() => {
    topo = loadTopologySync(TOPO);
  });

  it("asserts the Gateway, the route and rule, and the upstream request", () => {
    const t = topo.curl("https://shop.example.com/v1/items?page=2");
    expect(t).to.gateway("shop/shop-gateway").and.route("shop/api", "v1-compat").and.status(200);
    expect(t).to.upstream({ path: "/v2/items?page=2", host: "shop.example.com", method: "GET" });
    expect(t).to.not.route("shop/store");
    expect(() => expect(t).to.upstream({ path: "/v1/items?page=2" })).to.throw(
      "the backend received GET /v2/items?page=2 (Host: shop.example.com)",
    );
  });

  it("weighs a split: 80% of checkouts go to cart-v1", () => {
    const t = topo.curl("https://shop.example.com/checkout");
    expect(t).to.route("shop/store", 1);
    expect(t).to.probability(0.8).reach("svc/shop/cart-v1");
  });

  it("says a redirect sent nothing upstream, and refuses a malformed route", () => {
    const t = topo.curl("http://shop.example.com/x");
    expect(() => expect(t).to.upstream({ path: "/x" })).to.throw("answered by the Gateway, nothing sent upstream");
    expect(() => expect(t).to.route("store")).to.throw("expected namespace/name of an HTTPRoute or GRPCRoute");
  });
});
