// The README's console examples are what the commands print, byte for byte.
import { readFileSync } from "node:fs";
import { expect } from "chai";
import { main } from "../lib/cli/main.ts";

interface Example {
  command: string;
  expected: string;
}

function examples(markdown: string): Example[] {
  const out: Example[] = [];
  for (const block of markdown.matchAll(/```console\n([\s\S]*?)```/g)) {
    const lines = block[1]!.split("\n");
    out.push({ command: lines[0]!.replace(/^\$ /, ""), expected: lines.slice(1).join("\n") });
  }
  return out;
}

function words(command: string): string[] {
  return [...command.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

describe("README examples", () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const list = examples(readme);

  it("has console examples to check", () => {
    expect(list.length).to.be.at.least(3);
  });

  for (const ex of list) {
    it(ex.command, async () => {
      const [npx, bin, ...args] = words(ex.command);
      expect(`${npx} ${bin}`).to.equal("npx kubehop");
      let printed = "";
      await main(args, { stdout: (s) => (printed += s), stderr: (s) => (printed += s), readStdin: async () => "" });
      expect(printed).to.equal(ex.expected);
    });
  }

  it("npm start runs the worked example's command, then writes the report", () => {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
    const [curl, report] = (pkg.scripts.start as string).split(" && ").map((c) => c.replace(/^node bin\/kubehop\.js /, "npx kubehop "));
    expect(list.map((e) => e.command)).to.include(curl);
    expect(report).to.equal("npx kubehop report -t topologies/default.yaml -o reports/index.html");
  });
});
