// From argv to a command's flags, the way users type them: -f/--file or -t for the topology, kubectl's
// -n and -o, and when a flag is unknown, the nearest real one or what the flag means in the tool the
// user had in mind.
import { parseArgs } from "node:util";
import { type CommandSpec, HELP_OPTION, type OptionSpec, type ParsedArgs, TOPOLOGY_OPTIONS } from "./command.ts";
import { UsageError } from "./io.ts";
import { didYouMean } from "../model/suggest.ts";

/** What parseArgs' tokens say of a flag (other kinds: positionals, `--`). */
interface Token {
  readonly kind: string;
  readonly name?: string;
  readonly rawName?: string;
  readonly value?: string | undefined;
}

const IPTABLES_TABLES = new Set(["nat", "filter", "mangle", "raw", "security"]);

export function optionsOf(spec: CommandSpec): Record<string, OptionSpec> {
  const topo = spec.topology ? TOPOLOGY_OPTIONS : {};
  const multiple = spec.multipleTopologies ? { multiple: true } : {};
  // A command with its own argument syntax (curl) words its own help for the flags it shares.
  const own = spec.rawArgs ? spec.options : {};
  return {
    ...spec.options,
    ...(spec.topology
      ? {
          file: { ...topo.file!, ...multiple },
          topology: { ...topo.topology!, ...multiple },
          "no-cache": topo["no-cache"]!,
          strict: topo.strict!,
          dumps: topo.dumps!,
        }
      : {}),
    ...(spec.namespaced ? { namespace: TOPOLOGY_OPTIONS.namespace! } : {}),
    help: HELP_OPTION,
    ...own,
  };
}

export function parseCommand(name: string, spec: CommandSpec, argv: string[]): ParsedArgs {
  habits(name, spec, argv);
  const options = optionsOf(spec);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: true, tokens: true });
  } catch (e) {
    throw new UsageError(explain(e, options));
  }
  refuseRepeats((parsed.tokens ?? []) as readonly Token[], options);
  const values = { ...parsed.values } as ParsedArgs["values"];
  if (spec.topology) mergeTopology(values, !!spec.multipleTopologies);
  const args = { values, positionals: parsed.positionals };
  if (values.help !== true) checkPositionals(spec, args.positionals);
  return args;
}

/**
 * A flag that takes one value, given twice, is refused rather than the last one silently winning
 * (`-t a.yaml ... -t b.yaml` traced b.yaml); flags declared `multiple` (--local-ip) repeat freely.
 */
function refuseRepeats(tokens: readonly Token[], options: Record<string, OptionSpec>): void {
  const given = new Map<string, string[]>();
  for (const t of tokens) {
    if (t.kind !== "option" || t.name === undefined) continue;
    const o = options[t.name];
    if (o?.type !== "string" || o.multiple) continue;
    const values = given.get(t.name) ?? [];
    values.push(`${t.rawName} ${t.value ?? ""}`.trim());
    given.set(t.name, values);
    if (values.length === 2) throw new UsageError(`${values.join(" and ")}: --${t.name} takes one value; give it once`);
  }
}

/** -f/--file and -t are one flag; given both (outside diff), the user meant one of them. */
function mergeTopology(values: ParsedArgs["values"], multiple: boolean): void {
  const { file, topology } = values;
  delete values.file;
  if (multiple) {
    values.topology = [...((topology as string[] | undefined) ?? []), ...((file as string[] | undefined) ?? [])];
    return;
  }
  if (file !== undefined && topology !== undefined)
    throw new UsageError(`give the topology once: -f ${String(file)} or -t ${String(topology)}`);
  values.topology = file ?? topology;
}

function checkPositionals(spec: CommandSpec, positionals: string[]): void {
  const p = spec.positionals ?? { min: 0, max: 0, name: "" };
  if (positionals.length < p.min) throw new UsageError(`missing ${p.name}`);
  if (positionals.length <= p.max) return;
  const extra = positionals[p.max]!;
  const hint = spec.topology && /\.(ya?ml|json)$|\//.test(extra) ? `; give a topology with -f ${extra}` : "";
  throw new UsageError(`unexpected argument "${extra}"${hint}`);
}

/** Flags that mean something else in the tool the user knows: say so before parseArgs fails on them. */
function habits(name: string, spec: CommandSpec, argv: string[]): void {
  for (let i = 0; i < argv.length - 1; i++) {
    const flag = argv[i]!;
    const value = argv[i + 1]!;
    if (flag === "--") return;
    if (spec.topology && flag === "-t" && IPTABLES_TABLES.has(value)) {
      const right = name === "iptables-save" ? `--table ${value}` : `--table ${value} (on kubehop iptables-save)`;
      throw new UsageError(
        `-t ${value}: here -t names the topology file (-t/-f TOPO); iptables' -t TABLE is spelled ${right}`,
      );
    }
  }
}

function explain(e: unknown, options: Record<string, OptionSpec>): string {
  const message = e instanceof Error ? e.message : String(e);
  const code = (e as { code?: string }).code;
  const unknown = /Unknown option '([^']+)'/.exec(message)?.[1];
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && unknown !== undefined) {
    const names = Object.entries(options).flatMap(([long, o]) => [`--${long}`, ...(o.short ? [`-${o.short}`] : [])]);
    return `unknown flag ${unknown}${didYouMean(unknown.replace(/=.*/, ""), names)}; see --help`;
  }
  const missing = /Option '(-\w, )?(--[\w-]+) <value>' argument missing/.exec(message);
  if (missing) return `${missing[2]} needs a value (${options[missing[2]!.slice(2)]?.value ?? "VALUE"})`;
  const noValue = /Option '(-\w, )?(--[\w-]+)' does not take an argument/.exec(message);
  if (noValue) return `${noValue[2]} takes no value`;
  return message.split(". ")[0]!;
}
