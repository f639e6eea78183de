// What people paste around iptables text: shell prompts with the command they ran, messages iptables
// printed on stderr, `...` where they cut the paste, `iptables -L` listings and other commands'
// output. None of it is rules; each kind is recognised so the parser can skip it and say what it
// was, and an echoed command can tell the table of the lines that follow (`iptables -t nat -S`).
import { TABLES, type TableName } from "../model/ruleset.ts";

/** What a command prints, as far as reading rules goes. */
export type CommandForm = "save" | "rules" | "listing" | "other";

export interface Command {
  /** The command line as echoed, without the prompt. */
  readonly text: string;
  readonly form: CommandForm;
  /** `-t TABLE` when the command gives one; iptables' default is filter. */
  readonly table?: TableName;
}

const PROMPTS = [
  // [root@worker1 ~]#
  /^\[[^\]]*\][#$%]\s*/,
  // root@master:~#   admin@ip-172-31-19-136:~$   user@host $
  /^[\w.-]+@[\w.-]+(?::\S*?)?\s?[#$%]\s*/,
];
/** A bare `$ `, `# ` or `> ` counts as a prompt only before a command someone runs on a node. */
const BARE_PROMPT = /^[$#>%]\s*/;
const TOOLS = [
  "ip6?tables(?:-legacy|-nft)?(?:-save|-restore)?",
  String.raw`xtables-\w+`,
  ...["ipset", "ip", "nft", "kubectl", "wg", "conntrack", "cat", "grep", "docker", "crictl", "ssh", "ipvsadm"],
];
const COMMANDS = new RegExp(String.raw`^(?:sudo\s+(?:-\S+\s+)*)?(?:${TOOLS.join("|")})(?:\s|$)`);

/** The command a prompt line echoes, or undefined when the line is not a prompt. */
export function promptCommand(line: string): Command | undefined {
  for (const p of PROMPTS) {
    const m = p.exec(line);
    if (m) return command(line.slice(m[0].length).trim());
  }
  const bare = BARE_PROMPT.exec(line);
  const rest = bare ? line.slice(bare[0].length).trim() : "";
  return bare && COMMANDS.test(rest) ? command(rest) : undefined;
}

/** Reads what an iptables command line prints: its form and table. */
export function command(text: string): Command {
  const first = text.split("|")[0]!.trim().split(/\s+/);
  let i = 0;
  if (first[i] === "sudo") for (i++; first[i]?.startsWith("-"); i++);
  const tool = (first[i] ?? "").replace(/^.*\//, "");
  const args = first.slice(i + 1);
  let table: TableName | undefined;
  let listing = false;
  let rules = false;
  for (let k = 0; k < args.length; k++) {
    const a = args[k]!;
    const t = a === "-t" || a === "--table" ? args[k + 1] : /^(?:-t|--table=)(\w+)$/.exec(a)?.[1];
    if (t !== undefined && (TABLES as readonly string[]).includes(t)) table = t as TableName;
    if (a === "--list" || /^-[a-zA-Z]*L/.test(a)) listing = true;
    if (a === "--list-rules" || /^-[a-zA-Z]*S/.test(a)) rules = true;
  }
  let form: CommandForm = "other";
  // `iptables -L | wc -l` prints a count, not a listing.
  if (/\|\s*wc\b/.test(text)) form = "other";
  else if (/^ip6?tables(?:-legacy|-nft)?-save$|^xtables-\w*save$/.test(tool)) form = "save";
  else if (/^ip6?tables(?:-legacy|-nft)?$/.test(tool)) form = rules ? "rules" : listing ? "listing" : "other";
  return table ? { text, form, table } : { text, form };
}

/** A message iptables or the shell printed instead of rules, e.g. `iptables-save: invalid option -- 'L'`. */
export function isToolMessage(line: string): boolean {
  return (
    /^(?:ip6?tables|xtables|iptables-save|iptables-restore)[\w-]*(?: v[\d.]+(?: \([\w_]+\))?)?: /.test(line) ||
    /^(?:Another app is currently holding the xtables lock|Fatal: can't open lock file)/.test(line) ||
    /^(?:sudo|bash|sh|zsh): /.test(line)
  );
}

/** iptables-nft's warning, which lands in a paste wherever stderr met stdout, even mid-rule. */
export const LEGACY_WARNING = "# Warning: iptables-legacy tables present";

/** `...`, `…`, `---`, `[...]`, `<snip>`: the author left lines out here. */
export function isElision(line: string): boolean {
  return /^(?:\.{2,}|…+|-{3,}|={3,}|\[(?:\.\.\.|…|snip|truncated)\]|<snip>|\(\.\.\.\)|# ?\.\.\.)(?:\s.*)?$/i.test(line);
}

/** `Chain INPUT (policy DROP)` / `Chain KUBE-SVC-X (1 references)`: a chain of `iptables -L`. */
export function listingChain(line: string): { chain: string; policy?: string } | undefined {
  const m = /^Chain (\S+) \((?:policy (\w+)[^)]*|\d+ references?)\)\s*$/.exec(line);
  if (!m) return undefined;
  return m[2] ? { chain: m[1]!, policy: m[2] } : { chain: m[1]! };
}

/** The column titles `iptables -L` prints above a chain's rules. */
export function isListingHeader(line: string): boolean {
  return /^(?:num\s+)?(?:pkts\s+bytes\s+)?target\s+prot\s+opt\s+(?:in\s+out\s+)?source\s+destination\b/.test(line);
}

/** `Name: KUBE-CLUSTER-IP`, the first line `ipset list` prints for a set. */
export function isIpsetListStart(line: string): boolean {
  return /^Name: \S+$/.test(line);
}
