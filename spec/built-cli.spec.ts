// The command line users run is the built one (bin/kubehop.js -> dist/bundle/, esbuild's output), not
// the sources the other specs import: the two must print the same, byte for byte.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { ensureBuilt } from "../scripts/ensure-built.ts";
import { runCli } from "./support/cli.ts";

const T = "topologies/default.yaml";

function built(argv: string[]) {
  const r = spawnSync(process.execPath, ["bin/kubehop.js", ...argv], {
    encoding: "utf8",
    env: { ...process.env, COLUMNS: "100", NO_COLOR: "1" },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("the built command line (bin/kubehop.js)", function () {
  // The before hook rebuilds dist/ when lib/ is newer (tsc and esbuild: ~20 s), and each case
  // starts a node process running the bundle.
  this.timeout(60000);
  before(() => ensureBuilt());

  const same: string[][] = [
    ["--help"],
    ["--version"],
    ["trace", "--help"],
    ["validate", "-f", T],
    ["curl", "-f", T, "https://shop.example.com/api/cart", "--branch", "1"],
    ["curl", "-f", T, "https://shop.example.com/api/cart", "-o", "yaml"],
    ["trace", "-f", T, "-n", "shop", "--from", "deploy/web", "--to", "svc/api", "-o", "yaml"],
    ["get", "pods", "-f", T, "-A", "-o", "yaml"],
    ["trace", "-f", T, "--from", "pod/shop/db-0", "--to", "svc/shop/api:80", "--format", "mermaid"],
    ["completion", "bash"],
    ["trce"],
  ];
  for (const argv of same) {
    it(`kubehop ${argv.join(" ")} prints what the sources print, with the same exit code`, async () => {
      const b = built(argv);
      expect(b).to.deep.equal(await runCli(argv));
      expect(b.stderr).not.to.match(/\n\s+at /);
    });
  }

  it("diagram draws through jsdom, outside the bundle, the same SVG", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kubehop-built-"));
    try {
      const b = built(["diagram", "-f", T, "-o", join(dir, "b.svg")]);
      const s = await runCli(["diagram", "-f", T, "-o", join(dir, "s.svg")]);
      expect([b.code, s.code]).to.deep.equal([0, 0]);
      expect(readFileSync(join(dir, "b.svg"), "utf8")).to.equal(readFileSync(join(dir, "s.svg"), "utf8"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
