// Loading for the commands: the library's load, with its steps shown on a terminal (a cluster at
// Kubernetes' limits takes seconds to read and build).
import { buildCluster } from "../control/build.ts";
import { loadInput } from "../input/load.ts";
import { Topology } from "../topology.ts";
import { phases } from "./progress.ts";

// `cache: false` (the commands' --no-cache) will bypass the snapshot cache of loaded models.
export function loadWithProgress(pathOrYaml: string, _options: { cache?: boolean } = {}): Topology {
  const status = phases();
  try {
    status.say(`reading ${pathOrYaml.includes("\n") ? "the topology" : pathOrYaml}...`);
    const input = loadInput(pathOrYaml);
    status.say("building the cluster model...");
    return new Topology(buildCluster(input));
  } finally {
    status.done();
  }
}
