// Hostile files and targets: what kubehop reads may be a FIFO, a device, a socket, a symlink loop, a
// folder, unreadable or huge; what it writes may be a symlink, a FIFO or a folder, and the writer may
// be killed mid-write. Each gets one positioned line and exit 2, or is written whole, never a hang,
// a stack trace or a stray temporary file. The special files are made here, in a scratch folder.
import { expect } from "chai";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  closeSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MAX_INPUT_BYTES } from "../lib/input/source.ts";
import { runCli } from "./support/cli.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const CLI = join(ROOT, "spec/support/cli-process.ts");
const TOPO = join(ROOT, "topologies/hard-cases/hairpin.yaml");
/** The cheapest command that writes a file: what matters here is the target, not the content. */
const SMALL = ["--nodes", "2"];

/** One line naming the file at 1:1, exit 2, no stack. */
function expectPositioned(r: { code: number; stderr: string }, file: string, words: RegExp): void {
  expect(r.code, r.stderr).to.equal(2);
  expect(r.stderr.trimEnd().split("\n"), r.stderr).to.have.length(1);
  expect(r.stderr.startsWith(`${file}:1:1: `), r.stderr).to.equal(true);
  expect(r.stderr).to.match(words);
  expect(r.stderr).not.to.match(/\n\s+at /);
}

function temps(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith(".tmp"));
}

describe("hostile input files", () => {
  let dir: string;
  let server: Server | undefined;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "kubehop-hostile-"));
  });
  after(() => {
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses a FIFO without opening it (no writer: opening would block for ever)", async () => {
    const fifo = join(dir, "pipe.yaml");
    execFileSync("mkfifo", [fifo]);
    expectPositioned(await runCli(["validate", "-f", fifo]), fifo, /a FIFO \(named pipe\), not a regular file/);
  });

  it("refuses a FIFO named as a node dump, where the dump loader used to block reading it", async () => {
    const copy = join(dir, "dumps");
    cpSync(join(ROOT, "topologies/dumps-example"), copy, { recursive: true });
    const dump = join(copy, "nodes/node-1/ip-route.txt");
    rmSync(dump);
    execFileSync("mkfifo", [dump]);
    const r = await runCli(["validate", "-f", copy]);
    expect(r.code, r.stderr).to.equal(2);
    expect(r.stderr).to.match(/ip-route\.txt.*a FIFO \(named pipe\), not a regular file/);
    expect(r.stderr).not.to.match(/\n\s+at /);
  });

  it("refuses a device (/dev/zero never ends)", async () => {
    expectPositioned(await runCli(["validate", "-f", "/dev/zero"]), "/dev/zero", /a character device/);
  });

  it("refuses a socket", async () => {
    const sock = join(dir, "listening.yaml");
    server = createServer();
    await new Promise<void>((resolve) => server!.listen(sock, resolve));
    expectPositioned(await runCli(["validate", "-f", sock]), sock, /a socket, not a regular file/);
  });

  it("names a symlink loop and a dangling symlink", async () => {
    const a = join(dir, "a.yaml");
    symlinkSync(join(dir, "b.yaml"), a);
    symlinkSync(a, join(dir, "b.yaml"));
    expectPositioned(await runCli(["validate", "-f", a]), a, /symlink loop/);
    const dangling = join(dir, "gone.yaml");
    symlinkSync(join(dir, "never-there.yaml"), dangling);
    expectPositioned(
      await runCli(["validate", "-f", dangling]),
      dangling,
      /a symbolic link to ".*never-there\.yaml", which does not exist/,
    );
  });

  it("refuses a folder where a file was expected (a folder named like a YAML file, inside a topology folder)", async () => {
    const topo = join(dir, "topo");
    mkdirSync(join(topo, "nested.yaml"), { recursive: true });
    writeFileSync(join(topo, "a.yaml"), readFileSync(TOPO));
    const inner = join(topo, "nested.yaml");
    expectPositioned(await runCli(["validate", "-f", topo]), inner, /a folder, not a regular file/);
  });

  it("refuses a file over the cap from its size, before reading a byte (a sparse 600 MiB file)", async () => {
    const big = join(dir, "huge.yaml");
    const fd = openSync(big, "w");
    closeSync(fd);
    execFileSync("truncate", ["-s", String(MAX_INPUT_BYTES + 1), big]);
    const r = await runCli(["validate", "-f", big]);
    expectPositioned(r, big, new RegExp(`file is ${MAX_INPUT_BYTES + 1} bytes; at most ${MAX_INPUT_BYTES}`));
  });

  it("says permission denied for an unreadable file (as root: run as nobody, since root reads mode 000)", function () {
    this.timeout(20_000); // a process of its own, compiling the CLI with tsx
    const locked = join(dir, "locked.yaml");
    writeFileSync(locked, readFileSync(TOPO));
    chmodSync(locked, 0o000);
    chmodSync(dir, 0o755); // mkdtemp's 0700 would stop nobody one step earlier, at the folder
    const asRoot = process.getuid?.() === 0;
    const r = spawnSync(process.execPath, ["--import", "tsx", CLI, "validate", "-f", locked], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, HOME: dir },
      ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
    });
    expectPositioned({ code: r.status!, stderr: r.stderr }, locked, /permission denied \(EACCES\)/);
  });
});

describe("hostile output targets", () => {
  // A target is checked at write time, after the command's work (which must not be redone for the
  // check): generate, the quickest writer, stands for every -o.
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "kubehop-targets-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("refuses a target that is a symlink and leaves what it points to untouched", async () => {
    const victim = join(dir, "victim.txt");
    writeFileSync(victim, "precious\n");
    const link = join(dir, "out.svg");
    symlinkSync(victim, link);
    const r = await runCli(["generate", ...SMALL, "-o", link]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.equal(
      `kubehop generate: cannot write ${link}: ${link} is a symbolic link, not a regular file: kubehop replaces only ` +
        "regular files; name a new or regular file\n",
    );
    expect(readFileSync(victim, "utf8")).to.equal("precious\n");
    expect(temps(dir)).to.deep.equal([]);
  });

  it("refuses a FIFO and a folder as targets, without blocking on the FIFO", async () => {
    const fifo = join(dir, "pipe.svg");
    execFileSync("mkfifo", [fifo]);
    const r = await runCli(["generate", ...SMALL, "-o", fifo]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain("is a FIFO (named pipe), not a regular file");
    const folder = join(dir, "folder.html");
    mkdirSync(folder);
    const f = await runCli(["generate", ...SMALL, "-o", folder]);
    expect(f.code).to.equal(2);
    expect(f.stderr).to.contain(`cannot write ${folder}: ${folder} is a folder, not a regular file`);
    expect(temps(dir)).to.deep.equal([]);
  });

  it("says which folder is missing, and replaces a regular file whole, keeping its mode", async () => {
    const missing = join(dir, "no-such-folder", "out.yaml");
    const r = await runCli(["generate", ...SMALL, "-o", missing]);
    expect(r.stderr).to.equal(`kubehop generate: cannot write ${missing}: its folder does not exist\n`);
    const out = join(dir, "topology.yaml");
    writeFileSync(out, "old\n");
    chmodSync(out, 0o640);
    expect((await runCli(["generate", ...SMALL, "-o", out])).code).to.equal(0);
    expect(readFileSync(out, "utf8")).to.equal((await runCli(["generate", ...SMALL])).stdout);
    expect(execFileSync("stat", ["-c", "%a", out], { encoding: "utf8" }).trim()).to.equal("640");
    expect(temps(dir)).to.deep.equal([]);
  });
});

describe("killed while writing", function () {
  // Processes of their own: tsx compiles the CLI in each.
  this.timeout(30_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "kubehop-kill-write-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("a SIGTERM that arrives mid-write waits for the rename: the file is whole, no temporary file is left", () => {
    // The signal is sent between two parts of one write (the parts' getter sends it), so it lands
    // after the temporary file exists and before the rename, every time.
    const target = join(dir, "parts.out");
    writeFileSync(target, "old\n");
    const script = `import { replaceFile } from ${JSON.stringify(join(ROOT, "lib/input/whole-file.ts"))};
      const parts = new Proxy([Buffer.from("new "), Buffer.from("whole\\n")], {
        get(t, k, r) { if (k === "1") process.kill(process.pid, "SIGTERM"); return Reflect.get(t, k, r); },
      });
      replaceFile(${JSON.stringify(target)}, parts);
      process.stdout.write("survived the write");
      setTimeout(() => process.stdout.write(", then ignored the signal"), 2000);`;
    const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: ROOT,
      encoding: "utf8",
    });
    expect(r.stdout).to.equal("survived the write");
    expect(r.signal, "then died of the signal").to.equal("SIGTERM");
    expect(readFileSync(target, "utf8")).to.equal("new whole\n");
    expect(temps(dir)).to.deep.equal([]);
  });

  it("SIGTERM at any moment of `kubehop generate -o`: no temporary file, the old target or the whole new one", async () => {
    const target = join(dir, "gen.yaml");
    const args = ["--import", "tsx", CLI, "generate", "--nodes", "2000"];
    const whole = execFileSync(process.execPath, args, { cwd: ROOT, encoding: "utf8" });
    for (const delayMs of [0, 300, 600, 900, 1200]) {
      writeFileSync(target, "old\n");
      const child = spawn(process.execPath, [...args, "-o", target], { cwd: ROOT });
      const timer = setTimeout(() => child.kill("SIGTERM"), delayMs);
      await new Promise((resolve) => child.on("exit", resolve));
      clearTimeout(timer);
      expect(temps(dir), `killed after ${delayMs} ms`).to.deep.equal([]);
      const text = readFileSync(target, "utf8");
      expect(text === "old\n" || text === whole, `killed after ${delayMs} ms: ${text.length} bytes`).to.equal(true);
    }
  });
});
