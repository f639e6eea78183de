// kubehop check: expectations from the Topology's expect: list and from kind: Expectations files,
// a pass/fail table, the failing trace, exit codes 0/1/2, and a JUnit report a CI system reads.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { JSDOM } from "jsdom";
import { runCli } from "./support/cli.ts";

const DEFAULT = "topologies/default.yaml";
const FIX = "spec/fixtures/check";

describe("kubehop check", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "kubehop-check-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("passes on the default topology's own expect: list", async () => {
    const r = await runCli(["check", "-t", DEFAULT]);
    expect(r.stderr).to.equal("");
    expect(r.code).to.equal(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines.filter((l) => l.startsWith("PASS  ")).length).to.be.at.least(8);
    expect(lines.some((l) => l.startsWith("FAIL"))).to.equal(false);
    expect(lines.at(-1)).to.match(/^\d+ passed, 0 failed$/);
    expect(r.stdout).to.include("PASS  the cart API is served by cart pods, and nginx sees the client's address\n");
  });

  it("fails with exit 1 on a broken copy, printing the failing trace", async () => {
    // A change someone might make: the cart Service now selects the web pods.
    const text = readFileSync(DEFAULT, "utf8");
    const broken = text.replace(
      "metadata: {name: cart, namespace: shop}\nspec:\n  selector: {app: cart}",
      "metadata: {name: cart, namespace: shop}\nspec:\n  selector: {app: web}",
    );
    expect(broken).to.not.equal(text);
    const file = join(dir, "broken.yaml");
    writeFileSync(file, broken);
    const r = await runCli(["check", "-t", file]);
    expect(r.code).to.equal(1);
    expect(r.stdout).to.include("FAIL  the cart API is served by cart pods, and nginx sees the client's address\n");
    expect(r.stdout).to.include(
      `\nFAIL  the cart API is served by cart pods, and nginx sees the client's address\n  at ${file}:`,
    );
    expect(r.stdout).to.include("expected every branch to reach svc/shop/cart and be answered HTTP 200");
    expect(r.stdout).to.include("CONNECTION_REFUSED at pod/shop/web-");
    expect(r.stdout).to.include("  trace client/client -> https://shop.example.com/api/cart\n");
    expect(r.stdout).to.match(
      /\n {2}branch 1 of 6 {2}probability 0\.166667 {2}CONNECTION_REFUSED: nothing listens on [\d.]+:9100/,
    );
    expect(r.stdout.trimEnd().split("\n").at(-1)).to.match(/^\d+ passed, 1 failed$/);
  });

  it("runs a file of kind: Expectations after the Topology's own", async () => {
    const r = await runCli(["check", "-t", DEFAULT, `${FIX}/expectations.yaml`]);
    expect(r.code).to.equal(0);
    expect(r.stdout).to.include("PASS  cart pods answer /api/cart\n");
    expect(r.stdout).to.include(
      "PASS  curl https://shop.example.com/ from pod/shop/api-rndpbnfwlh-kp58t: reach svc/shop/web\n",
    );
    expect(r.stdout).to.include(
      "PASS  pod/shop/db-1 -> svc/shop/api: some branch: reach pod/shop/api-rndpbnfwlh-kp58t\n",
    );
    const table = r.stdout.split("\n\n")[0]!.split("\n");
    expect(table.indexOf("PASS  cart pods answer /api/cart")).to.be.greaterThan(
      table.indexOf("PASS  the rest of the API goes to api pods"),
    );
  });

  it("a failing file: exit 1, each failure explained, the passing ones still listed", async () => {
    const r = await runCli(["check", "-t", DEFAULT, `${FIX}/failing.yaml`]);
    expect(r.code).to.equal(1);
    expect(r.stdout).to.include("PASS  cart pods answer /api/cart\n");
    expect(r.stdout).to.include("FAIL  /api/cart never crosses node-3 <&> (wrong)\n");
    expect(r.stdout).to.include(
      `  at ${FIX}/failing.yaml:7:5: curl https://shop.example.com/api/cart\n  expected every branch to not pass through node-3`,
    );
    expect(r.stdout).to.include("FAIL  db-1 reaches the api pod on its own node half the time (wrong)\n");
    expect(r.stdout).to.include(
      "expected branches to reach pod/shop/api-rndpbnfwlh-kp58t with total probability 0.5 (pod/shop/db-1 -> svc/shop/api), but those that do have 0.333333",
    );
    expect(r.stdout).to.match(/\d+ passed, 2 failed\n$/);
  });

  describe("bad expectations: file:line:col and exit 2", () => {
    const cases: [string, string[]][] = [
      [
        "bad-unknown-field.yaml",
        [
          `${FIX}/bad-unknown-field.yaml:5:5: error[unknown-field]: Expectations: expect[0].reech: unknown field "reech"; did you mean "reach"?`,
        ],
      ],
      [
        "bad-request.yaml",
        [
          `${FIX}/bad-request.yaml:4:5: error[invalid-field]: Expectations: expect[0]: no request: give curl: URL (curl form) or from: and to: (trace form)`,
          `${FIX}/bad-request.yaml:7:12: error[invalid-field]: Expectations: expect[1].proto: proto is for the trace form (from/to); a curl request is TCP to the URL's host`,
          `${FIX}/bad-request.yaml:11:14: error[invalid-field]: Expectations: expect[2].headers: headers is for the curl form (curl: URL)`,
          `${FIX}/bad-request.yaml:16:18: error[invalid-field]: Expectations: expect[3].probability: give someBranch or probability, not both`,
          `${FIX}/bad-request.yaml:20:13: error[invalid-field]: Expectations: expect[4].status: expected an HTTP status code 100-599`,
        ],
      ],
      [
        "bad-values.yaml",
        [
          `${FIX}/bad-values.yaml:5:14: error[invalid-field]: Expectations: expect[0].dropped: dropped("NOT_A_DISPOSITION"): not a failure disposition; expected one of NO_ROUTE, `,
          `${FIX}/bad-values.yaml:7:12: error[invalid-field]: Expectations: expect[1].reach: reach("svc/shop/nope"): no Service shop/nope; Services: default/kubernetes, ingress-nginx/ingress-nginx-controller, kube-system/kube-dns, shop/api, shop/cart, shop/db, shop/web`,
          `${FIX}/bad-values.yaml:9:12: error[invalid-field]: Expectations: expect[2].reach: reach("cart"): give the namespace too; expected pod/NS/NAME, NS/NAME, svc/NS/NAME, node/NAME, client/NAME, IP or IP:PORT`,
          `${FIX}/bad-values.yaml:10:5: error[invalid-value]: Expectations: expect[3]: nothing to check; give at least one of delivered, reach, dropped, status, through, notThrough, sourceIP, masqueraded, ingressRule`,
        ],
      ],
      [
        "bad-unknown-pod.yaml",
        [
          `${FIX}/bad-unknown-pod.yaml:4:5: error[invalid-request]: Expectations: expect[0]: pod/shop/nope-0 -> svc/shop/api: no pod "shop/nope-0"; pods: shop/web-`,
        ],
      ],
      [
        "bad-kind.yaml",
        [
          `${FIX}/bad-kind.yaml:2:7: error[wrong-kind]: kind Service: an expectations file holds kind: Expectations documents`,
        ],
      ],
    ];
    for (const [file, messages] of cases) {
      it(file, async () => {
        const r = await runCli(["check", "-t", DEFAULT, `${FIX}/${file}`]);
        expect(r.code).to.equal(2);
        expect(r.stdout).to.equal("");
        const lines = r.stderr.trimEnd().split("\n");
        expect(lines).to.have.length(messages.length);
        messages.forEach((m, i) => {
          expect(lines[i]).to.satisfy((l: string) => l.startsWith(m), `${lines[i]}\n  should start with\n${m}`);
        });
      });
    }

    it("a misspelt field in the Topology's own expect: list", async () => {
      const r = await runCli(["check", "-t", `${FIX}/topology-bad-expect.yaml`]);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.equal(
        `${FIX}/topology-bad-expect.yaml:7:5: error[unknown-field]: Topology: expect[0].notThrought: unknown field "notThrought"; did you mean "notThrough"?\n`,
      );
    });

    it("no expectations at all, and usage errors", async () => {
      const empty = await runCli(["check", "-t", "spec/fixtures/topologies/services.yaml"]);
      expect(empty.code).to.equal(2);
      expect(empty.stderr).to.equal(
        "kubehop check: no expectations: add an expect: list to the Topology, or give a file of kind: Expectations\nusage: kubehop check -f TOPO [EXPECTATIONS.yaml] [--junit FILE]\n",
      );
      const none = await runCli(["check", "-t", DEFAULT.replace("default", "nope")]);
      expect(none.code).to.equal(2);
      const two = await runCli(["check", "-t", DEFAULT, "a.yaml", "b.yaml"]);
      expect(two.stderr).to.include('unexpected argument "b.yaml"');
    });
  });

  describe("--junit FILE", () => {
    it("writes a JUnit report a CI system reads: well-formed, counted, escaped, one testcase per expectation", async () => {
      const file = join(dir, "junit.xml");
      const r = await runCli(["check", "-t", DEFAULT, `${FIX}/failing.yaml`, "--junit", file]);
      expect(r.code).to.equal(1);
      const xml = readFileSync(file, "utf8");
      const doc = new JSDOM(xml, { contentType: "application/xml" }).window.document; // throws if not well-formed
      const root = doc.documentElement;
      expect(root.tagName).to.equal("testsuites");
      const cases = [...doc.getElementsByTagName("testcase")];
      const failures = [...doc.getElementsByTagName("failure")];
      expect(root.getAttribute("tests")).to.equal(String(cases.length));
      expect(root.getAttribute("failures")).to.equal("2");
      expect(failures).to.have.length(2);
      const suites = [...doc.getElementsByTagName("testsuite")];
      expect(
        suites.map((s) => [s.getAttribute("name"), s.getAttribute("tests"), s.getAttribute("failures")]),
      ).to.deep.equal([
        [DEFAULT, "9", "0"],
        [`${FIX}/failing.yaml`, "3", "2"],
      ]);
      const bad = cases.find((c) => c.getAttribute("name") === "/api/cart never crosses node-3 <&> (wrong)");
      expect(bad, "the name with <&> comes back unescaped").to.not.equal(undefined);
      expect(bad!.getAttribute("line")).to.equal("7");
      const failure = bad!.getElementsByTagName("failure")[0]!;
      expect(failure.getAttribute("message")).to.match(
        /^expected every branch to not pass through node-3 \(client\/client -> https:\/\/shop\.example\.com\/api\/cart\)/,
      );
      expect(failure.textContent).to.include("branch 3 of 4  probability 0.25");
      expect(xml).to.include("&lt;&amp;&gt;");
      expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).to.deep.equal([]);
    });

    it("is byte-identical from run to run, and written for passing runs too", async () => {
      const a = join(dir, "a.xml");
      const b = join(dir, "b.xml");
      await runCli(["check", "-t", DEFAULT, "--junit", a]);
      await runCli(["check", "-t", DEFAULT, "--junit", b]);
      expect(readFileSync(a, "utf8")).to.equal(readFileSync(b, "utf8"));
      const doc = new JSDOM(readFileSync(a, "utf8"), { contentType: "application/xml" }).window.document;
      expect(doc.getElementsByTagName("failure")).to.have.length(0);
      expect(doc.documentElement.getAttribute("tests")).to.equal("9");
    });
  });
});
