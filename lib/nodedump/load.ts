// Finds and parses node dumps (what `kubehop collect` gathers), so the model can follow each node as
// it really is. Layout, in the folder the Topology's spec.nodeDumps.dir or --dumps DIR names (a nodes/
// folder beside the topology is read only then: dump-paths.ts):
//   nodes/NAME/iptables-save.txt   iptables-save
//   nodes/NAME/ip-route.txt        ip route show table main
//   nodes/NAME/ip-addr.txt         ip -o -4 addr
//   nodes/NAME/ipvsadm.txt         ipvsadm-save -n (or ipvsadm -Ln): the IPVS table of kube-proxy's IPVS mode
//   nodes/NAME/wg-show.txt         wg show all dump (or the pretty wg show)
//   nodes/NAME/ipset.txt           ipset save (or ipset list); also read as ipset-save.txt
//   nodes/NAME/nft-list-ruleset.txt  nft list ruleset: the node's rules (kube-proxy's nftables mode);
//                                  also read as nft-ruleset.txt, as is nft text where iptables-save.txt belongs
// each optional; and per-node paths in `spec.nodeDumps.nodes`, inside the topology's folder.
import { makePrefix } from "../model/address.ts";
import type { InterfaceName, Node, NodeDump } from "../model/cluster.ts";
import { type Diagnostic, diagnostic } from "../model/diagnostic.ts";
import { InputError, type InputProblem } from "../input/errors.ts";
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
import { bothRulesets, holdsKubeProxyTable, nftablesLine } from "./nft.ts";
import { type DumpFile, type DumpPart, findDumpFiles } from "./dump-paths.ts";

/** What kubehop falls back on when a part's file is empty. */
const DERIVED: Readonly<Record<DumpPart, string>> = {
  iptablesSave: "rules are derived",
  ipRoute: "routes are derived",
  ipAddr: "addresses are derived",
  wgShow: "WireGuard peers are derived",
  ipvs: "IPVS table is unknown",
  ipsets: "sets are unknown",
  nftRuleset: "rules are derived",
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
  const files = findDumpFiles(input, nodes, problems, warnings);
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
  files: Map<DumpPart, DumpFile>,
  nodes: readonly Node[],
  explicit: Record<string, InterfaceName>,
  warnings: Diagnostic[],
  assumeKubeJumps: boolean,
): { dump: NodeDump; more: DumpDetails } {
  const text = (part: DumpPart) => {
    const given = files.get(part);
    if (given === undefined) return undefined;
    const file = given.file;
    const t = readText(given);
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
  const nft = text("nftRuleset") ?? (iptText && nftablesLine(iptText.text) !== undefined ? iptText : undefined);
  // In nftables mode iptables-save shows only iptables-nft's tables, which nft lists too: no news.
  if (nft && ruleset && !holdsKubeProxyTable(nft.text)) warnings.push(bothRulesets(nft.file, ruleset.file));
  const dump: NodeDump = {
    node: node.name,
    ...(ruleset ? { iptablesSave: ruleset } : {}),
    ...(nft ? { nftRuleset: nft } : {}),
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

function readText({ file, checkOpened }: DumpFile): string {
  // Through the one guarded reader: a FIFO, a device or an oversized file named as a dump is refused, never read.
  const bytes = readInputFile(file, { file, line: 1, col: 1 }, checkOpened);
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
