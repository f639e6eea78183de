// Golden files: deterministic output a human has read (UPDATE_GOLDEN=1 npx mocha spec/golden.spec.ts
// rewrites them). The drawings' golden files are the README's examples under reports/ (spec/report.spec.ts).
import { expect } from "chai";
import { runCli } from "./support/cli.ts";
import { golden } from "./support/golden.ts";

describe("golden output", () => {
  it("iptables-save of node-1 of the default topology", async () => {
    const r = await runCli(["iptables-save", "-t", "topologies/default.yaml", "--node", "node-1"]);
    expect([r.code, r.stderr]).to.deep.equal([0, ""]);
    golden(import.meta.url, "spec/golden/default-node-1.iptables-save", r.stdout);
  });
});
