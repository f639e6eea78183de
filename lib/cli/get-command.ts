// kubehop get pods|svc|nodes|ingress|endpoints -f TOPO [-n NS|-A] [-o wide|json|yaml]
// What the topology holds, kubectl-style, so the names users must type (hashed pod names, derived
// IPs) are found by asking rather than by provoking an error.
import { inventory, namespacesWith, type Resource, RESOURCE_NAMES } from "../output/inventory.ts";
import { inventoryList } from "../output/inventory-objects.ts";
import { inventoryTable } from "../output/inventory-table.ts";
import { type CommandRun, flag, loadOptions, outputFormat, str, topologyPath } from "./command.ts";
import { EXIT, UsageError } from "./io.ts";
import { loadWithProgress } from "./load-topology.ts";
import { didYouMean } from "../model/suggest.ts";
import { structured } from "./trace-output.ts";
import { safeLines } from "../output/terminal.ts";

const FORMATS = ["text", "wide", "json", "yaml"] as const;
const VALID = "pods (po), services (svc), nodes (no), ingresses (ing) or endpoints (ep)";
/** kubectl's namespace when none is given. */
const DEFAULT_NAMESPACE = "default";

export const run: CommandRun = async (args, io) => {
  const resource = resourceOf(args.positionals);
  const format = outputFormat(args, FORMATS);
  const all = flag(args, "all-namespaces");
  const given = str(args, "namespace");
  if (all && given !== undefined) throw new UsageError(`give -n ${given} or -A (every namespace), not both`);
  // Nodes belong to no namespace: -n does not filter them, as in kubectl.
  const namespace = all || resource === "nodes" ? undefined : (given ?? DEFAULT_NAMESPACE);
  const { cluster } = loadWithProgress(topologyPath(args), {
    ...loadOptions(args),
    warn: (l: string) => io.stderr(`${l}\n`),
  });
  const listed = inventory(cluster, resource, namespace);
  if (format === "json" || format === "yaml") io.stdout(structured(format, inventoryList(listed)));
  else if (listed.rows.length > 0)
    io.stdout(safeLines(inventoryTable(listed, { wide: format === "wide", namespaces: all })));
  if (listed.rows.length === 0) io.stderr(nothingFound(resource, namespace, namespacesWith(cluster, resource)));
  return EXIT.ok;
};

function resourceOf(positionals: readonly string[]): Resource {
  const [word, ...extra] = positionals;
  if (word === undefined) throw new UsageError(`missing what to list: ${VALID}`);
  if (extra.length > 0) throw new UsageError(`one resource at a time (got ${positionals.join(", ")})`);
  const resource = RESOURCE_NAMES.get(word.toLowerCase());
  if (!resource)
    throw new UsageError(
      `unknown resource "${word}"${didYouMean(word.toLowerCase(), [...RESOURCE_NAMES.keys()])}; expected ${VALID}`,
    );
  return resource;
}

/** kubectl's line, and where the things are when the namespace filter hid them all. */
function nothingFound(resource: Resource, namespace: string | undefined, elsewhere: readonly string[]): string {
  if (namespace === undefined) return "No resources found\n";
  const hint =
    elsewhere.length > 0
      ? `${resource} are in namespace${elsewhere.length === 1 ? "" : "s"} ${elsewhere.join(", ")}: use -n NS or -A\n`
      : "";
  return `No resources found in ${namespace} namespace.\n${hint}`;
}
