// What `kubehop --help` and `kubehop CMD --help` print, from the command table alone.
import type { CommandSpec } from "./command.ts";
import { COMMANDS } from "./commands.ts";
import { optionsOf } from "./parse.ts";

export function mainHelp(version: string): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = [
    `kubehop ${version}: what exactly happens to this request in my Kubernetes cluster?`,
    "",
    "usage: kubehop COMMAND [flags]      kubehop help COMMAND | COMMAND --help | --version",
    "",
    "commands:",
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    "",
    "LOC:  pod/[NS/]NAME, deploy/NAME, sts/NAME, ds/NAME, node/NAME, node/NAME:IFACE, client/NAME",
    "DEST: IP:PORT, svc/[NS/]NAME[:PORT], pod/[NS/]NAME:PORT, deploy/NAME:PORT, node/NAME:PORT, client/NAME:PORT",
    "Exit codes: 0 success, 1 a failure where success was asked, 2 bad input or usage.",
    "Also a kubectl plugin: kubectl kubehop COMMAND ...",
    "",
  ];
  return lines.join("\n");
}

export function commandHelp(name: string, spec: CommandSpec): string {
  const options = Object.entries(optionsOf(spec)).filter(([long]) => long !== "topology" || !spec.topology);
  const labels = options.map(([long, o]) => {
    const names = [...(o.short ? [`-${o.short}`] : []), ...(long === "file" ? ["-t"] : []), `--${long}`].join(", ");
    return `${names}${o.type === "string" ? ` ${o.value ?? "VALUE"}` : ""}`;
  });
  const width = Math.min(30, Math.max(...labels.map((l) => l.length)));
  const flagLines = options.map(([, o], i) => {
    const label = labels[i]!;
    const more = o.multiple ? " (repeatable)" : "";
    return label.length > width ? `  ${label}\n  ${" ".repeat(width)}  ${o.help}${more}` : `  ${label.padEnd(width)}  ${o.help}${more}`;
  });
  return [
    `kubehop ${name}: ${spec.summary}`,
    "",
    `usage: kubehop ${name} ${spec.usage}`,
    "",
    "flags:",
    ...flagLines,
    "",
    "examples:",
    ...spec.examples.map((e) => `  ${e}`),
    "",
  ].join("\n");
}
