// Pasted rules get cut, doubled and garbled on their way into an issue. Whatever happens to the
// lines of a real dump (spec/fixtures/real/iptables/), `kubehop netfilter` answers (exit 0) with
// diagnostics for what it could not read: it never throws and never refuses the text (exit 2), as
// long as one rule line of the dump survives (text with no rules at all is refused, rightly).
import { readdirSync, readFileSync } from "node:fs";
import { expect } from "chai";
import { parseIptablesSave } from "../lib/netfilter/parser.ts";
import { runCli } from "./support/cli.ts";
import { checkProperty, fc } from "./support/random.ts";

const DIR = "spec/fixtures/real/iptables/";
/** The dumps, not the `iptables -L` listings, which are refused whole by design. */
const DUMPS = readdirSync(DIR)
  .filter((f) => !/-L-|-nL\b|iptables-L/.test(f))
  .sort();
const RULE = /^(?:\[\d+:\d+\]\s+)?-A\s/;

type Edit =
  | { kind: "cut"; at: number }
  | { kind: "duplicate"; at: number }
  | { kind: "truncate"; at: number; col: number }
  | { kind: "insert"; at: number; col: number; text: string }
  | { kind: "spaces"; at: number }
  | { kind: "legacy-warning"; at: number; col: number };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant("cut" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("duplicate" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat(), col: fc.nat() }),
  fc.record({
    kind: fc.constant("insert" as const),
    at: fc.nat(),
    col: fc.nat(),
    text: fc.string({ unit: fc.constantFrom(..." -!\"'#:[]*0123456789abcxyzACDNP./,\t".split("")), maxLength: 8 }),
  }),
  fc.record({ kind: fc.constant("spaces" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("legacy-warning" as const), at: fc.nat(), col: fc.nat() }),
);

/** The lines after the edits; `keep` (a rule line) is never touched. */
function mutate(lines: readonly string[], keep: number, edits: readonly Edit[]): string[] {
  const out = lines.map((text, i) => ({ text, kept: i === keep }));
  for (const e of edits) {
    const at = e.at % out.length;
    const line = out[at]!;
    if (line.kept) continue;
    const col = "col" in e ? e.col % (line.text.length + 1) : 0;
    switch (e.kind) {
      case "cut":
        out.splice(at, 1);
        break;
      case "duplicate":
        out.splice(at, 0, { ...line, kept: false });
        break;
      case "truncate":
        line.text = line.text.slice(0, col);
        break;
      case "insert":
        line.text = line.text.slice(0, col) + e.text + line.text.slice(col);
        break;
      case "spaces":
        line.text = line.text.replace(/ /g, "  ").replace(/--to-destination \S+/, "--to-destination  --random");
        break;
      case "legacy-warning":
        line.text = `${line.text.slice(0, col)}# Warning: iptables-legacy tables present, use iptables-legacy-save to see them`;
        break;
    }
  }
  return out.map((l) => l.text);
}

describe("cut, duplicated and garbled real dumps: never a throw, never exit 2", () => {
  DUMPS.forEach((file, n) => {
    const lines = readFileSync(DIR + file, "utf8").split("\n");
    const rules = lines.flatMap((l, i) => (RULE.test(l) ? [i] : []));

    it(`${file} (${rules.length} rule lines)`, async () => {
      expect(rules.length, "a dump with rule lines").to.be.greaterThan(0);
      const cases: string[] = [];
      let garbled = 0;
      // fast-check's async properties would run the CLI per case anyway; the texts are made first.
      checkProperty(
        fc.property(fc.nat(), fc.array(edit, { minLength: 1, maxLength: 12 }), (k, edits) => {
          const text = mutate(lines, rules[k % rules.length]!, edits).join("\n");
          const { diagnostics } = parseIptablesSave(text, "fuzz.txt");
          if (diagnostics.some((d) => d.code.startsWith("iptables-unreadable"))) garbled++;
          cases.push(text);
        }),
        4242 + n,
        40,
      );
      // The edits did reach the reader: some texts had lines it could not read.
      expect(garbled).to.be.greaterThan(0);
      for (const text of cases.slice(0, 10)) {
        const r = await runCli(
          [
            "netfilter",
            "--rules",
            "-",
            "--src",
            "10.244.1.4",
            "--dst",
            "10.96.0.10",
            "--dport",
            "53",
            "--proto",
            "udp",
          ],
          { stdin: text },
        );
        expect([r.code, r.stderr], text).to.deep.equal([0, ""]);
      }
    });
  });
});
