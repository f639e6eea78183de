// The bench's cli rows and the built-CLI spec run dist/, so a source edited since the last build is
// built first: they would otherwise measure or check stale code.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const ROOT = new URL("..", import.meta.url).pathname;

export function ensureBuilt(log: (line: string) => void = () => {}): void {
  const builtAt = statSync(join(ROOT, "dist/bundle/main.js"), { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const sources = readdirSync(join(ROOT, "lib"), { recursive: true, encoding: "utf8" }).map(
    (f) => statSync(join(ROOT, "lib", f)).mtimeMs,
  );
  if (Math.max(...sources, statSync(join(ROOT, "scripts/bundle-cli.mjs")).mtimeMs) <= builtAt) return;
  log("lib/ is newer than dist/: npm run build");
  const build = spawnSync("npm", ["run", "--silent", "build"], { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"] });
  if (build.status !== 0) throw new Error("npm run build failed: dist/ would be stale or broken");
}
