// A topology from a stranger must not make kubehop read, or print, a file outside the topology's own
// folder (issue 14, item 1): every path it names resolves inside that folder (absolute paths, `..`
// and symbolic links out are refused at the field), a nodes/ folder beside it is read only when it or
// --dumps says so, and no parse error quotes more than a short, escaped excerpt of what it read. The
// folders, links and secrets are made here, in a scratch folder.
import { expect } from "chai";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InputError } from "../lib/input/errors.ts";
import { loadInput } from "../lib/input/load.ts";
import { readInputFile } from "../lib/input/source.ts";
import type { Diagnostic } from "../lib/model/diagnostic.ts";
import { findDumpFiles } from "../lib/nodedump/dump-paths.ts";
import { excerpt } from "../lib/model/excerpt.ts";
import { loadCluster } from "../lib/snapshot/cached-load.ts";
import { loadTopologySync } from "../lib/topology.ts";
import { runCli } from "./support/cli.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const EXAMPLE = join(ROOT, "topologies/dumps-example");
const SECRET_LINE = "svc-admin:$6$rounds=5000$KUBEHOPSECRETSALT$TopSecretHashValueNobodyMayRead:19000:0:99999:7:::";
const PASSWD = `root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n${SECRET_LINE}\n`;
const ROUTE = "default via 192.168.10.1 dev eth0\n10.42.0.0/24 dev cni0 proto kernel scope link src 10.42.0.1\n";
const topology = (nodeDumps: string) =>
  "apiVersion: kubehop.io/v1alpha1\nkind: Topology\nmetadata: {name: t}\n" +
  `spec:\n  nodeCount: 2\n${nodeDumps ? `  nodeDumps: ${nodeDumps}\n` : ""}`;

/** Exit 2, one line per problem at `file:line:col` with the code, no stack; the outside file never printed. */
function expectRefused(r: { code: number; stdout: string; stderr: string }, at: string, words: RegExp): void {
  expect(r.code, r.stderr).to.equal(2);
  const line = r.stderr.split("\n").find((l) => l.startsWith(at));
  expect(line, r.stderr).to.be.a("string");
  expect(line).to.match(words);
  expect(r.stderr).not.to.match(/\n\s+at /);
  expect(`${r.stdout}${r.stderr}`).not.to.match(/KUBEHOPSECRET|\/bin\/bash/);
}

describe("hostile paths: a topology names only files inside its own folder", () => {
  let scratch: string;
  let dir: string;
  let outside: string;
  /** A dumps folder outside the topology's, as --dumps names one. */
  let mine: string;
  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), "kubehop-paths-"));
    dir = join(scratch, "topo");
    outside = join(scratch, "outside");
    mkdirSync(join(dir, "nodes", "node-1"), { recursive: true });
    mkdirSync(outside);
    writeFileSync(join(outside, "shadow"), PASSWD);
    writeFileSync(join(outside, "ip-route.txt"), ROUTE);
    mine = join(scratch, "my-dumps");
    mkdirSync(join(mine, "node-2"), { recursive: true });
    writeFileSync(join(mine, "node-2", "ip-route.txt"), ROUTE);
  });
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));
  const file = () => join(dir, "topology.yaml");
  const write = (nodeDumps: string) => writeFileSync(file(), topology(nodeDumps));

  it("an absolute path is refused at its field, saying what would be valid", async () => {
    write(`{nodes: [{name: node-1, ipRoute: ${join(outside, "shadow")}}]}`);
    expectRefused(
      await runCli(["validate", "-t", file()]),
      `${file()}:6:47: error[path-outside]: `,
      /is an absolute path; expected a path inside the topology's folder .*, e\.g\. nodes\/node-1\/ip-route\.txt$/,
    );
    write(`{dir: ${outside}}`);
    expectRefused(await runCli(["validate", "-t", file()]), `${file()}:6:20: error[path-outside]: `, /absolute path/);
  });

  it("a .. that leaves the folder is refused, however it is spelled", async () => {
    for (const p of ["../outside/shadow", "nodes/../../outside/shadow", "./nodes/node-1/../../../outside/shadow"]) {
      write(`{nodes: [{name: node-1, ipRoute: "${p}"}]}`);
      expectRefused(await runCli(["validate", "-t", file()]), `${file()}:6:`, /\[path-outside\].*leads out of/);
    }
    write("{dir: ..}");
    expectRefused(await runCli(["validate", "-t", file()]), `${file()}:6:`, /\[path-outside\].*leads out of/);
    // Inside, a .. that stays is fine.
    writeFileSync(join(dir, "nodes", "node-1", "ip-route.txt"), ROUTE);
    write('{nodes: [{name: node-1, ipRoute: "nodes/../nodes/node-1/ip-route.txt"}]}');
    expect(loadTopologySync(file()).cluster.nodeDumps.get("node-1")?.routes).to.not.equal(undefined);
  });

  it("a symbolic link inside the folder to a file outside is refused, in the dumps folder and as a named path", async () => {
    symlinkSync(join(outside, "shadow"), join(dir, "nodes", "node-1", "ip-route.txt"));
    write("{dir: nodes}");
    const linked = join(dir, "nodes", "node-1", "ip-route.txt");
    expectRefused(
      await runCli(["validate", "-t", file()]),
      `${linked}:1:1: error[path-outside]: `,
      /"ip-route\.txt" is a symbolic link \(or passes through one\) to a file outside the topology's folder/,
    );
    write("{nodes: [{name: node-1, ipRoute: nodes/node-1/ip-route.txt}]}");
    expectRefused(await runCli(["validate", "-t", file()]), `${file()}:6:47: error[path-outside]: `, /symbolic link/);
    // /etc/passwd itself, and a whole folder linked out.
    rmSync(linked);
    symlinkSync("/etc/passwd", linked);
    expectRefused(await runCli(["validate", "-t", file()]), `${file()}:6:47: error[path-outside]: `, /symbolic link/);
    rmSync(join(dir, "nodes"), { recursive: true });
    mkdirSync(join(outside, "node-1"));
    writeFileSync(join(outside, "node-1", "iptables-save.txt"), PASSWD);
    symlinkSync(outside, join(dir, "nodes"));
    write("{dir: nodes}");
    expectRefused(await runCli(["validate", "-t", file()]), `${file()}:6:20: error[path-outside]: `, /symbolic link/);
  });

  it("a symbolic link that stays inside the folder is read", () => {
    mkdirSync(join(dir, "kept"));
    writeFileSync(join(dir, "kept", "routes"), ROUTE);
    symlinkSync(join(dir, "kept", "routes"), join(dir, "nodes", "node-1", "ip-route.txt"));
    write("{dir: nodes}");
    const dump = loadTopologySync(file()).cluster.nodeDumps.get("node-1")!;
    expect(dump.routes!.file).to.equal(join(dir, "nodes", "node-1", "ip-route.txt"));
  });

  it("a dump swapped for a link out between the check and the read is refused as opened, nothing read", () => {
    const route = join(dir, "nodes", "node-1", "ip-route.txt");
    writeFileSync(route, ROUTE);
    write("{dir: nodes}");
    const problems: Diagnostic[] = [];
    const nodes = loadTopologySync(file()).cluster.nodes;
    const found = findDumpFiles(loadInput(file()), nodes, problems, []).get("node-1")!.get("ipRoute")!;
    expect(problems).to.deep.equal([]);
    expect(readInputFile(found.file, undefined, found.checkOpened).toString()).to.equal(ROUTE);
    // What someone else who can write the folder could do while kubehop (as root) runs.
    rmSync(route);
    symlinkSync(join(outside, "shadow"), route);
    expect(() => readInputFile(found.file, undefined, found.checkOpened))
      .to.throw(InputError)
      .with.property("message")
      .that.equals(
        `${route}:1:1: error[path-outside]: became a link to a file outside the topology's folder ${dir} while ` +
          "kubehop read it; nothing of it was read",
      );
  });

  it("a symbolic link loop is a positioned error, not a hang", async () => {
    const a = join(dir, "nodes", "node-1", "ip-route.txt");
    const b = join(dir, "nodes", "node-1", "loop");
    symlinkSync(b, a);
    symlinkSync(a, b);
    write("{dir: nodes}");
    const r = await runCli(["validate", "-t", file()]);
    expect(r.code, r.stderr).to.equal(2);
    expect(r.stderr).to.include(`${a}:1:1: error[input-file]: "ip-route.txt": too many levels of symbolic links`);
    write("{nodes: [{name: node-1, ipRoute: nodes/node-1/loop}]}");
    const named = await runCli(["validate", "-t", file()]);
    expect(named.code, named.stderr).to.equal(2);
    expect(named.stderr).to.include(`${file()}:6:47: error[input-file]: "nodes/node-1/loop": too many levels`);
  });

  it("a folder of manifests: a .yaml in it that links out of it is refused, one that links inside is read", async () => {
    write("");
    writeFileSync(join(outside, "kubeconfig.yaml"), `apiVersion: v1\nkind: Config\n# ${SECRET_LINE}\n`);
    symlinkSync(join(outside, "kubeconfig.yaml"), join(dir, "z.yaml"));
    const r = await runCli(["validate", "-t", dir]);
    expect(r.code, r.stderr).to.equal(2);
    expect(r.stderr).to.equal(
      `${join(dir, "z.yaml")}:1:1: error[path-outside]: a symbolic link to a file outside ${dir}; kubehop reads ` +
        "only the folder's own files: copy it in\n",
    );
    rmSync(join(dir, "z.yaml"));
    mkdirSync(join(dir, "sub"));
    writeFileSync(join(dir, "sub", "web.txt"), "apiVersion: v1\nkind: Namespace\nmetadata: {name: web}\n");
    symlinkSync(join(dir, "sub", "web.txt"), join(dir, "web.yaml"));
    expect((await runCli(["validate", "-t", dir])).code).to.equal(0);
  });

  it("a nodes/ folder the topology does not name is not read, and a warning says so and how to name it", async () => {
    writeFileSync(join(dir, "nodes", "node-1", "ip-route.txt"), ROUTE);
    write("");
    const { cluster } = loadTopologySync(file());
    expect(cluster.nodeDumps.size).to.equal(0);
    const said = cluster.diagnostics.filter((d) => d.code === "node-dumps-ignored");
    expect(said.map((d) => d.source)).to.deep.equal([{ file: join(dir, "nodes"), line: 1, col: 1 }]);
    expect(said[0]!.message).to.equal(
      `${join(dir, "nodes")} beside the topology is not read; name it in the Topology's spec.nodeDumps.dir ` +
        `(nodeDumps: {dir: nodes}) or pass --dumps ${join(dir, "nodes")}`,
    );
    const r = await runCli(["get", "nodes", "-t", file()]);
    expect(r.code).to.equal(0);
    expect(r.stderr).to.include("warning[node-dumps-ignored]");
    expect((await runCli(["validate", "--strict", "-t", file()])).code).to.equal(2);
    // Folder input too: -t DIR does not read DIR/nodes unless named.
    expect(loadTopologySync(dir).cluster.nodeDumps.size).to.equal(0);
  });

  it("named in spec.nodeDumps.dir, the folder is read, from a file or a folder given as -t", () => {
    writeFileSync(join(dir, "nodes", "node-1", "ip-route.txt"), ROUTE);
    write("{dir: nodes}");
    for (const t of [file(), dir]) {
      const { cluster } = loadTopologySync(t);
      expect([...cluster.nodeDumps.keys()]).to.deep.equal(["node-1"]);
      expect(cluster.diagnostics.map((d) => d.code)).not.to.include("node-dumps-ignored");
    }
  });

  it("--dumps DIR reads any folder the user names, for every command; not a folder is exit 2", async () => {
    rmSync(mine, { recursive: true });
    cpSync(join(EXAMPLE, "nodes"), mine, { recursive: true });
    cpSync(join(EXAMPLE, "topology.yaml"), join(dir, "topology.yaml"));
    rmSync(join(dir, "nodes"), { recursive: true });
    const drift = await runCli(["drift", "-t", file(), "--dumps", mine, "-o", "json"]);
    expect(drift.stderr).not.to.include("node-dumps-ignored");
    expect(JSON.parse(drift.stdout).nodes.map((n: { node: string }) => n.node)).to.deep.equal(["node-1"]);
    const trace = await runCli([
      "trace",
      "-t",
      file(),
      "--dumps",
      mine,
      "--from",
      "node/node-1",
      "--to",
      "10.99.0.5:80",
    ]);
    expect(trace.stdout).to.include(join(mine, "node-1", "ip-route.txt"));
    const curl = await runCli(["curl", "-t", file(), "--dumps", mine, "--from", "node/node-1", "http://10.99.0.5/"]);
    expect(curl.stdout).to.include(join(mine, "node-1", "ip-route.txt"));
    expect((await runCli(["check", "-t", file(), "--dumps", mine])).stderr).not.to.include("error[");
    const notFolder = await runCli(["validate", "-t", file(), "--dumps", join(outside, "shadow")]);
    expect(notFolder.code).to.equal(2);
    expect(notFolder.stderr).to.equal(
      `${join(outside, "shadow")}:1:1: error[input-file]: --dumps names a file; give the folder of ` +
        "NAME/iptables-save.txt, ...\n",
    );
    const missing = await runCli(["validate", "-t", file(), "--dumps", join(scratch, "nope")]);
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.include("--dumps: no such file or folder");
    expect((await runCli(["validate", "-t", file(), "--dumps", ""])).code).to.equal(2);
  });

  it("--dumps wins over a nodes/ folder beside the topology, which is said not to be read", () => {
    writeFileSync(join(dir, "nodes", "node-1", "ip-route.txt"), ROUTE);
    write("{dir: nodes}");
    const { cluster } = loadCluster(file(), undefined, undefined, mine);
    expect([...cluster.nodeDumps.keys()]).to.deep.equal(["node-2"]);
    expect(cluster.diagnostics.filter((d) => d.code === "node-dumps-ignored").map((d) => d.message)).to.deep.equal([
      `${join(dir, "nodes")} beside the topology is not read (the dumps are read from ${mine}); name it in the ` +
        `Topology's spec.nodeDumps.dir (nodeDumps: {dir: nodes}) or pass --dumps ${join(dir, "nodes")}`,
    ]);
  });

  it("a topology given as text has no folder: a path it names is an error unless --dumps gives one", () => {
    const text = topology("{nodes: [{name: node-1, ipRoute: node-1/ip-route.txt}]}");
    let thrown: unknown;
    try {
      loadTopologySync(text);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).to.be.instanceOf(InputError);
    expect((thrown as InputError).message).to.equal(
      "<input>:6:47: error[path-outside]: a topology given as text has no folder for its paths to be inside; load " +
        "it from a file, or pass --dumps DIR (the folder of NAME/iptables-save.txt, ...)",
    );
    // With --dumps, the text's paths are inside that folder.
    mkdirSync(join(mine, "node-1"));
    writeFileSync(join(mine, "node-1", "ip-route.txt"), ROUTE);
    const { cluster } = loadCluster(text, undefined, undefined, mine);
    expect(cluster.nodeDumps.get("node-1")!.routes!.file).to.equal(join(mine, "node-1/ip-route.txt"));
    const library = loadTopologySync(text, { dumps: mine }).cluster;
    expect(library.nodeDumps.get("node-1")!.routes!.file).to.equal(join(mine, "node-1/ip-route.txt"));
    const out = topology("{nodes: [{name: node-1, ipRoute: ../outside/shadow}]}");
    expect(() => loadCluster(out, undefined, undefined, mine))
      .to.throw(InputError)
      .with.property("message")
      .that.match(/path-outside.*leads out of the --dumps folder/);
  });

  it("a load with --dumps is never served from, nor written to, the snapshot cache", () => {
    rmSync(join(dir, "nodes"), { recursive: true });
    write("");
    const cache = join(scratch, "cache");
    const policy = { dir: cache, minBytes: 0 };
    expect(loadCluster(file(), policy).fromSnapshot).to.equal(false);
    expect(loadCluster(file(), policy).fromSnapshot).to.equal(true);
    const withDumps = loadCluster(file(), policy, undefined, mine);
    expect([...withDumps.cluster.nodeDumps.keys()]).to.deep.equal(["node-2"]);
    expect(withDumps.fromSnapshot).to.equal(false);
    expect(readdirSync(cache)).to.have.length(1);
  });
});

describe("hostile paths: no parse error prints more than a short, escaped excerpt", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "kubehop-excerpt-"));
    writeFileSync(join(dir, "topology.yaml"), topology("{dir: nodes}"));
    mkdirSync(join(dir, "nodes", "node-1"), { recursive: true });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const LONG = `${"A".repeat(10_000)} ${"B".repeat(10_000)}\n-A ${"C".repeat(10_000)} -j X\n`;
  const TERMINAL = "\u001b[2J\u001b]0;owned\u0007 \u202eevil\n";
  const CONTENTS: Record<string, string> = { passwd: PASSWD, long: LONG, terminal: TERMINAL };
  const FILES = ["iptables-save.txt", "ip-route.txt", "ip-addr.txt", "wg-show.txt", "ipvsadm.txt", "ipset.txt"];
  /** Escape sequences and controls a terminal acts on (a newline and a tab are the output's own). */
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are what the output must not hold
  const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/;
  /** The longest a line may be after `file:line:col: `: the fixed text and hint plus a few excerpts. */
  const MAX_MESSAGE = 320;

  for (const [what, content] of Object.entries(CONTENTS))
    for (const name of FILES)
      it(`${what} as ${name}: every line short, no line of the file, no control character`, async () => {
        for (const f of readdirSync(join(dir, "nodes", "node-1"))) rmSync(join(dir, "nodes", "node-1", f));
        writeFileSync(join(dir, "nodes", "node-1", name), content);
        for (const argv of [
          ["validate", "-t", dir],
          ["get", "nodes", "-t", dir],
        ]) {
          const r = await runCli(argv);
          const out = `${r.stdout}${r.stderr}`;
          expect(r.stderr).not.to.match(/\n\s+at /);
          for (const line of out.split("\n")) {
            const message = line.startsWith(dir) ? line.slice(line.indexOf(": ") + 2) : line;
            expect(message.length, line.slice(0, 300)).to.be.at.most(MAX_MESSAGE);
          }
          expect(out).not.to.match(/KUBEHOPSECRET|\/bin\/bash|daemon:x:1:1:daemon|A{41}|B{41}|C{41}/);
          expect(out).not.to.match(CONTROL);
        }
      });

  it("a 5 kB word in every field a dump's warnings name (devices, tables, sets, types, peers, chains): lines stay short", async () => {
    const Z = "Z".repeat(5000);
    const NAMED: Record<string, string> = {
      "ip-route.txt": `10.0.0.0/8 dev ${Z}\n10.1.0.0/16 via 192.168.10.1 dev eth0 ${Z}\n${Z} table ${Z}\nblackhole ${Z}\n`,
      "ip-addr.txt": `2: ${Z}: <UP> mtu 1500\n    inet 10.0.0.1/24 scope global ${Z}\n${Z}  UP  10.0.0.1/24\n`,
      "wg-show.txt": `interface: ${Z}\n  public key: ${Z}\n\npeer: ${Z}\n  endpoint: ${Z}\n  allowed ips: ${Z}\n`,
      "ipset.txt": `create ${Z} hash:ip family ${Z}\nadd ${Z} 10.0.0.1\ncreate S ${Z}\nadd S ${Z}\n`,
      "ipvsadm.txt": `-A -t ${Z} -s rr\n-A -t 10.0.0.1:80 -s ${Z}\n-a -t 10.0.0.1:80 -r ${Z} -m -w 1\n`,
      "iptables-save.txt":
        `*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m set --match-set ${Z} src -j ACCEPT\n-A INPUT -j ${Z}\n` +
        `-A INPUT -m ${Z} -j ACCEPT\n-A INPUT -i ${Z} -j ACCEPT\n-A ${Z} -j ACCEPT\n-P INPUT ${Z}\nCOMMIT\n`,
    };
    for (const [name, content] of Object.entries(NAMED)) {
      for (const f of readdirSync(join(dir, "nodes", "node-1"))) rmSync(join(dir, "nodes", "node-1", f));
      writeFileSync(join(dir, "nodes", "node-1", name), content);
      for (const argv of [
        ["validate", "-t", dir],
        ["trace", "-t", dir, "--from", "node/node-1", "--to", "10.0.0.9:80"],
      ]) {
        const r = await runCli(argv);
        for (const line of `${r.stdout}${r.stderr}`.split("\n")) {
          const message = line.startsWith(dir) ? line.slice(line.indexOf(": ") + 2) : line;
          expect(message.length, `${name}: ${line.slice(0, 200)}`).to.be.at.most(MAX_MESSAGE);
        }
      }
    }
  });

  it("kubehop netfilter --rules reads any file as rules and quotes no more of it", async () => {
    for (const content of Object.values(CONTENTS)) {
      const rules = join(dir, "rules.txt");
      writeFileSync(rules, content);
      const r = await runCli(["netfilter", "--rules", rules, "--src", "1.2.3.4", "--dst", "5.6.7.8", "--dport", "80"]);
      const out = `${r.stdout}${r.stderr}`;
      for (const line of out.split("\n")) {
        const message = line.startsWith(rules) ? line.slice(line.indexOf(": ") + 2) : line;
        expect(message.length, line.slice(0, 400)).to.be.at.most(MAX_MESSAGE);
      }
      expect(out).not.to.match(/KUBEHOPSECRET|\/bin\/bash|A{41}|C{41}/);
    }
  });

  it("excerpt(): at most 40 characters, quoted and escaped, so a message stays one line and inert", () => {
    expect(excerpt("10.0.0.300")).to.equal('"10.0.0.300"');
    expect(excerpt("x".repeat(100))).to.equal(`"${"x".repeat(40)}..."`);
    expect(excerpt('a"b\\c\nd\te')).to.equal('"a\\"b\\\\c\\nd\\te"');
    expect(excerpt("\u001b[31m\u0007\u009b\u202e\u200b\ufeff")).to.equal('"\\x1b[31m\\x07\\x9b\\u202e\\u200b\\ufeff"');
    expect(excerpt("\ud800x")).to.equal('"\\ud800x"');
    expect(excerpt("𝕜8s")).to.equal('"𝕜8s"');
    // Escapes are never cut in half.
    expect(excerpt(`${"x".repeat(38)}\u001b`)).to.equal(`"${"x".repeat(38)}..."`);
  });
});
