// emulate and verify are safe to kill and to run side by side: a signal at any build stage removes
// everything built so far (namespaces, wireguard-go and its sockets, echo servers, key folder, owner
// record); runs never sweep each other's live or kept namespaces. Real network namespaces: skipped,
// with the reason, where emulation cannot run (not root, no ip netns, no wireguard-go).
import { expect } from "chai";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { claimNewRun, cleanRuns, listKhNamespaces, removeRun, sweepDeadRuns } from "../lib/emulate/cleanup.ts";
import { checkPrerequisites } from "../lib/emulate/prerequisites.ts";
import { run } from "../lib/emulate/runner.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const CLI = join(ROOT, "spec/support/cli-process.ts");
const HAIRPIN = join(ROOT, "topologies/hard-cases/hairpin.yaml");
const INGRESS = join(ROOT, "topologies/hard-cases/ingress-rewrite.yaml");

function kubehop(args: string[]): { child: ChildProcess; stderr: () => string; exit: Promise<number | string> } {
  const child = spawn(process.execPath, ["--import", "tsx", CLI, ...args], { cwd: ROOT });
  let err = "";
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  child.stdout!.resume();
  const exit = new Promise<number | string>((resolve) => child.on("exit", (c, s) => resolve(s ?? c ?? -1)));
  return { child, stderr: () => err, exit };
}

/** Everything of run `id` that could be left behind; empty when nothing is. */
function leftovers(id: string): string[] {
  const left = listKhNamespaces(id).map((ns) => `namespace ${ns}`);
  if (existsSync(`/run/kubehop/${id}`)) left.push(`owner record /run/kubehop/${id}`);
  if (existsSync(join(tmpdir(), `kh-${id}-keys`))) left.push("key folder");
  if (existsSync(join(tmpdir(), `kh-${id}-nginx`))) left.push("nginx folder");
  if (existsSync("/var/run/wireguard"))
    for (const f of readdirSync("/var/run/wireguard")) if (f.startsWith(`kh${id}w`)) left.push(`socket ${f}`);
  const procs = execFileSync("ps", ["-eo", "args"], { encoding: "utf8" });
  for (const line of procs.split("\n")) if (line.includes(`kh${id}w`) || line.includes(`kh-${id}-`)) left.push(line);
  return left;
}

describe("emulate and verify: killed at each stage, run side by side", function () {
  // Each case builds (part of) a two-node topology for real in its own process: seconds each.
  this.timeout(60_000);
  let missing: string | undefined;
  before(function () {
    missing = checkPrerequisites();
    if (missing) {
      console.log(`      skipped: ${missing}`);
      this.skip();
    }
  });

  const stages: [NodeJS.Signals, string][] = [
    ["SIGTERM", "namespaces"],
    ["SIGINT", "wg0: wireguard-go on every node"],
    ["SIGTERM", "pod servers"],
  ];
  for (const [signal, stage] of stages) {
    it(`${signal} as the build reaches "${stage}" leaves nothing of the run behind`, async () => {
      const k = kubehop(["emulate", "-f", HAIRPIN]);
      await new Promise<void>((resolve, reject) => {
        const poll = setInterval(() => {
          if (k.stderr().includes(stage)) {
            clearInterval(poll);
            k.child.kill(signal);
            resolve();
          }
        }, 5);
        k.exit.then(() => {
          clearInterval(poll);
          reject(new Error(`exited before "${stage}": ${k.stderr()}`));
        });
      });
      const code = await k.exit;
      const id = /run ([0-9a-f]{4}):/.exec(k.stderr())![1]!;
      expect(code, k.stderr()).to.equal(signal === "SIGINT" ? 130 : 143);
      expect(k.stderr()).to.contain(`${signal}: removing the emulation`);
      expect(leftovers(id)).to.deep.equal([]);
    });
  }

  it("SIGINT once nginx runs in the controller pods leaves no nginx process or conf folder", async function () {
    if (!existsSync("/usr/sbin/nginx")) {
      console.log("      skipped: /usr/sbin/nginx is not installed");
      this.skip();
    }
    const k = kubehop(["emulate", "-f", INGRESS]);
    // The handshakes start once every pod server and nginx listen.
    await new Promise<void>((resolve, reject) => {
      const poll = setInterval(() => {
        if (k.stderr().includes("wg0: handshakes")) {
          clearInterval(poll);
          resolve();
        }
      }, 5);
      k.exit.then(() => {
        clearInterval(poll);
        reject(new Error(`exited before nginx ran: ${k.stderr()}`));
      });
    });
    const id = /run ([0-9a-f]{4}):/.exec(k.stderr())![1]!;
    const masters = () =>
      execFileSync("ps", ["-eo", "args"], { encoding: "utf8" })
        .split("\n")
        .filter((l) => l.includes("nginx") && l.includes(`kh-${id}-nginx`));
    expect(existsSync(join(tmpdir(), `kh-${id}-nginx`))).to.equal(true);
    expect(masters()).to.have.length(2);
    k.child.kill("SIGINT");
    expect(await k.exit, k.stderr()).to.equal(130);
    expect(leftovers(id)).to.deep.equal([]);
    expect(masters()).to.deep.equal([]);
  });

  // SIGKILL cannot be caught: the run leaves what it built, and its owner record names a dead pid, which
  // is what lets the next run's sweep take it (and only it).
  it('SIGKILL after "wg0" leaves only what the next run\'s sweep removes', async () => {
    const k = kubehop(["emulate", "-f", HAIRPIN]);
    await new Promise<void>((resolve, reject) => {
      const poll = setInterval(() => {
        if (k.stderr().includes("pod servers")) {
          clearInterval(poll);
          k.child.kill("SIGKILL");
          resolve();
        }
      }, 5);
      k.exit.then(() => {
        clearInterval(poll);
        reject(new Error(`exited before "pod servers": ${k.stderr()}`));
      });
    });
    expect(await k.exit).to.equal("SIGKILL");
    const id = /run ([0-9a-f]{4}):/.exec(k.stderr())![1]!;
    try {
      const left = leftovers(id);
      expect(
        left.some((l) => l.startsWith("namespace ")),
        left.join("\n"),
      ).to.equal(true);
      expect(left, left.join("\n")).to.include(`owner record /run/kubehop/${id}`);
      // The next run sweeps before it builds; a live run of its own stays.
      const mine = claimNewRun();
      try {
        run("ip", ["netns", "add", `kh-${mine}-n1`]);
        const swept = sweepDeadRuns();
        expect(swept.filter((ns) => ns.startsWith(`kh-${id}-`))).to.have.length.above(0);
        expect(leftovers(id)).to.deep.equal([]);
        expect(listKhNamespaces(mine)).to.deep.equal([`kh-${mine}-n1`]);
      } finally {
        removeRun(mine);
      }
    } finally {
      removeRun(id);
    }
  });

  it("two verify runs side by side and a kept emulation leave each other alone; --clean takes the kept one", async () => {
    const kept = kubehop(["emulate", "-f", HAIRPIN, "--keep"]);
    expect(await kept.exit, kept.stderr()).to.equal(0);
    const keptId = /run ([0-9a-f]{4}):/.exec(kept.stderr())![1]!;
    try {
      const args = [
        "verify",
        "-f",
        HAIRPIN,
        "--only",
        "--request",
        "pod/default/echo-a svc/default/echo:80",
        "--repeat",
        "4",
      ];
      const [a, b] = [kubehop(args), kubehop(args)];
      expect([await a.exit, await b.exit], a.stderr() + b.stderr()).to.deep.equal([0, 0]);
      expect(listKhNamespaces(keptId)).to.have.length.above(0);
    } finally {
      const k = kubehop(["emulate", "--clean"]);
      expect(await k.exit).to.equal(0);
    }
    expect(leftovers(keptId)).to.deep.equal([]);
  });

  it("the sweep and --clean leave namespaces that only start with kh- (not a run's: no 4-hex-digit id)", () => {
    const other = `kh-lab-${process.pid}`;
    run("ip", ["netns", "add", other]);
    try {
      sweepDeadRuns();
      cleanRuns(false);
      expect(listKhNamespaces()).to.include(other);
    } finally {
      run("ip", ["netns", "del", other]);
    }
  });

  it("the sweep and --clean leave a live run; --clean --force removes it", () => {
    const id = claimNewRun(); // owned by this (live) process
    try {
      run("ip", ["netns", "add", `kh-${id}-n1`]);
      sweepDeadRuns();
      expect(listKhNamespaces(id)).to.deep.equal([`kh-${id}-n1`]);
      expect(cleanRuns(false).live).to.include(id);
      expect(listKhNamespaces(id)).to.have.length(1);
      expect(cleanRuns(true).removed).to.include(`kh-${id}-n1`);
      expect(leftovers(id)).to.deep.equal([]);
    } finally {
      removeRun(id);
    }
  });
});
