// kubehop diff: the same requests against two topologies, reporting those whose outcome changed
// (dispositions, destination pods, client IP kept or lost) with both traces. The three changes a
// platform team fears most, each made to a copy of the default topology.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { runCli } from "./support/cli.ts";

const DEFAULT = "topologies/default.yaml";

/** The CHANGED blocks of a diff report, by request. */
function blocks(out: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const block of out.split(/^(?=CHANGED {2})/m).filter((b) => b.startsWith("CHANGED")))
    map.set(block.split("\n")[0]!.slice("CHANGED  ".length), block);
  return map;
}

describe("kubehop diff", () => {
  let dir: string;
  let text: string;
  /** A copy of the default topology with one edit. */
  const variant = (name: string, from: string, to: string): string => {
    expect(text).to.include(from);
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, text.replace(from, to));
    return file;
  };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "kubehop-diff-"));
    text = readFileSync(DEFAULT, "utf8");
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  // How long this takes is a bench row (npm run bench -- diff), not an assertion.
  it("finds nothing between a topology and itself (exit 0)", async () => {
    const r = await runCli(["diff", "-t", DEFAULT, "-t", DEFAULT]);
    expect(r.code).to.equal(0);
    expect(r.stdout).to.equal(`129 requests compared, 0 changed (before: ${DEFAULT}, after: ${DEFAULT})\n`);
  });

  it("catches a Service selector change: the api Service now selects the cart pods", async () => {
    const after = variant(
      "selector",
      "metadata: {name: api, namespace: shop}\nspec:\n  selector: {app: api}",
      "metadata: {name: api, namespace: shop}\nspec:\n  selector: {app: cart}",
    );
    const r = await runCli(["diff", "-t", DEFAULT, "-t", after]);
    expect(r.code).to.equal(1);
    const changed = blocks(r.stdout);
    const fromWeb = changed.get("a pod of Deployment shop/web -> svc/shop/api:http");
    expect(fromWeb).to.be.a("string");
    expect(fromWeb).to.include(
      "  destinations:  shop/api-rndpbnfwlh-kp58t, shop/api-rndpbnfwlh-p84dp, shop/api-rndpbnfwlh-wwpzc  ->  shop/cart-hbbsh2xmmq-82nqc, shop/cart-hbbsh2xmmq-klq2m\n",
    );
    // Both traces: before reaches an api pod, after a cart pod (the targetPort is named http, which cart pods also have).
    expect(fromWeb).to.include(
      `  before (${DEFAULT}):\n    trace pod/shop/web-pwxfdbx72d-6vqqn -> svc/shop/api:http\n`,
    );
    expect(fromWeb).to.include(`  after (${after}):\n    trace pod/shop/web-pwxfdbx72d-6vqqn -> svc/shop/api:http\n`);
    expect(fromWeb).to.match(
      /before[\s\S]*DELIVERED: delivered to pod shop\/api-[\s\S]*after[\s\S]*DELIVERED: delivered to pod shop\/cart-/,
    );
    // Through the Ingress too: /api and admin's /healthz now answer from cart pods.
    expect(changed.get("client/client -> https://shop.example.com/api")).to.include(
      "->  shop/cart-hbbsh2xmmq-82nqc, shop/cart-hbbsh2xmmq-klq2m",
    );
    expect(changed.get("client/client -> http://admin.example.com/healthz")).to.include("->  shop/cart-");
    // What did not change is not reported.
    expect([...changed.keys()].some((k) => k.includes("svc/shop/web") || k.includes("svc/shop/cart"))).to.equal(false);
    expect(r.stdout).to.match(/\n129 requests compared, \d+ changed \(before: /);
  });

  it("catches an externalTrafficPolicy change: Local -> Cluster loses the client IP and opens node-1's NodePort", async () => {
    const after = variant("etp", "externalTrafficPolicy: Local    #", "externalTrafficPolicy: Cluster  #");
    const r = await runCli(["diff", "-t", DEFAULT, "-t", after]);
    expect(r.code).to.equal(1);
    const changed = blocks(r.stdout);
    expect(changed.get("client/client -> 203.0.113.10:443")).to.include("  client IP:  kept  ->  lost\n");
    const node1 = changed.get("client/client -> 192.168.10.11:30443")!;
    expect(node1).to.include("  dispositions:  NO_LOCAL_ENDPOINTS  ->  DELIVERED\n");
    expect(node1).to.include("  client IP:     (none)  ->  lost\n");
    expect(node1).to.include("NO_LOCAL_ENDPOINTS: INPUT: DROP by KUBE-EXTERNAL-SERVICES rule 4");
    expect(node1).to.match(/after[\s\S]*MASQUERADE/);
    // Through the Ingress too: under Cluster every node masquerades, so nginx sees a node's address.
    expect(changed.get("client/client -> https://shop.example.com/api/cart")).to.include(
      "  client IP:  kept  ->  lost\n",
    );
  });

  it("catches a removed Ingress path: /api/cart falls through to /api", async () => {
    const after = variant(
      "path",
      "          - {path: /api/cart, pathType: Prefix, backend: {service: {name: cart, port: {number: 80}}}}\n",
      "",
    );
    const r = await runCli(["diff", "-t", DEFAULT, "-t", after]);
    expect(r.code).to.equal(1);
    const changed = blocks(r.stdout);
    const cart = changed.get("client/client -> https://shop.example.com/api/cart")!;
    expect(cart).to.include(
      "  destinations:  shop/cart-hbbsh2xmmq-82nqc, shop/cart-hbbsh2xmmq-klq2m  ->  shop/api-rndpbnfwlh-kp58t, shop/api-rndpbnfwlh-p84dp, shop/api-rndpbnfwlh-wwpzc\n",
    );
    expect(cart).to.match(
      /before[\s\S]*path \/api\/cart equals = \/api\/cart[\s\S]*after[\s\S]*HTTP_RESPONSE: HTTP 200 from pod shop\/api-/,
    );
    // The request exists only in the before topology's default set, and is still compared.
    expect([...changed.keys()].every((k) => k.endsWith("/api/cart"))).to.equal(true);
    expect(changed.size).to.equal(10); // from the client, 3 nodes and 6 workloads
  });

  it("--brief leaves the traces out", async () => {
    const after = variant(
      "path-brief",
      "          - {path: /api/cart, pathType: Prefix, backend: {service: {name: cart, port: {number: 80}}}}\n",
      "",
    );
    const r = await runCli(["diff", "-t", DEFAULT, "-t", after, "--brief"]);
    expect(r.code).to.equal(1);
    expect(r.stdout).to.not.include("trace ");
    expect(r.stdout.split("\n").filter((l) => l.startsWith("CHANGED"))).to.have.length(10);
  });

  it("--requests FILE compares the requests of a kind: Expectations file", async () => {
    const after = variant(
      "selector2",
      "metadata: {name: api, namespace: shop}\nspec:\n  selector: {app: api}",
      "metadata: {name: api, namespace: shop}\nspec:\n  selector: {app: cart}",
    );
    const r = await runCli([
      "diff",
      "-t",
      DEFAULT,
      "-t",
      after,
      "--requests",
      "spec/fixtures/diff/requests.yaml",
      "--brief",
    ]);
    expect(r.code).to.equal(1);
    expect(r.stdout).to.equal(
      [
        "CHANGED  web to the api Service",
        "  destinations:  shop/api-rndpbnfwlh-kp58t, shop/api-rndpbnfwlh-p84dp, shop/api-rndpbnfwlh-wwpzc  ->  shop/cart-hbbsh2xmmq-82nqc, shop/cart-hbbsh2xmmq-klq2m",
        "",
        `3 requests compared, 1 changed (before: ${DEFAULT}, after: ${after})`,
        "",
      ].join("\n"),
    );
  });

  it("a request only one side can make is a change, not an error", async () => {
    const after = variant("no-db", "    - {path: /healthz, pathType: Exact", "    - {path: /ready, pathType: Exact");
    const r = await runCli(["diff", "-t", DEFAULT, "-t", after, "--brief"]);
    expect(r.code).to.equal(1);
    expect(r.stdout).to.include(
      "CHANGED  client/client -> http://admin.example.com/healthz\n  dispositions:  HTTP_RESPONSE 200  ->  HTTP_404 404\n",
    );
    expect(r.stdout).to.include("CHANGED  client/client -> http://admin.example.com/ready\n");
  });

  it("usage: two topologies", async () => {
    const r = await runCli(["diff", "-t", DEFAULT]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.equal(
      "kubehop diff: give two topologies: -f BEFORE -f AFTER (got 1)\nusage: kubehop diff -f BEFORE -f AFTER [--requests EXPECTATIONS.yaml] [--brief]\n",
    );
  });
});
