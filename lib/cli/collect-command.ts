// `kubehop collect [--nodes a,b] [-o DIR] [--via debug|ssh]`: prints (never runs) the commands of
// lib/nodedump/collect.ts that gather a cluster's objects and its nodes' dumps.
import { dns1123SubdomainProblem } from "../input/names.ts";
import { collectScript } from "../nodedump/collect.ts";
import type { CommandRun } from "./command.ts";
import { EXIT, UsageError } from "./io.ts";

export const run: CommandRun = async (args, io) => {
  const values = args.values as { nodes?: string; output?: string; via?: string };
  const via = values.via ?? "debug";
  if (via !== "debug" && via !== "ssh")
    throw new UsageError(`--via ${via}: expected debug (kubectl debug node/NAME) or ssh`);
  const nodes = values.nodes
    ?.split(",")
    .map((n) => n.trim())
    .filter((n) => n !== "");
  for (const n of nodes ?? []) {
    const problem = dns1123SubdomainProblem(n);
    if (problem) throw new UsageError(`--nodes: ${problem} (a node name)`);
  }
  // A newline in the folder would be a line of the script of its own.
  if (values.output !== undefined && /\p{Cc}/u.test(values.output))
    throw new UsageError(`-o ${JSON.stringify(values.output)}: a folder name cannot hold a control character`);
  io.stdout(collectScript({ ...(nodes ? { nodes } : {}), ...(values.output ? { dir: values.output } : {}), via }));
  return EXIT.ok;
};
