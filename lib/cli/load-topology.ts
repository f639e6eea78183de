// Loading for the commands: the library's load, through the snapshot cache, with its steps shown on
// a terminal (a cluster at Kubernetes' limits takes seconds to read and build the first time).
import { InputError } from "../input/errors.ts";
import { type Diagnostic, strictly } from "../model/diagnostic.ts";
import { formatDiagnostic } from "../output/diagnostics.ts";
import { cachePolicy, type LoadStep, loadCluster } from "../snapshot/cached-load.ts";
import { Topology } from "../topology.ts";
import { phases } from "./progress.ts";

export interface LoadOptions {
  readonly cache?: boolean;
  readonly strict?: boolean;
  /** --dumps DIR: node dumps from a folder the user names. */
  readonly dumps?: string;
  /**
   * Where the commands whose output has no place for them (get, diagram, report, diff, drift,
   * iptables-save) print the topology's warnings, so no command reads a topology silently.
   */
  readonly warn?: (line: string) => void;
}

/**
 * `cache: false` (the commands' --no-cache) neither reads nor writes a snapshot; `strict` (--strict)
 * refuses a topology with warnings as bad input.
 */
export function loadWithProgress(pathOrYaml: string, options: LoadOptions = {}): Topology {
  const status = phases();
  const what = pathOrYaml.includes("\n") ? "the topology" : pathOrYaml;
  const say: Record<LoadStep, string> = {
    reading: `reading ${what}...`,
    snapshot: `reading the snapshot of ${what}...`,
    building: "building the cluster model...",
  };
  try {
    const { cluster } = loadCluster(
      pathOrYaml,
      options.cache === false ? undefined : cachePolicy(),
      (s) => status.say(say[s]),
      options.dumps,
    );
    if (options.strict) refuseWarnings(cluster.diagnostics);
    if (options.warn)
      for (const d of cluster.diagnostics) if (d.severity === "warning") options.warn(formatDiagnostic(d));
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
