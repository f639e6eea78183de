// The library's front door for specs: the same Topology, whose traces remember the cluster they came
// from, so an assertion such as reach("svc/shop/api") can look up the Service's endpoints.
import { buildCluster } from "../control/build.ts";
import { loadInput } from "../input/load.ts";
import { type CurlOptions, Topology as BaseTopology, type TraceSession } from "../topology.ts";
import type { TraceQuery } from "../trace/request.ts";
import type { Trace } from "../trace/types.ts";
import { remember } from "./context.ts";

export class Topology extends BaseTopology {
  override trace(query: TraceQuery): Trace {
    return remember(super.trace(query), this.cluster);
  }

  override curl(url: string, options: CurlOptions = {}): Trace {
    return remember(super.curl(url, options), this.cluster);
  }

  override session(): TraceSession {
    const inner = super.session();
    return { trace: (query, pick) => remember(inner.trace(query, pick), this.cluster) };
  }
}

/** A path to a YAML file or folder, or YAML text. Throws InputError (with file:line:col) on bad input. */
export function loadTopologySync(pathOrYamlText: string): Topology {
  return new Topology(buildCluster(loadInput(pathOrYamlText)));
}

export async function loadTopology(pathOrYamlText: string): Promise<Topology> {
  return loadTopologySync(pathOrYamlText);
}
