// kubehop migrate -f INGRESS_WORLD --to GATEWAY_WORLD [--json] [--junit FILE] [--limit N]: every host and
// path of both worlds, with the edges where ingress-nginx and the Gateway API differ, sent by the same
// client to both; the requests whose answers differ. Exit 1 if any differs, 0 if none, 2 on bad input.
import { loadWithProgress } from "./load-topology.ts";
import { migrateJson } from "../migrate/json.ts";
import { migrateJunit } from "../migrate/junit.ts";
import { differing, migrate, migrateText } from "../migrate/migrate.ts";
import { DEFAULT_REQUEST_LIMIT, migrateRequests } from "../migrate/requests.ts";
import { gatewayWorld } from "../migrate/worlds.ts";
import { formatDiagnostic } from "../output/diagnostics.ts";
import { writeWhole } from "../output/files.ts";
import { safeLines } from "../output/terminal.ts";
import { Topology } from "../topology.ts";
import { type CommandRun, dumpsOption, flag, loadOptions, outputFormat, str, topologyPath } from "./command.ts";
import { refuseWarnings } from "./load-topology.ts";
import { EXIT, UsageError } from "./io.ts";

export const run: CommandRun = async (args, io) => {
  const ingressPath = topologyPath(args);
  const to = str(args, "to");
  if (to === undefined || to === "")
    throw new UsageError("missing the Gateway world: --to FILE (ingress2gateway's output, or a whole topology)");
  const junit = str(args, "junit");
  if (junit === "") throw new UsageError("--junit needs a file name");
  const limit = requestLimit(str(args, "limit"));
  const format = outputFormat(args, ["text", "json"] as const);
  const warn = (l: string) => io.stderr(`${l}\n`);
  const ingress = loadWithProgress(ingressPath, { ...loadOptions(args), warn });
  const gateway = new Topology(gatewayWorld(ingressPath, to, dumpsOption(args).dumps));
  if (flag(args, "strict")) refuseWarnings(gateway.cluster.diagnostics);
  for (const d of gateway.cluster.diagnostics) if (d.severity === "warning") warn(formatDiagnostic(d));
  const requests = migrateRequests(ingress.cluster, gateway.cluster);
  if (requests.length > limit)
    throw new UsageError(
      `the two worlds make ${requests.length} requests, more than --limit ${limit}: each is traced in both ` +
        `worlds; raise --limit to run them all`,
    );
  const result = migrate(ingress, gateway, requests);
  const names = { ingress: ingressPath, gateway: to };
  io.stdout(format === "json" ? migrateJson(result, names) : safeLines(migrateText(result, names)));
  if (junit !== undefined) {
    writeWhole(junit, migrateJunit(result));
    io.stderr(`wrote ${junit}\n`);
  }
  return differing(result).length ? EXIT.failed : EXIT.ok;
};

function requestLimit(text: string | undefined): number {
  if (text === undefined) return DEFAULT_REQUEST_LIMIT;
  if (!/^[1-9]\d{0,6}$/.test(text)) throw new UsageError(`--limit ${text}: expected a whole number from 1 to 9999999`);
  return Number(text);
}
