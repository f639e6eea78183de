// Which snapshot belongs to which inputs, and where snapshots live. The key is a sha256 of every
// input file's path and contents, of kubehop's version and code, of the snapshot format and of the
// byte order: any change to any of them is a different key, so a stale snapshot is never found.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { endianness, homedir } from "node:os";
import { dirname, isAbsolute, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { SourceFile } from "../input/source.ts";
import { SNAPSHOT_FORMAT } from "./store.ts";

/** $KUBEHOP_CACHE_DIR, else $XDG_CACHE_HOME/kubehop, else ~/.cache/kubehop. */
export function cacheFolder(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KUBEHOP_CACHE_DIR) return env.KUBEHOP_CACHE_DIR;
  // The XDG spec says a relative XDG_CACHE_HOME is to be ignored.
  if (env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME)) return join(env.XDG_CACHE_HOME, "kubehop");
  return join(homedir(), ".cache", "kubehop");
}

export function snapshotKey(sources: readonly SourceFile[]): string {
  const h = createHash("sha256").update(`kubehop ${build()} snapshot ${SNAPSHOT_FORMAT} ${endianness()}\0`);
  for (const s of sources) h.update(`${s.file}\0${s.text.length}\0`).update(s.text).update("\0");
  return h.digest("hex");
}

let stamp: string | undefined;

/**
 * kubehop's version and a stamp of its code (each module's path, size and modification time), so
 * that a checkout whose code changed, version or not, does not read models the old code built.
 * An installed package's files keep their times, so its snapshots last until it is upgraded.
 */
function build(): string {
  if (stamp !== undefined) return stamp;
  const code = dirname(dirname(fileURLToPath(import.meta.url)));
  const pkg = JSON.parse(readFileSync(join(dirname(code), "package.json"), "utf8")) as { version: string };
  const h = createHash("sha256");
  for (const f of (readdirSync(code, { recursive: true, encoding: "utf8" }) as string[]).sort()) {
    const st = statSync(join(code, f));
    if (st.isFile()) h.update(`${f}\0${st.size}\0${st.mtimeMs}\0`);
  }
  return (stamp = `${pkg.version} ${h.digest("hex")}`);
}
