// Which files are a node's dumps, and the rule that keeps a topology from naming any other file: a
// topology may come from a stranger (a pull request, a pasted issue), and kubehop reads what it names
// and quotes it in errors, so every path it names resolves inside its own folder (no absolute path,
// no `..` out, no symbolic link out), and a nodes/ folder beside it is read only when it or the
// command line (--dumps DIR, the user's own choice, not confined) says so.
import { readdirSync, readlinkSync, realpathSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import type { Node } from "../model/cluster.ts";
import { type Diagnostic, diagnostic } from "../model/diagnostic.ts";
import { asWritten, excerpt } from "../model/excerpt.ts";
import type { Origin } from "../model/origin.ts";
import { InputError, type InputProblem, problem } from "../input/errors.ts";
import type { TopologyInput } from "../input/load.ts";
import { isInlineText } from "../input/source.ts";

export type DumpPart = "iptablesSave" | "ipRoute" | "ipAddr" | "wgShow" | "ipsets" | "nftRuleset" | "ipvs";

/** File name in a node's folder -> the part it holds. */
export const DUMP_FILES: Readonly<Record<string, DumpPart>> = {
  "iptables-save.txt": "iptablesSave",
  "ip-route.txt": "ipRoute",
  "ip-addr.txt": "ipAddr",
  "wg-show.txt": "wgShow",
  "ipvsadm.txt": "ipvs",
  "ipset.txt": "ipsets",
  "ipset-save.txt": "ipsets",
  "nft-list-ruleset.txt": "nftRuleset",
  "nft-ruleset.txt": "nftRuleset",
};

const EXAMPLE = "nodes/node-1/ip-route.txt";

/** What each part is, for messages. */
const PART_NAMES: Readonly<Record<DumpPart, string>> = {
  iptablesSave: "iptables-save",
  ipRoute: "ip route",
  ipAddr: "ip addr",
  wgShow: "wg show",
  ipsets: "ipset save",
  nftRuleset: "nft list ruleset",
  ipvs: "ipvsadm-save",
};

/** A folder files must be inside: as the user wrote it (for messages) and its real path. */
interface Folder {
  readonly shown: string;
  readonly real: string;
  /** What the folder is, for messages: "the topology's folder topologies/x". */
  readonly what: string;
}

/** A dump to read, and the check that the file opened is still inside the folder it was found in. */
export interface DumpFile {
  readonly file: string;
  readonly checkOpened: (fd: number) => void;
}

type Add = (node: string, part: DumpPart, file: string, root: Folder) => void;

/** node name -> part -> file, from the dumps folder and the Topology's per-node paths. */
export function findDumpFiles(
  input: TopologyInput,
  nodes: readonly Node[],
  problems: InputProblem[],
  warnings: Diagnostic[],
): Map<string, Map<DumpPart, DumpFile>> {
  const names = new Set(nodes.map((n) => n.name));
  const out = new Map<string, Map<DumpPart, DumpFile>>();
  const add: Add = (node, part, file, root) => {
    let m = out.get(node);
    if (!m) out.set(node, (m = new Map()));
    m.set(part, { file, checkOpened: openedInside(root, file) });
  };
  const spec = input.topology?.obj.spec?.nodeDumps;
  const at = (...path: (string | number)[]) => input.topology!.src.at(["spec", "nodeDumps", ...path]);
  const given = input.dumps === undefined ? undefined : dumpsOption(input.dumps, problems);
  // Paths in the Topology are relative to its file's folder; text has none, unless --dumps gives one.
  const home = topologyFolder(input) ?? given;
  const confine = (p: string, origin: Origin, missing?: Missing) =>
    home ? inside(home, p, origin, problems, missing) : noFolder(origin, problems);

  let dir: { path: string; root: Folder } | undefined;
  if (input.dumps !== undefined) {
    if (given) dir = { path: given.shown, root: given };
  } else if (spec?.dir !== undefined) {
    const notFolder = (path: string) =>
      `nodeDumps.dir ${excerpt(spec.dir!)} is not a folder (looked for ${plain(path)}); it holds one folder per ` +
      `node: NAME/${Object.keys(DUMP_FILES).join(", NAME/")}`;
    const path = confine(spec.dir, at("dir"), notFolder);
    if (path !== undefined && !isDirectory(path))
      problems.push(problem("dangling-reference", at("dir"), notFolder(path)));
    else if (path !== undefined) dir = { path, root: home! };
  }
  unnamedNodesFolder(input, dir?.path, warnings);
  if (dir !== undefined) scanFolder(dir.path, dir.root, names, nodes, add, problems);
  (spec?.nodes ?? []).forEach((n, i) => {
    if (!names.has(n.name)) {
      problems.push(
        problem(
          "dangling-reference",
          at("nodes", i, "name"),
          `dumps for "${n.name}", which is not a node; valid nodes: ${nodeList(nodes)}`,
        ),
      );
      return;
    }
    for (const part of ["iptablesSave", "ipRoute", "ipAddr", "wgShow"] as const) {
      const p = n[part];
      if (p === undefined) continue;
      const file = confine(p, at("nodes", i, part));
      if (file === undefined) continue;
      if (isDirectory(file))
        problems.push(problem("dangling-reference", at("nodes", i, part), `${plain(file)} is a folder, not a dump`));
      else add(n.name, part, file, home!);
    }
  });
  return out;
}

/** The folder of the file that holds the Topology; none for text. */
function topologyFolder(input: TopologyInput): Folder | undefined {
  const file = input.topology?.src.at().file;
  if (file === undefined || input.source === undefined || isInlineText(input.source)) return undefined;
  const shown = dirname(file);
  try {
    return { shown, real: realpathSync(shown), what: `the topology's folder ${shown}` };
  } catch {
    return undefined;
  }
}

/** --dumps DIR: any folder the user names, but a folder. */
function dumpsOption(dir: string, problems: InputProblem[]): Folder | undefined {
  const where = { file: dir, line: 1, col: 1 };
  try {
    if (statSync(dir).isDirectory()) return { shown: dir, real: realpathSync(dir), what: `the --dumps folder ${dir}` };
    problems.push(problem("input-file", where, "--dumps names a file; give the folder of NAME/iptables-save.txt, ..."));
  } catch (e) {
    problems.push(
      problem("input-file", where, `--dumps: ${unreadable(e)}; give a folder of NAME/iptables-save.txt, ...`),
    );
  }
  return undefined;
}

/** What to say of a path where nothing is. */
type Missing = (path: string) => string;

/** `p`, written at `origin`, as a path to read: undefined (and a problem) when it is not inside `root`. */
function inside(
  root: Folder,
  p: string,
  origin: Origin,
  problems: InputProblem[],
  missing?: Missing,
): string | undefined {
  const valid = `expected a path inside ${root.what}, e.g. ${EXAMPLE}`;
  if (isAbsolute(p)) {
    problems.push(problem("path-outside", origin, `${excerpt(p)} is an absolute path; ${valid}`));
    return undefined;
  }
  const path = join(root.shown, p);
  if (!within(resolve(root.shown), resolve(path))) {
    problems.push(problem("path-outside", origin, `${excerpt(p)} leads out of ${root.what} (..); ${valid}`));
    return undefined;
  }
  return realInside(root, path, origin, problems, excerpt(p), missing) === undefined ? undefined : path;
}

/**
 * The real path of `path` when it is inside `root` once every symbolic link is followed; else a
 * problem at `origin` (`named` is how the message names it): a link out, a loop, nothing there.
 */
function realInside(
  root: Folder,
  path: string,
  origin: Origin,
  problems: InputProblem[],
  named: string,
  missing: Missing = (path) => `no such file: ${plain(path)}`,
): string | undefined {
  let real: string;
  try {
    real = realpathSync(path);
  } catch (e) {
    const absent = (e as NodeJS.ErrnoException).code === "ENOENT";
    problems.push(
      absent
        ? problem("dangling-reference", origin, missing(path))
        : problem("input-file", origin, `${named}: ${unreadable(e)}`),
    );
    return undefined;
  }
  if (within(root.real, real)) return real;
  problems.push(
    problem(
      "path-outside",
      origin,
      `${named} is a symbolic link (or passes through one) to a file outside ${root.what}; kubehop reads no ` +
        `file outside it: copy the dump in`,
    ),
  );
  return undefined;
}

/**
 * The file as opened is the one checked: where /proc shows what a descriptor opened, a link put in
 * place between the check and the open (by whoever else can write the folder, while kubehop runs as
 * root) is refused before a byte is read.
 */
function openedInside(root: Folder, file: string): (fd: number) => void {
  return (fd) => {
    let opened: string;
    try {
      opened = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      return;
    }
    if (!within(root.real, opened))
      throw InputError.at(
        { file, line: 1, col: 1 },
        `became a link to a file outside ${root.what} while kubehop read it; nothing of it was read`,
        "path-outside",
      );
  };
}

function noFolder(origin: Origin, problems: InputProblem[]): undefined {
  problems.push(
    problem(
      "path-outside",
      origin,
      "a topology given as text has no folder for its paths to be inside; load it from a file, or pass " +
        "--dumps DIR (the folder of NAME/iptables-save.txt, ...)",
    ),
  );
  return undefined;
}

/** Each NAME/ in the dumps folder is a node's; each file in it one of DUMP_FILES, all inside `root`. */
function scanFolder(
  dir: string,
  root: Folder,
  names: ReadonlySet<string>,
  nodes: readonly Node[],
  add: Add,
  problems: InputProblem[],
): void {
  const at = (path: string) => ({ file: path, line: 1, col: 1 });
  for (const entry of list(dir, problems)) {
    const path = join(dir, entry);
    if (realInside(root, path, at(path), problems, excerpt(entry)) === undefined) continue;
    if (!isDirectory(path)) {
      problems.push(
        problem(
          "wrong-kind",
          at(path),
          `expected only folders named after nodes in ${plain(dir)} (NAME/iptables-save.txt, ...); ` +
            `${excerpt(entry)} is a file`,
        ),
      );
      continue;
    }
    if (!names.has(entry)) {
      problems.push(
        problem(
          "dangling-reference",
          at(path),
          `dumps for ${excerpt(entry)}, which is not a node; valid nodes: ${nodeList(nodes)}`,
        ),
      );
      continue;
    }
    // Two names of one part (ipset.txt and ipset-save.txt) would leave one file unread without a word.
    const seen = new Map<DumpPart, string>();
    for (const f of list(path, problems)) {
      const file = join(path, f);
      const part = DUMP_FILES[f];
      const twin = part && seen.get(part);
      if (part) seen.set(part, f);
      if (twin)
        problems.push(
          problem(
            "duplicate",
            at(file),
            `${excerpt(f)} and ${excerpt(twin)} in ${plain(path)} are both the node's ${PART_NAMES[part]}; ` +
              "keep one of them",
          ),
        );
      else if (!part)
        problems.push(
          problem(
            "wrong-kind",
            at(file),
            `unknown dump file ${excerpt(f)}${nearest(f)}; a node's folder holds ${Object.keys(DUMP_FILES).join(", ")}`,
          ),
        );
      else if (realInside(root, file, at(file), problems, excerpt(f)) !== undefined) add(entry, part, file, root);
    }
  }
}

/** A folder's entries in order, hidden ones left out. */
function list(dir: string, problems: InputProblem[]): string[] {
  try {
    return readdirSync(dir)
      .filter((e) => !e.startsWith("."))
      .sort();
  } catch (e) {
    problems.push(problem("input-file", { file: dir, line: 1, col: 1 }, `cannot list the folder: ${unreadable(e)}`));
    return [];
  }
}

/** A nodes/ folder beside the input that is not the one read is said, never read silently. */
function unnamedNodesFolder(input: TopologyInput, read: string | undefined, warnings: Diagnostic[]): void {
  const base = input.source === undefined || isInlineText(input.source) ? undefined : baseFolder(input.source);
  const beside = base === undefined ? undefined : join(base, "nodes");
  if (beside === undefined || !isDirectory(beside)) return;
  if (read !== undefined && sameFile(read, beside)) return;
  warnings.push(
    diagnostic(
      "node-dumps-ignored",
      { file: beside, line: 1, col: 1 },
      `${beside} beside the topology is not read${read === undefined ? "" : ` (the dumps are read from ${read})`}; ` +
        "name it in the Topology's spec.nodeDumps.dir (nodeDumps: {dir: nodes}) or pass --dumps " +
        beside,
    ),
  );
}

/** The folder dumps are looked for in: -t's folder itself, or the folder of the -t file. */
function baseFolder(source: string): string {
  return isDirectory(source) ? source : dirname(source);
}

/** A path as it is when it needs no escaping, else escaped and quoted: a newline in a name never ends a line. */
function plain(path: string): string {
  return asWritten(path, 240);
}

function within(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

function sameFile(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function unreadable(e: unknown): string {
  switch ((e as NodeJS.ErrnoException).code) {
    case "ENOENT":
      return "no such file or folder";
    case "ELOOP":
      return "too many levels of symbolic links (a symlink loop)";
    case "EACCES":
    case "EPERM":
      return "permission denied (EACCES)";
    case "ENOTDIR":
      return "a part of the path is not a folder";
    default:
      return `cannot read it (${(e as NodeJS.ErrnoException).code ?? "error"})`;
  }
}

function nodeList(nodes: readonly Node[]): string {
  const names = nodes.map((n) => n.name);
  return names.length > 12
    ? `${names.slice(0, 12).join(", ")}, ... (${names.length} in all)`
    : names.join(", ") || "(none)";
}

function nearest(name: string): string {
  const stem = name
    .replace(/\.[a-z]+$/i, "")
    .toLowerCase()
    .replace(/[^a-z]/g, "");
  for (const f of Object.keys(DUMP_FILES)) {
    const fs = f.replace(/\.txt$/, "").replace(/[^a-z]/g, "");
    if (stem.startsWith(fs) || fs.startsWith(stem)) return `; did you mean "${f}"?`;
  }
  return "";
}
