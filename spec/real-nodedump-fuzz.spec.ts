// Real dumps cut, duplicated and garbled (issue 13's property): whatever happens to the lines of the
// corpus's wg, ip and ipset pastes, the parsers never throw, every diagnostic points at a line of the
// file, and a node dump built from them loads and traces without exit 2. Seeded, so every run draws
// the same cases.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import type { Diagnostic } from "../lib/model/diagnostic.ts";
import { interfaceMap } from "../lib/nodedump/interfaces.ts";
import { parseIpAddr } from "../lib/nodedump/ip-addr.ts";
import { parseIpRoute } from "../lib/nodedump/ip-route.ts";
import { parseIpsets } from "../lib/nodedump/ipset.ts";
import { parseWgShow } from "../lib/nodedump/wg-show.ts";
import { loadTopologySync } from "../lib/topology.ts";
import { runCli } from "./support/cli.ts";
import { checkProperty, fc, Random } from "./support/random.ts";

const REAL = "spec/fixtures/real";
const TOPO = "apiVersion: kubehop.io/v1alpha1\nkind: Topology\nmetadata: {name: t}\nspec: {nodeCount: 2}\n";
let loaded: ReturnType<typeof loadTopologySync>["cluster"]["nodes"] | undefined;
const nodes = () => (loaded ??= loadTopologySync(TOPO).cluster.nodes);

/** Each corpus dump with the node dump file it would be and the parser that reads it. */
const DUMPS: { file: string; as: string; parse: (text: string) => readonly Diagnostic[] }[] = [
  ...["cilium-35750-wg-before-after.txt", "cilium-35644-wg-before-reboot.txt", "wg-easy-9-wg-show-in-pod.txt"].map(
    (f) => ({
      file: `wireguard/${f}`,
      as: "wg-show.txt",
      parse: (t: string) => parseWgShow(t, "d.txt", interfaceMap(nodes()[0]!, []), nodes()).warnings,
    }),
  ),
  ...["calico-3757-ip-a.txt", "k3s-11516-ip-a.txt"].map((f) => ({
    file: `ip/${f}`,
    as: "ip-addr.txt",
    parse: (t: string) => parseIpAddr(t, "d.txt").warnings,
  })),
  ...["flannel-1029-ip-route.txt", "lyft-70-ip-route-show-table-all.txt"].map((f) => ({
    file: `ip/${f}`,
    as: "ip-route.txt",
    parse: (t: string) => parseIpRoute(t, "d.txt", interfaceMap(nodes()[0]!, [])).warnings,
  })),
  { file: "ipset/k8s-54203-ipset-list.txt", as: "ipset.txt", parse: (t: string) => parseIpsets(t, "d.txt").warnings },
];

type Mutation =
  | { kind: "cut"; at: number }
  | { kind: "duplicate"; at: number }
  | { kind: "truncate"; at: number; keep: number }
  | { kind: "garble"; at: number; col: number; text: string };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("cut" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("duplicate" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat(), keep: fc.nat() }),
  fc.record({
    kind: fc.constant("garble" as const),
    at: fc.nat(),
    col: fc.nat(),
    text: fc.string({ unit: fc.constantFrom(..." \t:,./-#$[]()0123456789abcdefxyzABC=\\\u00e9"), maxLength: 12 }),
  }),
);

function mutate(text: string, mutations: readonly Mutation[]): string {
  const lines = text.split("\n");
  for (const m of mutations) {
    if (lines.length === 0) break;
    const at = m.at % lines.length;
    const line = lines[at]!;
    if (m.kind === "cut") lines.splice(at, 1);
    else if (m.kind === "duplicate") lines.splice(at, 0, line);
    else if (m.kind === "truncate") lines[at] = line.slice(0, m.keep % (line.length + 1));
    else {
      const col = m.col % (line.length + 1);
      lines[at] = line.slice(0, col) + m.text + line.slice(col + m.text.length);
    }
  }
  return lines.join("\n");
}

describe("real node dumps, cut, duplicated and garbled", () => {
  for (const [k, dump] of DUMPS.entries()) {
    it(`${dump.file}: the parser never throws and every diagnostic points into the file`, () => {
      const original = readFileSync(`${REAL}/${dump.file}`, "utf8");
      checkProperty(
        fc.property(fc.array(mutation, { minLength: 1, maxLength: 8 }), (mutations) => {
          const text = mutate(original, mutations);
          const lineCount = text.split("\n").length;
          for (const d of dump.parse(text)) {
            expect(d.severity).to.not.equal("error");
            const line = d.source && "line" in d.source ? d.source.line : 0;
            expect(line, d.message).to.be.within(1, lineCount);
          }
        }),
        1300 + k,
        150,
      );
    });
  }

  it("a node's dumps made of mangled corpus files load, and a trace through the node never exits 2", async () => {
    const random = new Random(1313);
    const dir = mkdtempSync(join(tmpdir(), "kubehop-fuzz-dumps-"));
    try {
      writeFileSync(join(dir, "topology.yaml"), TOPO);
      const node = join(dir, "nodes", "node-1");
      mkdirSync(node, { recursive: true });
      for (let run = 0; run < 6; run++) {
        for (const as of ["wg-show.txt", "ip-addr.txt", "ip-route.txt", "ipset.txt"]) {
          const dump = random.pick(DUMPS.filter((d) => d.as === as));
          const mutations = fc.sample(fc.array(mutation, { minLength: 1, maxLength: 6 }), {
            seed: random.int(0, 1e9),
            numRuns: 1,
          })[0]!;
          writeFileSync(join(node, as), mutate(readFileSync(`${REAL}/${dump.file}`, "utf8"), mutations));
        }
        // --src: a mangled ip-route.txt may hold no route to take the node's source address from.
        const r = await runCli([
          "trace",
          "-t",
          dir,
          "--from",
          "node/node-1",
          "--src",
          "192.168.10.11",
          "--to",
          "node/node-2:22",
        ]);
        expect(r.code, r.stderr).to.not.equal(2);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
