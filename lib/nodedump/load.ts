// Finds and parses node dumps (what `kubehop collect` gathers), so the model can follow each node as
// it really is. Layout, next to the topology file (or inside the folder given as -t):
//   nodes/NAME/iptables-save.txt   iptables-save
//   nodes/NAME/ip-route.txt        ip route show table main
//   nodes/NAME/ip-addr.txt         ip -o -4 addr
//   nodes/NAME/ipvsadm.txt         ipvsadm-save -n (or ipvsadm -Ln): the IPVS table of kube-proxy's IPVS mode
//   nodes/NAME/wg-show.txt         wg show all dump (or the pretty wg show)
//   nodes/NAME/ipset.txt           ipset save (or ipset list); also read as ipset-save.txt
//   nodes/NAME/nft-ruleset.txt     nft list ruleset: recognised, not read yet (a diagnostic says so)
// each optional; or, in the Topology, `spec.nodeDumps` with another `dir` and/or per-node paths.
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
import { makePrefix } from "../model/address.ts";
import type { InterfaceName, Node, NodeDump } from "../model/cluster.ts";
import { type Diagnostic, diagnostic } from "../model/diagnostic.ts";
import { InputError, type InputProblem, problem } from "../input/errors.ts";
import { readInputFile } from "../input/source.ts";
import type { TopologyInput } from "../input/load.ts";
import { NetfilterParseError } from "../netfilter/errors.ts";
import { parseIptablesSave } from "../netfilter/parser.ts";
import { type DumpedAddress, interfaceMap } from "./interfaces.ts";
import { parseIpAddr } from "./ip-addr.ts";
import { type DumpedRoute, parseIpRoute } from "./ip-route.ts";
import { type DumpedPeer, parseWgShow } from "./wg-show.ts";
import { parseIpvsadm } from "./ipvsadm.ts";
import { parseIpsets } from "./ipset.ts";
import { nftablesDiagnostic, nftablesLine } from "./nft.ts";

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
  "nft-ruleset.txt": "nftRuleset",
};

/** What kubehop falls back on when a part's file is empty. */
const DERIVED: Readonly<Record<DumpPart, string>> = {
  iptablesSave: "rules are derived",
  ipRoute: "routes are derived",
  ipAddr: "addresses are derived",
  wgShow: "WireGuard peers are derived",
  ipvs: "IPVS table is unknown",
  ipsets: "sets are unknown",
  nftRuleset: "nftables rules are not read",
};

/** What the parsers saw beyond the model's NodeDump: lines and real names, for `kubehop drift`. */
export interface DumpDetails {
  readonly routes?: readonly DumpedRoute[];
  readonly addresses?: readonly DumpedAddress[];
  readonly peers?: readonly DumpedPeer[];
  readonly wgDevice?: string;
}

const details = new WeakMap<NodeDump, DumpDetails>();

export function dumpDetails(dump: NodeDump): DumpDetails {
  return details.get(dump) ?? {};
}

/** Every node's dumps, keyed by node name; throws InputError with positions on bad dumps. */
export function loadNodeDumps(
  input: TopologyInput,
  nodes: readonly Node[],
  warnings: Diagnostic[],
): Map<string, NodeDump> {
  const problems: InputProblem[] = [];
  const files = findDumpFiles(input, nodes, problems);
  if (problems.length > 0) throw new InputError(problems);
  const explicit = (input.topology?.obj.spec?.nodeDumps?.interfaces ?? {}) as Record<string, InterfaceName>;
  const assumeKubeJumps = input.topology?.obj.spec?.nodeDumps?.assumeKubeJumps === true;
  const out = new Map<string, NodeDump>();
  for (const node of nodes) {
    const given = files.get(node.name);
    if (!given) continue;
    try {
      const { dump, more } = parseNode(node, given, nodes, explicit, warnings, assumeKubeJumps);
      out.set(node.name, dump);
      details.set(dump, more);
    } catch (e) {
      if (e instanceof InputError) problems.push(...e.diagnostics);
      else throw e;
    }
  }
  if (problems.length > 0) throw new InputError(problems);
  return out;
}

function parseNode(
  node: Node,
  files: Map<DumpPart, string>,
  nodes: readonly Node[],
  explicit: Record<string, InterfaceName>,
  warnings: Diagnostic[],
  assumeKubeJumps: boolean,
): { dump: NodeDump; more: DumpDetails } {
  const text = (part: DumpPart) => {
    const file = files.get(part);
    if (file === undefined) return undefined;
    const t = readText(file);
    // A command that failed on the node (wg on a node without WireGuard) leaves an empty file.
    if (t.trim() === "") {
      warnings.push(
        diagnostic("dump-empty", { file, line: 1, col: 1 }, `empty; ignored (the node's ${DERIVED[part]})`),
      );
      return undefined;
    }
    return { file, text: t };
  };
  const problems: InputProblem[] = [];
  const attempt = <T>(f: () => T): T | undefined => {
    try {
      return f();
    } catch (e) {
      if (e instanceof InputError) problems.push(...e.diagnostics);
      else if (e instanceof NetfilterParseError) problems.push(e.diagnostic);
      else throw e;
      return undefined;
    }
  };
  const addrText = text("ipAddr");
  const addr = addrText && attempt(() => parseIpAddr(addrText.text, addrText.file));
  const ifaces = interfaceMap(node, addr?.addresses, explicit);
  const routeText = text("ipRoute");
  const routes = routeText && attempt(() => parseIpRoute(routeText.text, routeText.file, ifaces));
  const wgText = text("wgShow");
  const wg = wgText && attempt(() => parseWgShow(wgText.text, wgText.file, ifaces, nodes));
  const setsText = text("ipsets");
  const sets = setsText && parseIpsets(setsText.text, setsText.file);
  for (const t of [text("nftRuleset"), text("iptablesSave")])
    if (t && nftablesLine(t.text) !== undefined) warnings.push(nftablesDiagnostic(t.file, nftablesLine(t.text)!));
  const ipvsText = text("ipvs");
  const ipvs = ipvsText && parseIpvsadm(ipvsText.text, ipvsText.file);
  const iptText = text("iptablesSave");
  // Parsed once, here: a malformed dump is bad input (exit 2) at load, not a failure in mid-trace, and
  // whatever reads the node's rules (the data plane, drift, emulate) reads this ruleset.
  const ruleset =
    iptText &&
    nftablesLine(iptText.text) === undefined &&
    attempt(() => parseIptablesSave(iptText.text, iptText.file, { assumeKubeJumps }));
  if (problems.length > 0) throw new InputError(problems);
  for (const p of [addr, routes, wg, sets, ipvs]) if (p) warnings.push(...p.warnings);
  const dump: NodeDump = {
    node: node.name,
    ...(ruleset ? { iptablesSave: ruleset } : {}),
    ...(ipvs ? { ipvs: ipvs.table } : {}),
    ...(routes && routeText
      ? {
          routes: {
            routes: routes.routes,
            ...(routes.local.length > 0 ? { local: routes.local } : {}),
            file: routeText.file,
          },
        }
      : {}),
    ...(sets ? { ipsets: sets.ipsets } : {}),
    ...(addr && addrText
      ? {
          addresses: {
            addresses: addr.addresses.map((a) => ({
              dev: ifaces(a.dev) ?? a.dev,
              ip: a.ip,
              prefix: makePrefix(a.ip, a.length),
            })),
            file: addrText.file,
          },
        }
      : {}),
    ...(wg && wgText
      ? {
          wireguard: {
            peers: wg.peers,
            ...(wg.listenPort !== undefined ? { listenPort: wg.listenPort } : {}),
            file: wgText.file,
          },
        }
      : {}),
  };
  const more: DumpDetails = {
    ...(routes ? { routes: routes.entries } : {}),
    ...(addr ? { addresses: addr.addresses } : {}),
    ...(wg ? { peers: wg.entries, ...(wg.device !== undefined ? { wgDevice: wg.device } : {}) } : {}),
  };
  return { dump, more };
}

/** node name -> part -> file, from the dumps folder and the Topology's per-node paths. */
function findDumpFiles(
  input: TopologyInput,
  nodes: readonly Node[],
  problems: InputProblem[],
): Map<string, Map<DumpPart, string>> {
  const names = new Set(nodes.map((n) => n.name));
  const valid = () => nodeList(nodes);
  const out = new Map<string, Map<DumpPart, string>>();
  const add = (node: string, part: DumpPart, file: string) => {
    let m = out.get(node);
    if (!m) out.set(node, (m = new Map()));
    m.set(part, file);
  };
  const spec = input.topology?.obj.spec?.nodeDumps;
  const topoFile = input.topology?.src.at().file;
  const topoDir = topoFile && topoFile !== "<input>" && existsSync(topoFile) ? dirname(topoFile) : ".";
  const at = (...path: (string | number)[]) => input.topology!.src.at(["spec", "nodeDumps", ...path]);
  const rel = (p: string) => (isAbsolute(p) || topoDir === "." ? p : join(topoDir, p));

  let dir: string | undefined;
  if (spec?.dir !== undefined) {
    dir = rel(spec.dir);
    if (!isDirectory(dir)) {
      problems.push(
        problem(
          "dangling-reference",
          at("dir"),
          `nodeDumps.dir "${spec.dir}" is not a folder (looked for ${dir}); it holds one folder per node: ` +
            `NAME/${Object.keys(DUMP_FILES).join(", NAME/")}`,
        ),
      );
      dir = undefined;
    }
  } else {
    const base = baseFolder(input.source);
    if (base !== undefined && isDirectory(join(base, "nodes"))) dir = join(base, "nodes");
  }
  if (dir !== undefined) {
    for (const entry of readdirSync(dir).sort()) {
      if (entry.startsWith(".")) continue;
      const path = join(dir, entry);
      if (!isDirectory(path)) {
        problems.push(
          problem(
            "wrong-kind",
            { file: path, line: 1, col: 1 },
            `expected only folders named after nodes in ${dir} (NAME/iptables-save.txt, ...); ${entry} is a file`,
          ),
        );
        continue;
      }
      if (!names.has(entry)) {
        problems.push(
          problem(
            "dangling-reference",
            { file: path, line: 1, col: 1 },
            `dumps for "${entry}", which is not a node; valid nodes: ${valid()}`,
          ),
        );
        continue;
      }
      for (const f of readdirSync(path).sort()) {
        if (f.startsWith(".")) continue;
        const part = DUMP_FILES[f];
        if (part) add(entry, part, join(path, f));
        else
          problems.push(
            problem(
              "wrong-kind",
              { file: join(path, f), line: 1, col: 1 },
              `unknown dump file "${f}"${nearest(f)}; a node's folder holds ${Object.keys(DUMP_FILES).join(", ")}`,
            ),
          );
      }
    }
  }
  (spec?.nodes ?? []).forEach((n, i) => {
    if (!names.has(n.name)) {
      problems.push(
        problem(
          "dangling-reference",
          at("nodes", i, "name"),
          `dumps for "${n.name}", which is not a node; valid nodes: ${valid()}`,
        ),
      );
      return;
    }
    for (const part of ["iptablesSave", "ipRoute", "ipAddr", "wgShow"] as const) {
      const p = n[part];
      if (p === undefined) continue;
      const file = rel(p);
      if (!existsSync(file) || isDirectory(file))
        problems.push(problem("dangling-reference", at("nodes", i, part), `no such file: ${file}`));
      else add(n.name, part, file);
    }
  });
  return out;
}

/** The folder dumps are looked for in: -t's folder itself, or the folder of the -t file. */
function baseFolder(source: string | undefined): string | undefined {
  if (source === undefined || source.includes("\n") || /^\s*(apiVersion|kind)\s*:/.test(source)) return undefined;
  if (isDirectory(source)) return source;
  return existsSync(source) ? dirname(source) : undefined;
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function readText(file: string): string {
  // Through the one guarded reader: a FIFO, a device or an oversized file named as a dump is refused, never read.
  const bytes = readInputFile(file);
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    const before = bytes.subarray(0, nul).toString("latin1");
    throw InputError.at(
      { file, line: before.split("\n").length, col: nul - before.lastIndexOf("\n") },
      "not a text file (binary data); expected the command's text output",
    );
  }
  return bytes.toString("utf8");
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
