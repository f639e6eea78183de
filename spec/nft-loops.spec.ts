// A jump loop in nft text (which the kernel refuses with ELOOP, so only a paste or a hostile file has
// one) is reported at the rule that closes it, and the walk ends instead of running out of memory.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { runCli } from "./support/cli.ts";

const LOOP = `table ip t {
\tchain pre {
\t\ttype nat hook prerouting priority dstnat; policy accept;
\t\tjump a
\t}
\tchain a {
\t\tjump b
\t}
\tchain b {
\t\tjump a
\t}
}
`;

describe("nft engine: jump loops", () => {
  it("a loop a -> b -> a is reported at the closing rule, which never matches; the packet is accepted", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kh-nftloop-"));
    try {
      const file = join(dir, "loop.nft");
      writeFileSync(file, LOOP);
      const r = await runCli(["netfilter", "--rules", file, "--src", "10.0.0.1", "--dst", "10.0.0.2", "--dport", "80"]);
      expect(r.code).to.equal(0);
      expect(r.stdout + r.stderr).to.include(
        `${file}:10:1: warning[nft-unreadable]: jump loop a -> b -> a in table ip t`,
      );
      expect(r.stdout).to.include("jump b");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
