// The layers of lib/ as .dependency-cruiser.cjs writes them, lowest first: no import against their
// order, no import cycle between files or between folders, every file of lib/ in one layer, and the
// README's architecture section listing the same layers.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { expect } from "chai";
import type { ICruiseResult, IViolation } from "dependency-cruiser";

interface Layer {
  readonly name: string;
  readonly paths: readonly string[];
  readonly owns: string;
}

const CONFIG = ".dependency-cruiser.cjs";
const require = createRequire(import.meta.url);
const { LAYERS, layerPattern } = require(`../${CONFIG}`) as {
  LAYERS: readonly Layer[];
  layerPattern: (layer: Layer) => string;
};

/** One violation on one line: the rule, then the import (or the circle) that breaks it. */
function describeViolation(v: IViolation): string {
  const path = v.cycle?.length ? [v.from, ...v.cycle.map((c) => c.name)].join(" -> ") : `${v.from} -> ${v.to}`;
  return `${v.rule.name}: ${path}`;
}

/** The README's numbered list of layers, each item on one line with its spaces collapsed. */
function readmeLayers(): string[] {
  const readme = readFileSync("README.md", "utf8");
  const section = /^## Architecture\n([\s\S]*?)(?=^## )/m.exec(readme)?.[1];
  if (section === undefined) throw new Error("README.md has no '## Architecture' section");
  const items: string[] = [];
  for (const line of section.split("\n")) {
    if (/^\d+\. /.test(line)) items.push(line);
    else if (/^ +\S/.test(line) && items.length > 0) items[items.length - 1] += ` ${line.trim()}`;
    else if (items.length > 0) break;
  }
  return items.map((i) => i.replace(/\s+/g, " "));
}

function expectedReadmeLayers(): string[] {
  return LAYERS.map((l, i) => `${i + 1}. **${l.name}** (${l.paths.map((p) => `\`${p}\``).join(", ")}): ${l.owns}.`);
}

describe(`the layers of lib/ (${CONFIG})`, () => {
  let result: ICruiseResult;

  before(function () {
    // dependency-cruiser parses every file of lib/ (~200) with swc: about two seconds. It runs as
    // its own process: under tsx's loader, swc's CommonJS Visitor class does not import as
    // dependency-cruiser expects. The same command as `npx depcruise lib`, with JSON out.
    this.timeout(30_000);
    const json = execFileSync(
      process.execPath,
      ["node_modules/dependency-cruiser/bin/dependency-cruise.mjs", "lib", "--config", CONFIG, "--output-type", "json"],
      { encoding: "utf8", maxBuffer: 64 << 20 },
    );
    result = JSON.parse(json) as ICruiseResult;
  });

  it("no import against the layer order, no import cycle between files or between folders", () => {
    const violations = result.summary.violations.map(describeViolation);
    if (violations.length > 0)
      expect.fail(
        `${violations.length} dependency rule(s) broken (the order is in ${CONFIG}):\n  ${violations.join("\n  ")}`,
      );
    expect(result.summary.totalCruised).to.be.greaterThan(100);
  });

  it("every file of lib/ is in exactly one layer", () => {
    const patterns = LAYERS.map((l) => new RegExp(layerPattern(l)));
    const files = result.modules.map((m) => m.source).filter((s) => s.startsWith("lib/"));
    const misplaced = files.flatMap((f) => {
      const n = patterns.filter((p) => p.test(f)).length;
      return n === 1 ? [] : [`${f}: in ${n} layers`];
    });
    if (misplaced.length > 0) expect.fail(`place each file in one layer of ${CONFIG}:\n  ${misplaced.join("\n  ")}`);
    expect(files).to.include("lib/topology.ts");
  });

  it("the README's architecture section lists the layers of the config, in its order", () => {
    expect(readmeLayers()).to.deep.equal(expectedReadmeLayers());
  });
});
