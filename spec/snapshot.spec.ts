// The snapshot cache: a second command on an unchanged input reads the model the first one built,
// and prints byte for byte what it would print without the cache; stale, corrupt or half-written
// snapshots are misses, never errors or wrong answers; the folder stays small.
import { execFile } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { generateTopology } from "../lib/generate/topology.ts";
import { loadWithProgress } from "../lib/cli/load-topology.ts";
import { cacheFolder } from "../lib/snapshot/key.ts";
import { type CachePolicy, cachePolicy, loadCluster } from "../lib/snapshot/cached-load.ts";
import { readSnapshot, writeSnapshot } from "../lib/snapshot/store.ts";
import { runCli } from "./support/cli.ts";

const DEFAULT = "topologies/default.yaml";
const KUBECTL = "spec/fixtures/kubectl";

describe("snapshot cache", () => {
  let root: string;
  let cache: string;
  let generated: string;
  const saved = { dir: process.env.KUBEHOP_CACHE_DIR, min: process.env.KUBEHOP_CACHE_MIN_BYTES };
  const policy = (): CachePolicy => ({ dir: cache, minBytes: 0 });
  const snapshots = () => readdirSync(cache).filter((f) => f.endsWith(".snapshot"));

  before(() => {
    root = mkdtempSync(join(tmpdir(), "kubehop-snapshot-"));
    generated = join(root, "generated.yaml");
    writeFileSync(generated, generateTopology({ nodes: 40, podsPerNode: 12, services: 60, endpoints: 6 }));
    process.env.KUBEHOP_CACHE_MIN_BYTES = "0";
  });
  let runs = 0;
  beforeEach(() => {
    cache = join(root, `cache-${runs++}`);
    process.env.KUBEHOP_CACHE_DIR = cache;
  });
  after(() => {
    rmSync(root, { recursive: true, force: true });
    for (const [name, value] of [
      ["KUBEHOP_CACHE_DIR", saved.dir],
      ["KUBEHOP_CACHE_MIN_BYTES", saved.min],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  /** Every command's output without the cache, then twice with it (a miss that writes, then a hit). */
  async function sameOutputs(file: string, commands: string[][]): Promise<void> {
    for (const argv of commands) {
      const line = [...argv, "-f", file];
      const without = await runCli([...line, "--no-cache"]);
      expect(without.code, `${line.join(" ")}: ${without.stderr}`).to.equal(0);
      const miss = await runCli(line);
      expect(snapshots(), "the first run writes a snapshot").to.have.length(1);
      const file0 = join(cache, snapshots()[0]!);
      utimesSync(file0, new Date(2000, 0, 1), new Date(2000, 0, 1));
      const hit = await runCli(line);
      expect(statSync(file0).mtime.getFullYear(), "the second run reads the snapshot").to.be.greaterThan(2000);
      expect(miss).to.deep.equal(without);
      expect(hit).to.deep.equal(without);
      rmSync(cache, { recursive: true, force: true });
    }
  }

  it("gives byte-identical output with and without the cache on the default topology", async () => {
    await sameOutputs(DEFAULT, [
      ["curl", "https://shop.example.com/api/cart"],
      ["curl", "https://shop.example.com/api/cart", "-o", "json"],
      ["trace", "--from", "client/client", "--to", "svc/shop/web:80", "-o", "json"],
      ["iptables-save", "--node", "node-2"],
      ["validate"],
    ]);
  });

  it("gives byte-identical output on a generated cluster, and the same warnings on kubectl's objects", async () => {
    await sameOutputs(generated, [
      [
        "trace",
        "--from",
        `pod/batch/${loadCluster(generated, undefined).cluster.pods.find((p) => p.namespace === "batch")!.name}`,
        "--to",
        "svc/ns-0/svc-7",
        "-o",
        "json",
      ],
      ["iptables-save", "--node", "node-3"],
    ]);
    await sameOutputs(KUBECTL, [["validate"], ["curl", "http://shop.example.org/api"]]);
  });

  it("rebuilds exactly the model: every field, Map and shared object", () => {
    for (const file of [DEFAULT, generated, KUBECTL]) {
      const fresh = loadCluster(file, undefined).cluster;
      expect(loadCluster(file, policy()).fromSnapshot).to.equal(false);
      const cached = loadCluster(file, policy());
      expect(cached.fromSnapshot, file).to.equal(true);
      expect(cached.cluster).to.deep.equal(fresh);
    }
    // A workload's replicas share one origin and one label set in the model, and still do.
    const { pods } = loadCluster(generated, policy()).cluster;
    const [a, b] = pods.filter((p) => p.owner?.kind === "Deployment" && p.owner.name === "svc-3");
    expect(a!.origin).to.equal(b!.origin);
    expect(a!.labels).to.equal(b!.labels);
  });

  it("a corrupt, truncated or foreign snapshot is a miss, gives the right model, and is replaced", () => {
    const fresh = loadCluster(generated, undefined).cluster;
    loadCluster(generated, policy());
    const file = join(cache, snapshots()[0]!);
    const good = readFileSync(file);
    const flipped = Buffer.from(good);
    flipped.writeUInt8(flipped.readUInt8(flipped.length - 100) ^ 0x20, flipped.length - 100);
    const header = good.subarray(0, good.indexOf(10)).toString("latin1");
    const otherFormat = Buffer.concat([
      Buffer.from(header.replace(/"format":\d+/, '"format":999'), "latin1"),
      good.subarray(header.length),
    ]);
    for (const bad of [
      flipped,
      good.subarray(0, good.length >> 1),
      Buffer.from("not a snapshot"),
      otherFormat,
      Buffer.alloc(0),
    ]) {
      writeFileSync(file, bad);
      const again = loadCluster(generated, policy());
      expect(again.fromSnapshot).to.equal(false);
      expect(again.cluster).to.deep.equal(fresh);
      expect(readFileSync(file).equals(good), "rewritten whole").to.equal(true);
      expect(loadCluster(generated, policy()).fromSnapshot).to.equal(true);
    }
  });

  it("a changed input is a different snapshot; the folder keeps the four most recently used", () => {
    const files = Array.from({ length: 6 }, (_, i) => {
      const f = join(root, `t${i}.yaml`);
      writeFileSync(f, `${readFileSync(DEFAULT, "utf8")}\n# variant ${i}\n`);
      return f;
    });
    for (const f of files) expect(loadCluster(f, policy()).fromSnapshot).to.equal(false);
    expect(snapshots()).to.have.length(4);
    // The oldest two went; the four newest are hits.
    for (const f of files.slice(2)) expect(loadCluster(f, policy()).fromSnapshot, f).to.equal(true);
    expect(loadCluster(files[0]!, policy()).fromSnapshot).to.equal(false);
    writeFileSync(files[5]!, `${readFileSync(files[5]!, "utf8")}# edited\n`);
    expect(loadCluster(files[5]!, policy()).fromSnapshot).to.equal(false);
    expect(readdirSync(cache).filter((f) => !f.endsWith(".snapshot"))).to.deep.equal([]);
  });

  it("is bypassed by --no-cache, below the size threshold, and where node dumps may be read", () => {
    loadWithProgress(DEFAULT, { cache: false });
    expect(() => readdirSync(cache)).to.throw();
    expect(loadCluster(DEFAULT, { dir: cache, minBytes: 1 << 30 }).fromSnapshot).to.equal(false);
    expect(() => readdirSync(cache)).to.throw();
    const withDumps = join(root, "with-dumps");
    mkdirSync(join(withDumps, "nodes"), { recursive: true });
    writeFileSync(join(withDumps, "topology.yaml"), readFileSync(DEFAULT));
    loadCluster(join(withDumps, "topology.yaml"), policy());
    expect(loadCluster(join(withDumps, "topology.yaml"), policy()).fromSnapshot).to.equal(false);
    expect(() => readdirSync(cache)).to.throw();
  });

  it("runs started together all answer, and leave one whole snapshot and no temporary files", async function () {
    // Several node processes (each loading tsx and the sources) load and pack the same snapshot at once.
    this.timeout(120_000);
    const script = `import { loadCluster } from ${JSON.stringify(new URL("../lib/snapshot/cached-load.ts", import.meta.url).href)};
const { cluster } = loadCluster(${JSON.stringify(generated)}, { dir: ${JSON.stringify(cache)}, minBytes: 0 });
console.log(cluster.pods.length, cluster.endpointSlices.length);`;
    const run = () => promisify(execFile)(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script]);
    const results = await Promise.all([run(), run(), run()]);
    const expected = loadCluster(generated, undefined).cluster;
    for (const r of results)
      expect(r.stdout.trim()).to.equal(`${expected.pods.length} ${expected.endpointSlices.length}`);
    expect(readdirSync(cache)).to.have.length(1);
    expect(loadCluster(generated, policy()).cluster).to.deep.equal(expected);
  });

  it("does not store a string UTF-8 cannot carry (a lone surrogate), rather than read back another", () => {
    expect(writeSnapshot(cache, "k", { name: "half \ud800 a pair" })).to.equal(false);
    expect(writeSnapshot(cache, "k", { name: "whole \ud834\udd1e pair" })).to.equal(true);
    expect(readSnapshot(cache, "k")).to.deep.equal({ name: "whole \ud834\udd1e pair" });
    expect(readSnapshot(cache, "other")).to.equal(undefined);
  });

  it("lives in $KUBEHOP_CACHE_DIR, else $XDG_CACHE_HOME/kubehop, else ~/.cache/kubehop", () => {
    expect(cacheFolder({ KUBEHOP_CACHE_DIR: "/c", XDG_CACHE_HOME: "/x" })).to.equal("/c");
    expect(cacheFolder({ XDG_CACHE_HOME: "/x" })).to.equal("/x/kubehop");
    expect(cacheFolder({ XDG_CACHE_HOME: "relative", HOME: "/h" })).to.match(/\.cache\/kubehop$/);
    expect(cachePolicy({ KUBEHOP_CACHE_DIR: "/c" })?.minBytes).to.equal(1024 * 1024);
    expect(cachePolicy({ KUBEHOP_CACHE_DIR: "/c", KUBEHOP_CACHE_MIN_BYTES: "0" })?.minBytes).to.equal(0);
  });
});
