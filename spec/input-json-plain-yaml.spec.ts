// Beside the JSON reader, the plain-YAML reader (lib/input/yaml-plain.ts): whatever it accepts, the
// YAML library reads to the same values with every key and value at the same offset; whatever it
// cannot read exactly, it leaves to the library. Checked on every YAML file in the repository and
// on generated documents written in many styles, tricky scalars included.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import fc from "fast-check";
import { type Document, isMap, isScalar, isSeq, type Node as YamlNode, parseAllDocuments } from "yaml";
import { generateTopology } from "../lib/cli/generate-command.ts";
import { offsetIn, readPlainYaml } from "../lib/input/yaml-plain.ts";

/** True when the plain reader read `text`; throws when it read it other than the library does. */
function agrees(text: string): boolean {
  const plain = readPlainYaml(text);
  if (plain === undefined) return false;
  const docs = parseAllDocuments(text, { uniqueKeys: true });
  const list = (Array.isArray(docs) ? docs : []) as Document[];
  expect(list.flatMap((d) => d.errors.map((e) => e.message)), text).to.deep.equal([]);
  const full = list.filter((d) => !(d.contents === null || (isScalar(d.contents) && d.contents.value === null)));
  expect(plain.map((d) => d.value), text).to.deep.equal(full.map((d) => d.toJS() as unknown));
  plain.forEach((doc, i) => {
    const walk = (node: YamlNode, path: (string | number)[]): void => {
      expect(offsetIn(doc.pos, path), `${text}\nat ${path.join(".")}`).to.equal(node.range![0]);
      if (isMap(node)) {
        for (const pair of node.items) {
          const key = (pair.key as { value: string; range: number[] }).value;
          expect(offsetIn(doc.pos, path, key), `${text}\nkey ${key}`).to.equal((pair.key as { range: number[] }).range[0]);
          walk(pair.value as YamlNode, [...path, key]);
        }
      } else if (isSeq(node)) {
        node.items.forEach((item, j) => walk(item as YamlNode, [...path, j]));
      }
    };
    walk(full[i]!.contents as YamlNode, []);
  });
  return true;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? yamlFiles(p) : /\.ya?ml$/.test(f) ? [p] : [];
  });
}

/** Words scalars are made of: ordinary ones, and (less often) ones YAML reads as something else or refuses. */
const WORDS = ["web", "node-1", "10.244.0.0/16", "192.168.10.11", "http://a.example:8080/x", "shop.example.com", "a b", "TCP", "0", "7", "42", "0.5", "1.50"];
const TRICKY = ["007", "-1", "+1", "0x1F", "0o17", "1e3", ".5", "1.", ".inf", ".NaN", "yes", "no", "on", "true", "False", "NULL", "null", "~", "a#b", "a #b", "a: b", "a:b", "-x", "- x", "? q", ":z", "%p", "@at", "`t", "&a", "*a", "!t", "|", ">", "[x]", "{y}", "a,b", "x]", "__proto__", "<<", "it's", 'say "hi"', "tab\there", "é☃", ""];
const KEYS = ["name", "kind", "spec", "app", "ports", "a", "b", "x y", "k8s.io/name", "'q'", '"dq"'];
const TRICKY_KEYS = ["80", "true", "__proto__", "-k", "#k", "a:b", "a", "name"];
const key = fc.oneof({ arbitrary: fc.constantFrom(...KEYS), weight: 6 }, { arbitrary: fc.constantFrom(...TRICKY_KEYS), weight: 1 });

type Tree = string | Tree[] | [string, Tree][] | { map: [string, Tree][] };

const scalar = fc.oneof({ arbitrary: fc.constantFrom(...WORDS), weight: 4 }, { arbitrary: fc.stringMatching(/^[a-z0-9./_-]{1,10}$/), weight: 2 }, { arbitrary: fc.constantFrom(...TRICKY), weight: 1 });
const tree: fc.Arbitrary<Tree> = fc.letrec<{ t: Tree }>((tie) => ({
  t: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalar,
    fc.array(tie("t"), { minLength: 1, maxLength: 3 }),
    fc.record({ map: fc.array(fc.tuple(key, tie("t")), { minLength: 1, maxLength: 4 }) }),
  ),
})).t;

const style: fc.Arbitrary<Style> = fc.record({
  indent: fc.constantFrom(2, 4),
  compactSeqs: fc.boolean(),
  flowDepth: fc.integer({ min: 0, max: 3 }),
  quote: fc.constantFrom("none", "double", "single", "mixed"),
  comments: fc.boolean(),
  literal: fc.boolean(),
});

interface Style {
  readonly indent: number;
  readonly compactSeqs: boolean;
  readonly flowDepth: number;
  readonly quote: string;
  readonly comments: boolean;
  readonly literal: boolean;
}

function render(t: Tree, s: Style): string {
  const scalarText = (v: string, depth: number) => {
    const q = s.quote === "mixed" ? ["none", "double", "single"][(v.length + depth) % 3] : s.quote;
    return q === "double" ? JSON.stringify(v) : q === "single" ? `'${v.replaceAll("'", "''")}'` : v;
  };
  const flow = (v: Tree, depth: number): string =>
    typeof v === "string" ? scalarText(v, depth) : Array.isArray(v) ? `[${v.map((x) => flow(x as Tree, depth + 1)).join(", ")}]` : `{${v.map.map(([k, x]) => `${k}: ${flow(x, depth + 1)}`).join(", ")}}`;
  const block = (v: Tree, pad: string, depth: number): string[] => {
    const inline = (x: Tree) => typeof x === "string" || depth >= s.flowDepth;
    if (typeof v === "string") return [pad + scalarText(v, depth)];
    const out: string[] = [];
    if (Array.isArray(v)) {
      for (const item of v as Tree[]) {
        if (s.literal && typeof item === "string" && item.length > 3) out.push(`${pad}- |${item.length % 2 ? "-" : ""}`, `${pad}${" ".repeat(s.indent)}${item}`);
        else if (inline(item)) out.push(`${pad}- ${flow(item, depth)}`);
        else {
          const inner = block(item, pad + " ".repeat(s.indent), depth + 1);
          out.push(`${pad}- ${inner[0]!.trimStart()}`, ...inner.slice(1));
        }
      }
    } else {
      for (const [k, x] of v.map) {
        if (s.comments && k.length % 2) out.push(`${pad}# about ${k}`);
        if (inline(x)) out.push(`${pad}${k}: ${flow(x, depth)}${s.comments ? "  # note" : ""}`);
        else out.push(`${pad}${k}:`, ...block(x, Array.isArray(x) && s.compactSeqs ? pad : pad + " ".repeat(s.indent), depth + 1));
      }
    }
    return out;
  };
  return `${block(t, "", 0).join("\n")}\n`;
}

describe("the plain-YAML reader", () => {
  it("reads every YAML file in the repository exactly as the YAML library does, or leaves it to the library", () => {
    const files = [...yamlFiles("topologies"), ...yamlFiles("spec/fixtures")];
    const read = files.filter((f) => agrees(readFileSync(f, "utf8")));
    // The fixtures of bad input are the library's to report; nearly all the rest is read here.
    expect(read.length, "files read by the plain reader").to.be.greaterThan(files.filter((f) => !f.includes("/bad/")).length * 0.9);
    expect(read).to.include.members(["topologies/default.yaml", "spec/fixtures/kubectl/cluster.yaml"]);
  });

  it("reads what kubehop generate writes", () => {
    expect(agrees(generateTopology({ nodes: 5, podsPerNode: 4, services: 3, endpoints: 2 }))).to.equal(true);
  });

  it("agrees with the YAML library on generated documents in many styles, whenever it reads them", () => {
    let read = 0;
    fc.assert(
      fc.property(fc.array(fc.record({ map: fc.array(fc.tuple(key, tree), { minLength: 1, maxLength: 4 }) }), { minLength: 1, maxLength: 3 }), style, (docs, s) => {
        if (agrees(docs.map((d) => render(d, s)).join("---\n"))) read++;
      }),
      { seed: 7, numRuns: 1500 },
    );
    // Enough of them are read here for the agreement to mean something.
    expect(read).to.be.greaterThan(150);
  });
});
