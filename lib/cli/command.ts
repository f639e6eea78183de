// What a command is to the CLI: its help (summary, flags, examples) and a lazy loader for the code
// that runs it. The table of these stays light so `kubehop --help` never loads the simulator.
import { type CommandIO, UsageError } from "./io.ts";

export interface OptionSpec {
  type: "string" | "boolean";
  short?: string;
  multiple?: boolean;
  /** The value's placeholder in help, e.g. FILE. */
  value?: string;
  help: string;
}

/** What parseArgs gave back: flag values by long name, and the positionals. */
export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** For CI: what kubehop reads but does not simulate fails the command instead of passing with a warning. */
export const STRICT_OPTION: OptionSpec = {
  type: "boolean",
  help: "treat warnings as errors: print them and exit 2 (for CI)",
};

/** Node dumps from a folder the user names; a nodes/ folder beside the topology is read only if it names it. */
export const DUMPS_OPTION: OptionSpec = {
  type: "string",
  value: "DIR",
  help: "read node dumps from DIR (DIR/NAME/iptables-save.txt, ip-route.txt, ...), e.g. --dumps kubehop-dump/nodes",
};

/** The flags every topology command takes. */
export const TOPOLOGY_OPTIONS: Record<string, OptionSpec> = {
  file: {
    type: "string",
    short: "f",
    value: "TOPO",
    help: "the topology: a YAML or JSON file (kubectl -o json too), or a folder of them",
  },
  topology: { type: "string", short: "t", value: "TOPO", help: "the same as -f" },
  namespace: {
    type: "string",
    short: "n",
    value: "NS",
    help: "the namespace for pod/NAME, svc/NAME and workload names",
  },
  "no-cache": { type: "boolean", help: "do not use or write the cached snapshot of a large topology" },
  strict: STRICT_OPTION,
  dumps: DUMPS_OPTION,
};

export const HELP_OPTION: OptionSpec = { type: "boolean", short: "h", help: "this help" };

export type CommandRun = (args: ParsedArgs, io: CommandIO) => Promise<number>;

export interface CommandSpec {
  summary: string;
  /** The synopsis after `kubehop NAME`. */
  usage: string;
  options: Record<string, OptionSpec>;
  /** Two or three real command lines, run by the help spec against the bundled topologies. */
  examples: string[];
  /** Takes the topology flags (-f/--file/-t, --no-cache). */
  topology?: boolean;
  /** Takes -n/--namespace for the names it is given (pod/NAME, svc/NAME, deploy/NAME) or lists. */
  namespaced?: boolean;
  /** Parses its own argv (curl: curl's flag syntax); gets `{ values: {}, positionals: argv }`. */
  rawArgs?: boolean;
  /** -f/-t may be given more than once (diff: BEFORE and AFTER); values.topology is then a list. */
  multipleTopologies?: boolean;
  positionals?: { min: number; max: number; name: string };
  load: () => Promise<{ run: CommandRun }>;
}

export function str(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === "string" ? v : undefined;
}

export function flag(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}

export function list(args: ParsedArgs, name: string): string[] {
  const v = args.values[name];
  return Array.isArray(v) ? v : typeof v === "string" ? [v] : [];
}

/** The topology a command was given with -f/--file or -t. */
export function topologyPath(args: ParsedArgs): string {
  const path = str(args, "topology");
  if (path === undefined || path === "")
    throw new UsageError("missing the topology: -f TOPO (a YAML file or a folder)");
  return path;
}

/**
 * The output format from kubectl's `-o FORMAT`, or the older `--json` and `--format FORMAT`; `allowed`
 * lists what the command prints, the first being its default.
 */
export function outputFormat<F extends string>(args: ParsedArgs, allowed: readonly F[]): F {
  const given: [string, string][] = [];
  if (str(args, "output") !== undefined) given.push(["-o", str(args, "output")!]);
  if (str(args, "format") !== undefined) given.push(["--format", str(args, "format")!]);
  if (flag(args, "json")) given.push(["--json", "json"]);
  if (new Set(given.map(([, f]) => f)).size > 1)
    throw new UsageError(`give one output format (got ${given.map(([, f]) => f).join(", ")})`);
  const [spelled, f] = given[0] ?? ["-o", allowed[0]!];
  if (!(allowed as readonly string[]).includes(f))
    throw new UsageError(`${spelled} ${f}: expected ${allowed.join(", ")}`);
  return f as F;
}

export function loadOptions(args: ParsedArgs): { cache: boolean; strict: boolean; dumps?: string } {
  return { cache: !flag(args, "no-cache"), strict: flag(args, "strict"), ...dumpsOption(args) };
}

/** --dumps DIR, when given. */
export function dumpsOption(args: ParsedArgs): { dumps?: string } {
  const dir = str(args, "dumps");
  if (dir === "") throw new UsageError("--dumps needs a folder: --dumps DIR");
  return dir === undefined ? {} : { dumps: dir };
}
