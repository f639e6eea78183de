// `kubehop completion bash|zsh|fish`: completion scripts made from the command table, so they never
// list a flag the CLI does not take. The table (commands.ts) hands itself over when it loads this.
import type { CommandRun, CommandSpec } from "./command.ts";
import { EXIT, UsageError } from "./io.ts";
import { optionsOf } from "./parse.ts";
import { didYouMean } from "../model/suggest.ts";

const SHELLS = ["bash", "zsh", "fish"] as const;
const NAMES = ["kubehop", "kubectl-kubehop"];

type Commands = Readonly<Record<string, CommandSpec>>;

export function completionRun(commands: Commands): CommandRun {
  return async (args, io) => {
    const shell = args.positionals[0]!;
    if (shell === "bash") io.stdout(bashScript(commands));
    else if (shell === "zsh")
      io.stdout(`#compdef kubehop\nautoload -U +X bashcompinit && bashcompinit\n${bashScript(commands)}`);
    else if (shell === "fish") io.stdout(fishScript(commands));
    else throw new UsageError(`unknown shell "${shell}"${didYouMean(shell, SHELLS)}; expected ${SHELLS.join(", ")}`);
    return EXIT.ok;
  };
}

function flagsOf(commands: Commands, name: string): string[] {
  return Object.entries(optionsOf(commands[name]!)).flatMap(([long, o]) => [
    `--${long}`,
    ...(o.short ? [`-${o.short}`] : []),
  ]);
}

function bashScript(commands: Commands): string {
  const cases = Object.keys(commands).map((name) => `    ${name}) opts="${flagsOf(commands, name).join(" ")}" ;;`);
  return [
    "# kubehop completion for bash: source <(kubehop completion bash)",
    "_kubehop() {",
    '  local cur="${COMP_WORDS[COMP_CWORD]}" opts=""',
    '  if [ "$COMP_CWORD" -eq 1 ]; then',
    `    COMPREPLY=($(compgen -W "${Object.keys(commands).join(" ")} help" -- "$cur")); return`,
    "  fi",
    '  case "${COMP_WORDS[1]}" in',
    ...cases,
    "  esac",
    '  if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "$opts" -- "$cur")); else COMPREPLY=($(compgen -f -- ' +
      '"$cur")); fi',
    "}",
    `complete -o filenames -F _kubehop ${NAMES.join(" ")}`,
    "",
  ].join("\n");
}

function fishScript(commands: Commands): string {
  const q = (s: string) => `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
  const lines = ["# kubehop completion for fish: kubehop completion fish > ~/.config/fish/completions/kubehop.fish"];
  for (const bin of NAMES) {
    for (const [name, c] of Object.entries(commands))
      lines.push(`complete -c ${bin} -f -n __fish_use_subcommand -a ${name} -d ${q(c.summary)}`);
    for (const name of Object.keys(commands)) {
      for (const [long, o] of Object.entries(optionsOf(commands[name]!))) {
        const short = o.short ? ` -s ${o.short}` : "";
        lines.push(
          `complete -c ${bin} -n '__fish_seen_subcommand_from ${name}' ` +
            `-l ${long}${short}${o.type === "string" ? " -r" : ""} -d ${q(o.help)}`,
        );
      }
    }
  }
  return `${lines.join("\n")}\n`;
}
