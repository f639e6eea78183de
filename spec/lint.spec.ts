// The code's form: biome's formatter and linter (biome.json, 120 columns) agree with every file of
// lib/, spec/, scripts/, bench/ and bin/. Run `npx biome check --write` to format; the rules it
// cannot fix are named in its output.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { expect } from "chai";

const require = createRequire(import.meta.url);
const BIOME = join(dirname(require.resolve("@biomejs/biome/package.json")), "bin", "biome");

describe("biome: formatting and lint", function () {
  this.timeout(60_000); // biome is a separate native process checking ~300 files

  it("finds nothing to change and nothing to report", () => {
    const r = spawnSync(process.execPath, [BIOME, "check", "--colors=off", "--max-diagnostics=20"], {
      encoding: "utf8",
    });
    expect(r.status, `${r.stdout}${r.stderr}`).to.equal(0);
  });
});

// biome cannot break a string, template or comment, so it leaves such lines over its 120 columns.
describe("lib/: line width", () => {
  it("has no line of a .ts file over 120 characters", () => {
    const over: string[] = [];
    for (const entry of readdirSync("lib", { recursive: true, withFileTypes: true })) {
      const file = join(entry.parentPath, entry.name);
      if (!entry.isFile() || !file.endsWith(".ts")) continue;
      readFileSync(file, "utf8")
        .split("\n")
        .forEach((line, i) => {
          if (line.length > 120) over.push(`${file}:${i + 1} (${line.length} characters)`);
        });
    }
    expect(over, over.join("\n")).to.deep.equal([]);
  });
});
