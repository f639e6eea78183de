// The corpus of real inputs (spec/fixtures/real/) holds together: every file is cited in SOURCES.md
// with a public source and a licence, and has its facts in expectations.yaml. What kubehop does with
// the files is asserted elsewhere; this spec checks only the corpus itself.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { expect } from "chai";
import { parse } from "yaml";

const ROOT = "spec/fixtures/real";
const BOOKKEEPING = new Set(["SOURCES.md", "expectations.yaml"]);
const LICENCES = ["Apache-2.0", "CC BY 4.0", "GH-comment"];

interface SourceRow {
  readonly file: string;
  readonly url: string;
  readonly licence: string;
  readonly what: string;
}

interface Damage {
  readonly line?: number;
  readonly lines?: string;
}

interface Expectation {
  readonly format?: string;
  readonly partial?: boolean;
  readonly damage?: readonly Damage[];
  readonly tables?: Record<string, { readonly rules?: number }>;
}

function corpusFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? corpusFiles(path) : [relative(ROOT, path)];
    })
    .filter((file) => !BOOKKEEPING.has(file));
}

// Table cells are split on " | " (a pipe inside a cell is written "\|").
function sourceRows(): SourceRow[] {
  return readFileSync(join(ROOT, "SOURCES.md"), "utf8")
    .split("\n")
    .filter((line) => line.startsWith("| ") && !line.startsWith("| file ") && !line.startsWith("| ---"))
    .map((line) => {
      const cells = line
        .slice(2, -2)
        .split(/ (?<!\\)\| /)
        .map((cell) => cell.trim());
      return { file: cells[0]!, url: cells[1]!, licence: cells[3]!, what: cells[4] ?? "" };
    });
}

// The repository a source belongs to: owner/name from its GitHub URL.
function repositoryOf(url: string): string | undefined {
  return /https:\/\/github\.com\/([^/\s]+\/[^/\s]+)\//.exec(url)?.[1];
}

function ruleLines(text: string): number {
  return text.split("\n").filter((line) => /^(\[\d+:\d+\] )?-A /.test(line)).length;
}

describe("the real-input corpus (spec/fixtures/real/)", () => {
  let files: string[];
  let rows: SourceRow[];
  let expectations: Record<string, Expectation>;
  before(() => {
    files = corpusFiles(ROOT);
    rows = sourceRows();
    expectations = parse(readFileSync(join(ROOT, "expectations.yaml"), "utf8")).files;
  });

  it("holds at least 25 files from at least 10 public repositories", () => {
    expect(files.length).to.be.at.least(25);
    const repositories = new Set(rows.map((row) => repositoryOf(row.url)));
    expect(repositories.size, [...repositories].join(", ")).to.be.at.least(10);
  });

  it("cites every file in SOURCES.md, once, with a GitHub URL, a licence and what it is", () => {
    expect(rows.map((row) => row.file).sort()).to.deep.equal([...files].sort());
    for (const row of rows) {
      expect(repositoryOf(row.url), `${row.file}: source URL`).to.be.a("string");
      expect(LICENCES, `${row.file}: licence`).to.include(row.licence);
      expect(row.what, `${row.file}: what it is`).to.not.equal("");
    }
  });

  it("licenses repository files under their repository's licence and pastes as GitHub comments", () => {
    for (const row of rows) {
      const fromRepositoryFile = row.url.includes("/blob/");
      expect(row.licence === "GH-comment", `${row.file}: ${row.url}`).to.equal(!fromRepositoryFile);
      if (row.url.includes("github.com/kubernetes/website/")) expect(row.licence, row.file).to.equal("CC BY 4.0");
    }
  });

  it("cites repository files at a commit, so the text can be compared with its source", () => {
    for (const row of rows.filter((r) => r.url.includes("/blob/")))
      expect(row.url, row.file).to.match(/\/blob\/[0-9a-f]{40}\//);
  });

  it("has expectations for exactly the corpus's files, each naming its format", () => {
    expect(Object.keys(expectations).sort()).to.deep.equal([...files].sort());
    for (const file of files) expect(expectations[file]!.format, file).to.be.a("string").and.not.equal("");
  });

  it("marks the same files partial in SOURCES.md and in expectations.yaml", () => {
    for (const row of rows)
      expect(Boolean(expectations[row.file]!.partial), row.file).to.equal(row.what.includes("**partial**"));
  });

  it("places every damaged line inside its file", () => {
    for (const file of files) {
      const count = readFileSync(join(ROOT, file), "utf8").replace(/\n$/, "").split("\n").length;
      for (const damage of expectations[file]!.damage ?? []) {
        const numbers = damage.line ? [damage.line] : (damage.lines ?? "").split(/[,-]/).map(Number);
        for (const n of numbers) expect(n, `${file}: damaged line ${n} of ${count}`).to.be.within(1, count);
      }
    }
  });

  it("counts in expectations.yaml the rules the iptables files hold", () => {
    for (const file of files.filter((f) => f.startsWith("iptables/"))) {
      const tables = expectations[file]!.tables;
      if (!tables) continue;
      const counted = Object.values(tables).reduce((sum, table) => sum + (table.rules ?? 0), 0);
      expect(counted, file).to.equal(ruleLines(readFileSync(join(ROOT, file), "utf8")));
    }
  });
});
