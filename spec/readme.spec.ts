// The README's console examples are what the commands print, byte for byte, at 100 columns with no
// colour: the same words and IO as scripts/update-readme.ts, which rewrites them.
import { readFileSync } from "node:fs";
import { expect } from "chai";
import { COMMANDS } from "../lib/cli/commands.ts";
import { README, examples, run, words } from "../scripts/update-readme.ts";

/** The Command line section's synopsis: each entry (a `kubehop NAME` line and its indented continuation) by NAME. */
function synopsis(markdown: string): Map<string, string> {
  const section = markdown.slice(markdown.indexOf("## Command line"));
  const block = /```\n([\s\S]*?)```/.exec(section)?.[1] ?? "";
  const entries = new Map<string, string>();
  let name = "";
  for (const line of block.split("\n")) {
    const head = /^kubehop (\S+)/.exec(line);
    if (head) name = head[1]!;
    if (name) entries.set(name, `${entries.get(name) ?? ""} ${line}`);
  }
  return entries;
}

describe("README examples", () => {
  const readme = readFileSync(README, "utf8");
  const list = examples(readme);

  it("has console examples to check", () => {
    expect(list.length).to.be.at.least(3);
  });

  it("splits command lines as a shell does", () => {
    expect(words(`npx kubehop curl -d '{"item":1}' -H "X-A: \\"b\\"" --data='a b' c\\ d`)).to.deep.equal([
      "npx",
      "kubehop",
      "curl",
      "-d",
      '{"item":1}',
      "-H",
      'X-A: "b"',
      "--data=a b",
      "c d",
    ]);
  });

  for (const ex of list) {
    it(ex.command, async () => {
      expect(await run(ex.command)).to.equal(ex.expected);
    });
  }

  it("the Command line synopsis shows every command with its own flags", () => {
    const entries = synopsis(readme);
    expect([...entries.keys()]).to.include.members([...Object.keys(COMMANDS), "help"]);
    for (const [name, spec] of Object.entries(COMMANDS)) {
      // curl's flags are curl's (see "Pasting a curl command"); --json and --format are spellings of -o.
      if (spec.rawArgs) continue;
      const entry = entries.get(name)!;
      for (const [flag, option] of Object.entries(spec.options)) {
        if ((flag === "json" || flag === "format") && "output" in spec.options) continue;
        const short = option.short !== undefined && new RegExp(`(^|[\\s[|])-${option.short}(?=[\\s\\]|])`).test(entry);
        expect(entry.includes(`--${flag}`) || short, `kubehop ${name}: --${flag}`).to.equal(true);
      }
    }
  });

  it("npm start runs the worked example's command, then writes the report", () => {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
    // -t and -f both name the topology; the README spells it -f.
    const asShown = (c: string) => c.replace(/^node bin\/kubehop\.js /, "npx kubehop ").replace(/ -t /g, " -f ");
    const [curl, report] = (pkg.scripts.start as string).split(" && ").map(asShown);
    expect(list.map((e) => e.command)).to.include(curl);
    expect(report).to.equal("npx kubehop report -f topologies/default.yaml -o reports/index.html");
  });
});
