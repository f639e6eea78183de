// Golden files: deterministic output a human has read. UPDATE_GOLDEN=1 npm test rewrites them.
import { readFileSync, writeFileSync } from "node:fs";
import { expect } from "chai";
import { main } from "../lib/cli/main.ts";

async function run(args: string[]): Promise<string> {
  let out = "";
  const code = await main(args, { stdout: (s) => (out += s), stderr: (s) => (out += s), readStdin: async () => "" });
  expect(code, out).to.equal(0);
  return out;
}

function golden(name: string, actual: string): void {
  const file = new URL(`./golden/${name}`, import.meta.url);
  if (process.env.UPDATE_GOLDEN) writeFileSync(file, actual);
  expect(actual).to.equal(readFileSync(file, "utf8"));
}

describe("golden output", () => {
  it("iptables-save of node-1 of the default topology", async () => {
    golden("default-node-1.iptables-save", await run(["iptables-save", "-t", "topologies/default.yaml", "--node", "node-1"]));
  });
});
