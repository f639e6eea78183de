// kubectl's `-o json` goes through JSON.parse, not the YAML composer: the same cluster as the same
// objects in YAML, and bad input still pointed at by file:line:col.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { parseAllDocuments } from "yaml";
import { InputError } from "../lib/input/errors.ts";
import { splitList } from "../lib/input/json-list.ts";
import { JsonPositions } from "../lib/input/json-positions.ts";
import { LineIndex } from "../lib/input/line-index.ts";
import { loadInput } from "../lib/input/load.ts";
import { parseDocuments } from "../lib/input/yaml-documents.ts";
import type { Cluster } from "../lib/model/cluster.ts";
import { loadTopologySync } from "../lib/topology.ts";
import { formatDiagnostic } from "../lib/model/diagnostic.ts";

const DEFAULT = "topologies/default.yaml";

/** The YAML file's objects, as `kubectl get ... -o json` prints a List (4-space indent). */
function asList(yamlFile: string): unknown[] {
  return parseAllDocuments(readFileSync(yamlFile, "utf8")).map((d) => d.toJS() as unknown);
}

/** The model without where things were written: the JSON and YAML files differ only in that. */
function positionless(c: Cluster): unknown {
  return JSON.parse(JSON.stringify(c, (k, v: unknown) => (k === "origin" ? undefined : v instanceof Map ? [...v] : v)));
}

/** 1-based line and column of the first occurrence of `needle` in `text`. */
function where(text: string, needle: string): { line: number; col: number } {
  const i = text.indexOf(needle);
  expect(i, needle).to.be.at.least(0);
  const before = text.slice(0, i);
  return { line: before.split("\n").length, col: i - before.lastIndexOf("\n") };
}

function problemsOf(load: () => unknown): string[] {
  try {
    load();
  } catch (e) {
    expect(e).to.be.instanceOf(InputError);
    return (e as InputError).diagnostics.map(formatDiagnostic);
  }
  throw new Error("expected an InputError");
}

describe("kubectl -o json input", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "kubehop-json-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("a List loads to the same cluster as the same objects in YAML, and traces the same", () => {
    const file = join(dir, "list.json");
    writeFileSync(
      file,
      JSON.stringify(
        { apiVersion: "v1", kind: "List", items: asList(DEFAULT), metadata: { resourceVersion: "" } },
        null,
        4,
      ),
    );
    const fromJson = loadTopologySync(file);
    const fromYaml = loadTopologySync(DEFAULT);
    expect(positionless(fromJson.cluster)).to.deep.equal(positionless(fromYaml.cluster));
    const strip = (s: string) => s.replaceAll(file, "F").replaceAll(DEFAULT, "F");
    const curl = (t: typeof fromJson) =>
      JSON.stringify(t.curl("https://shop.example.com/api/cart"), (k, v: unknown) => (k === "origin" ? undefined : v));
    expect(strip(curl(fromJson))).to.equal(strip(curl(fromYaml)));
  });

  it("several documents one after another (kubectl get pods -o json; kubectl get svc -o json) load too", () => {
    const file = join(dir, "stream.json");
    const items = asList(DEFAULT);
    writeFileSync(file, items.map((o) => JSON.stringify(o, null, 2)).join("\n"));
    expect(positionless(loadTopologySync(file).cluster)).to.deep.equal(positionless(loadTopologySync(DEFAULT).cluster));
  });

  it("each object's origin is where its { stands, in the List or in the stream", () => {
    const text = `{"kind": "List", "apiVersion": "v1", "items": [\n  {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}},\n    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b"}}\n]}\n{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "c"}}`;
    const objects = parseDocuments({ file: "x.json", text });
    expect(objects.map((o) => [o.kind, o.at().line, o.at().col])).to.deep.equal([
      ["Namespace", 2, 3],
      ["ConfigMap", 3, 5],
      ["Secret", 5, 1],
    ]);
    expect(objects[1]!.at(["metadata", "name"])).to.deep.equal({ file: "x.json", line: 3, col: 68 });
    expect(objects[1]!.at(["metadata"], "name")).to.deep.equal({ file: "x.json", line: 3, col: 60 });
    // A path that is not there stops at the deepest part that is.
    expect(objects[1]!.at(["metadata", "labels", "app"])).to.deep.equal({ file: "x.json", line: 3, col: 59 });
  });

  it("a wrong value is reported at its line and column", () => {
    const file = join(dir, "bad-port.json");
    const items = asList(DEFAULT) as { kind: string; spec?: { ports?: { port: unknown }[] } }[];
    const svc = items.find((o) => o.kind === "Service" && o.spec?.ports?.length)!;
    svc.spec!.ports![0]!.port = "eighty";
    const text = JSON.stringify({ apiVersion: "v1", kind: "List", items }, null, 4);
    writeFileSync(file, text);
    const at = where(text, '"eighty"');
    expect(problemsOf(() => loadInput(file))).to.deep.equal([
      `${file}:${at.line}:${at.col}: error[invalid-field]: Service: spec.ports[0].port: expected a port number 1-65535`,
    ]);
  });

  it("a List is cut at its items' lines when pretty-printed; any other layout reads the same, positions and all", () => {
    const items = (asList(DEFAULT) as object[]).slice(0, 6);
    const list = { apiVersion: "v1", items, kind: "List", metadata: { resourceVersion: "" } };
    const oneLine = (o: object) => JSON.stringify(o);
    const layouts = [
      JSON.stringify(list, null, 4),
      JSON.stringify(list, null, 2),
      JSON.stringify(list),
      `{"apiVersion": "v1", "kind": "List", "items": [\n  ${items.map(oneLine).join(",\n  ")}\n]}`,
      // Two items on one line, and an item's inner object on a line of its own at the items' indent.
      `{"items": [\n  ${oneLine(items[0]!)}, ${oneLine(items[1]!)},\n  {"kind": "Namespace", "metadata":\n  {"name": "x"}},\n  ${oneLine(items[2]!)}\n], "kind": "List", "apiVersion": "v1"}`,
    ];
    // kubectl's and JSON.stringify's layouts are cut; the irregular one is read whole.
    expect(layouts.map((t) => splitList(t, t.indexOf("{"))?.items.length)).to.deep.equal([
      6,
      6,
      undefined,
      6,
      undefined,
    ]);
    for (const text of layouts) {
      const objects = parseDocuments({ file: "l.json", text });
      const expected = (JSON.parse(text) as { items: { kind: string }[] }).items;
      expect(objects.map((o) => o.value)).to.deep.equal(expected);
      // Each item's position, against a plain character-by-character reading of the text.
      const reference = new JsonPositions(text);
      const lines = new LineIndex(text);
      objects.forEach((o, i) => {
        expect(o.at(), `${text}\nitem ${i}`).to.deep.equal({
          file: "l.json",
          ...lines.lineCol(reference.offsetOf(0, ["items", i])),
        });
      });
    }
  });

  it("a misspelt field is reported at its key, with the field it should be, even when the key is escaped", () => {
    const text = `{\n  "apiVersion": "kubehop.io/v1alpha1",\n  "kind": "Topology",\n  "metadata": {"name": "t"},\n  "spec": {"cluster\\u0043idr": "10.244.0.0/16"}\n}\n`;
    const file = join(dir, "misspelt.json");
    writeFileSync(file, text);
    const [problem] = problemsOf(() => loadInput(file));
    expect(problem).to.match(
      new RegExp(
        `^${file}:5:12: error\\[unknown-field\\]: Topology: spec.clusterCidr: unknown field "clusterCidr"; did you mean "clusterCIDR"\\?`,
      ),
    );
  });

  it("a JSON syntax error is still file:line:col, from the YAML reader it falls back to", () => {
    const file = join(dir, "syntax.json");
    writeFileSync(file, '{\n  "apiVersion": "v1",\n  "kind": "Pod",,\n  "metadata": {"name": "p"}\n}\n');
    const [problem] = problemsOf(() => loadInput(file));
    expect(problem).to.match(new RegExp(`^${file}:3:17: error\\[input-syntax\\]: YAML syntax: `));
  });

  it("a List without items, and an empty List, say so at the List", () => {
    const noItems = join(dir, "no-items.json");
    writeFileSync(noItems, '{"apiVersion": "v1",\n "kind": "List",\n "items": {}}');
    expect(problemsOf(() => loadInput(noItems))).to.deep.equal([
      `${noItems}:3:11: error[document-shape]: a List needs items: a sequence of Kubernetes objects`,
    ]);
    const empty = join(dir, "empty.json");
    writeFileSync(empty, '\n  {"apiVersion": "v1", "kind": "List", "items": []}');
    expect(problemsOf(() => loadInput(empty))).to.deep.equal([
      `${empty}:2:3: error[input-syntax]: no objects in the List; expected Kubernetes objects or a kubehop Topology`,
    ]);
  });

  it("a folder may hold kubectl's JSON beside YAML", () => {
    const folder = join(dir, "mixed");
    mkdirSync(folder);
    const items = asList(DEFAULT) as { kind: string }[];
    writeFileSync(join(folder, "a-topology.yaml"), readFileSync(DEFAULT, "utf8").split(/^---$/m)[0]!);
    writeFileSync(
      join(folder, "b-objects.json"),
      JSON.stringify({ apiVersion: "v1", kind: "List", items: items.filter((o) => o.kind !== "Topology") }),
    );
    expect(positionless(loadTopologySync(folder).cluster)).to.deep.equal(
      positionless(loadTopologySync(DEFAULT).cluster),
    );
  });
});
