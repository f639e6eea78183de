// Loading for the commands: the library's load, through the snapshot cache, with its steps shown on
// a terminal (a cluster at Kubernetes' limits takes seconds to read and build the first time).
import { InputError } from "../input/errors.ts";
import { type Diagnostic, strictly } from "../model/diagnostic.ts";
import { cachePolicy, type LoadStep, loadCluster } from "../snapshot/cached-load.ts";
import { Topology } from "../topology.ts";
import { phases } from "./progress.ts";

/**
 * `cache: false` (the commands' --no-cache) neither reads nor writes a snapshot; `strict` (--strict)
 * refuses a topology with warnings as bad input.
 */
export function loadWithProgress(pathOrYaml: string, options: { cache?: boolean; strict?: boolean } = {}): Topology {
  const status = phases();
  const what = pathOrYaml.includes("\n") ? "the topology" : pathOrYaml;
  const say: Record<LoadStep, string> = {
    reading: `reading ${what}...`,
    snapshot: `reading the snapshot of ${what}...`,
    building: "building the cluster model...",
  };
  try {
    const { cluster } = loadCluster(pathOrYaml, options.cache === false ? undefined : cachePolicy(), (s) =>
      status.say(say[s]),
    );
    if (options.strict) refuseWarnings(cluster.diagnostics);
    return new Topology(cluster);
  } finally {
    status.done();
  }
}

/** --strict: warnings are errors, so the command stops with them as bad input (exit 2). */
export function refuseWarnings(list: readonly Diagnostic[]): void {
  const warnings = list.filter((d) => d.severity === "warning");
  if (warnings.length > 0) throw new InputError(strictly(warnings));
}
