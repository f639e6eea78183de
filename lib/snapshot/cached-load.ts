// Loading a cluster through the snapshot cache: a command on an input loaded before reads the model
// the last load built instead of parsing and building it again (at Kubernetes' limits, seconds
// against well under one). What a snapshot holds is the Cluster, warnings included, so the command
// prints exactly what it would print without it.
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { buildCluster } from "../control/build.ts";
import { loadInput, type TopologyInput } from "../input/load.ts";
import { isInlineText, readSources, type SourceFile } from "../input/source.ts";
import type { Cluster } from "../model/cluster.ts";
import { cacheFolder, snapshotKey } from "./key.ts";
import { readSnapshot, writeSnapshot } from "./store.ts";

export interface CachePolicy {
  readonly dir: string;
  /** Inputs smaller than this load faster than a snapshot is worth keeping. */
  readonly minBytes: number;
}

/** Below about a megabyte of input, loading takes a fraction of a second already. */
const MIN_BYTES = 1024 * 1024;

/**
 * The cache folder, and KUBEHOP_CACHE_MIN_BYTES to cache smaller inputs (specs use 0); none when
 * there is no folder to use (no home directory).
 */
export function cachePolicy(env: NodeJS.ProcessEnv = process.env): CachePolicy | undefined {
  const min = env.KUBEHOP_CACHE_MIN_BYTES;
  let dir: string;
  try {
    dir = cacheFolder(env);
  } catch {
    return undefined;
  }
  return { dir, minBytes: min !== undefined && /^\d+$/.test(min) ? Number(min) : MIN_BYTES };
}

export type LoadStep = "reading" | "snapshot" | "building";

/**
 * The cluster for a path or YAML text; from the cache when `policy` is given and holds it. `dumps` is
 * --dumps DIR, the folder of node dumps the user named.
 */
export function loadCluster(
  pathOrText: string,
  policy: CachePolicy | undefined,
  step: (s: LoadStep) => void = () => {},
  dumps?: string,
): { cluster: Cluster; fromSnapshot: boolean } {
  step("reading");
  const sources = readSources(pathOrText);
  const size = sources.reduce((n, s) => n + s.text.length, 0);
  const cacheable = dumps === undefined && !mayReadNodeDumps(pathOrText);
  const key = policy && size >= policy.minBytes && cacheable ? keyOf(sources) : undefined;
  if (policy && key) {
    step("snapshot");
    const cached = readSnapshot(policy.dir, key);
    if (isCluster(cached)) return { cluster: cached, fromSnapshot: true };
    step("reading");
  }
  const input = { ...loadInput(pathOrText, sources), ...(dumps === undefined ? {} : { dumps }) };
  step("building");
  const cluster = buildCluster(input);
  if (policy && key && !usesNodeDumps(input, cluster)) writeSnapshot(policy.dir, key, cluster);
  return { cluster, fromSnapshot: false };
}

/** The snapshot key; none (no caching) when kubehop's own files cannot be read to stamp it. */
function keyOf(sources: readonly SourceFile[]): string | undefined {
  try {
    return snapshotKey(sources);
  } catch {
    return undefined;
  }
}

/**
 * Node dumps are read from the folder --dumps or the Topology names, or from paths it names
 * (lib/nodedump/load.ts): inputs the key does not cover, with parsed details kept beside the model
 * rather than in it. Loads that may read them are not cached, nor those beside a nodes/ folder: whether
 * the topology names it decides whether it is read or a node-dumps-ignored warning says it is not.
 */
function mayReadNodeDumps(pathOrText: string): boolean {
  if (isInlineText(pathOrText)) return false;
  const base = statSync(pathOrText).isDirectory() ? pathOrText : dirname(pathOrText);
  return existsSync(join(base, "nodes"));
}

function usesNodeDumps(input: TopologyInput, cluster: Cluster): boolean {
  return cluster.nodeDumps.size > 0 || input.topology?.obj.spec?.nodeDumps !== undefined;
}

/** A snapshot's root is checked for the Cluster's top-level fields before it is trusted as one. */
function isCluster(v: unknown): v is Cluster {
  if (typeof v !== "object" || v === null) return false;
  const c = v as Record<string, unknown>;
  return (
    ["nodes", "pods", "services", "endpointSlices", "diagnostics"].every((k) => Array.isArray(c[k])) &&
    c.nodeDumps instanceof Map
  );
}
