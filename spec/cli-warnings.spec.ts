// No command reads a topology silently: the commands whose output has no place for diagnostics (get,
// diagram, report, diff, drift, iptables-save) print the topology's warnings on stderr, in the one
// format, and still do their job (exit 0); --strict refuses them (exit 2). The input is the
// Kubernetes docs' fanout Ingress (spec/fixtures/real/), whose backend Services do not exist.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { runCli } from "./support/cli.ts";

const FANOUT = "spec/fixtures/real/manifests/k8s-website/simple-fanout-ingress.yaml";
const WARNING = `${FANOUT}:17:21: warning[dangling-backend]: Ingress default/simple-fanout-example: backend Service`;

describe("load warnings on every command", function () {
  this.timeout(20_000); // diagram and report load jsdom and d3, a second or more on a busy machine
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "kubehop-warn-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const commands: [string, () => string[]][] = [
    ["get", () => ["get", "svc", "-f", FANOUT]],
    ["diagram", () => ["diagram", "-f", FANOUT, "-o", join(dir, "d.svg")]],
    ["report", () => ["report", "-f", FANOUT, "-o", join(dir, "r.html")]],
    ["iptables-save", () => ["iptables-save", "-f", FANOUT, "--node", "node-1"]],
    ["drift", () => ["drift", "-f", FANOUT]],
    ["diff", () => ["diff", "-f", FANOUT, "-f", FANOUT]],
  ];
  for (const [name, argv] of commands) {
    it(`${name} prints them on stderr and carries on`, async () => {
      const r = await runCli(argv());
      expect(r.stderr, r.stderr).to.include(WARNING);
      expect(r.code, r.stderr).to.be.oneOf([0, 1]);
    });
  }

  it("drift --json also lists them, with their codes, as diagnostics", async () => {
    const r = await runCli(["drift", "-f", FANOUT, "--json"]);
    const codes = (JSON.parse(r.stdout) as { diagnostics: { code: string }[] }).diagnostics.map((d) => d.code);
    expect(codes).to.include("dangling-backend");
  });

  it("--strict turns them into an error (exit 2)", async () => {
    const r = await runCli(["get", "svc", "-f", FANOUT, "--strict"]);
    expect(r.code, r.stderr).to.equal(2);
    expect(r.stderr).to.include("dangling-backend");
  });
});
