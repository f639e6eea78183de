// What `kubehop --help` and `kubehop CMD --help` print, from the command table alone.
import { wrap } from "../output/terminal.ts";
import type { CommandSpec } from "./command.ts";
import { COMMANDS } from "./commands.ts";
import { optionsOf } from "./parse.ts";

export function mainHelp(version: string, columns = 100): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = [
    ...hanging(`kubehop ${version}: `, "what exactly happens to this request in my Kubernetes cluster?", columns),
    "",
    "usage: kubehop COMMAND [flags]      kubehop help COMMAND | COMMAND --help | --version",
    "",
    "commands:",
    ...Object.entries(COMMANDS).flatMap(([name, c]) => hanging(`  ${name.padEnd(width)}  `, c.summary, columns)),
    "",
    "LOC:  pod/[NS/]NAME, deploy/NAME, sts/NAME, ds/NAME, node/NAME, node/NAME:IFACE, client/NAME",
    "DEST: IP:PORT, svc/[NS/]NAME[:PORT], pod/[NS/]NAME:PORT, deploy/NAME:PORT, node/NAME:PORT, client/NAME:PORT",
    "Exit codes: 0 success, 1 a failure where success was asked, 2 bad input or usage (curl --fail: 22",
    "on HTTP 400 or more, as curl).",
    "Also a kubectl plugin: kubectl kubehop COMMAND ...",
    "",
  ];
  return lines.join("\n");
}

export function commandHelp(name: string, spec: CommandSpec, columns = 100): string {
  const options = Object.entries(optionsOf(spec)).filter(([long]) => long !== "topology" || !spec.topology);
  const labels = options.map(([long, o]) => {
    const names = [...(o.short ? [`-${o.short}`] : []), ...(long === "file" ? ["-t"] : []), `--${long}`].join(", ");
    return `${names}${o.type === "string" ? ` ${o.value ?? "VALUE"}` : ""}`;
  });
  const width = Math.min(30, Math.max(...labels.map((l) => l.length)));
  const flagLines = options.map(([, o], i) => {
    const label = labels[i]!;
    const more = o.multiple ? " (repeatable)" : "";
    const text = `${o.help}${more}`;
    const indent = `  ${" ".repeat(width)}  `;
    return label.length > width
      ? [`  ${label}`, ...hanging(indent, text, columns)]
      : hanging(`  ${label.padEnd(width)}  `, text, columns);
  });
  return [
    ...hanging(`kubehop ${name}: `, spec.summary, columns),
    "",
    ...hanging(`usage: kubehop ${name} `, spec.usage, columns),
    "",
    "flags:",
    ...flagLines.flat(),
    "",
    "examples:",
    ...spec.examples.map((e) => `  ${e}`),
    "",
  ].join("\n");
}

/** `prefix` then `text` wrapped to `columns`, continuation lines indented under the text's start. */
function hanging(prefix: string, text: string, columns: number): string[] {
  const lines = wrap(text, Math.max(20, columns - prefix.length));
  return lines.map((l, i) => (i === 0 ? prefix : " ".repeat(prefix.length)) + l);
}
