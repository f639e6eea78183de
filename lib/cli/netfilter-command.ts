// `kubehop netfilter`: one packet through one node's iptables-save rules, every branch printed
// with its probability, DNAT, masquerade, marks, verdict and the rules that decided it.
import type { Packet } from "../model/packet.ts";
import { packetText } from "../model/packet.ts";
import { formatIpv4, parseIpv4, type Ipv4 } from "../model/address.ts";
import { engineFor, reportedStep, walkNode, type NodeBranch, type NodeWalkOptions } from "../netfilter/node-walk.ts";
import { ipsetDiagnostics } from "../netfilter/ipset-match.ts";
import { parseIpsets } from "../nodedump/ipset.ts";
import { parseIptablesSave } from "../netfilter/parser.ts";
import { isNftText } from "../netfilter/nft/detect.ts";
import { NftEngine } from "../netfilter/nft/engine.ts";
import { walkNftNode } from "../netfilter/nft/node-walk.ts";
import { parseNftRuleset } from "../netfilter/nft/reader.ts";
import { readInputFile } from "../input/source.ts";
import { assumptionDiagnostics } from "../netfilter/assumptions.ts";
import type { Diagnostic } from "../model/diagnostic.ts";
import { formatDiagnostic } from "../output/diagnostics.ts";
import { type CommandRun, flag } from "./command.ts";
import { EXIT, UsageError } from "./io.ts";
import { refuseWarnings } from "./load-topology.ts";
import { safeLines } from "../output/terminal.ts";

export const run: CommandRun = async (args, io) => {
  const values = args.values as Record<string, string | undefined> & {
    "local-ip"?: string[];
    json?: boolean;
    output?: string;
  };
  for (const name of ["rules", "src", "dst", "dport"] as const)
    if (values[name] === undefined) throw new UsageError(`--${name} is required`);
  const proto = values.proto ?? "tcp";
  if (proto !== "tcp" && proto !== "udp" && proto !== "sctp")
    throw new UsageError(`--proto "${proto}" is not valid; expected tcp, udp or sctp`);
  const hook = values.hook ?? "prerouting";
  if (hook !== "prerouting" && hook !== "output")
    throw new UsageError(`--hook "${hook}" is not valid; expected prerouting or output`);
  const packet: Packet = {
    proto,
    src: ip("--src", values.src!),
    sport: port("--sport", values.sport ?? "40000"),
    dst: ip("--dst", values.dst!),
    dport: port("--dport", values.dport!),
    size: 60,
    ttl: 64,
    df: true,
    mark: 0,
  };
  const localIps = (values["local-ip"] ?? []).map((v) => ip("--local-ip", v));

  const file = values.rules === "-" ? "<stdin>" : values.rules!;
  // A FIFO, a device or a file over the size cap is refused at FILE:1:1 (exit 2), like every input.
  const text = values.rules === "-" ? await io.readStdin() : readInputFile(file).toString("utf8");
  if (isNftText(text)) return runNft(text, file, packet, hook, localIps, args, io);
  const ruleset = parseIptablesSave(text, file, { assumeKubeJumps: flag(args, "assume-kube-jumps") });
  // `ipset save` of the same node: the sets its -m set rules test; without it each is unknown.
  const sets =
    values.ipsets === undefined ? undefined : parseIpsets(readInputFile(values.ipsets).toString("utf8"), values.ipsets);
  const setDiagnostics = [...(sets?.warnings ?? []), ...ipsetDiagnostics(ruleset, sets?.ipsets)];
  if (flag(args, "strict")) refuseWarnings([...ruleset.diagnostics, ...setDiagnostics]);
  const opts: NodeWalkOptions = {
    hook,
    localIps,
    ...(values["in-iface"] ? { inIface: values["in-iface"] } : {}),
    ...(values["out-iface"] ? { outIface: values["out-iface"] } : {}),
  };
  const branches = walkNode(engineFor(ruleset, true, sets?.ipsets), packet, opts);

  const diagnostics = [...ruleset.diagnostics, ...setDiagnostics, ...assumptionDiagnostics(branches, file)];
  return report(args, io, packet, hook, localIps, branches, diagnostics);
};

/** nft rules (`nft list ruleset`, `nft -f` input), answered in the same shape as iptables rules. */
function runNft(
  text: string,
  file: string,
  packet: Packet,
  hook: "prerouting" | "output",
  localIps: Ipv4[],
  args: Parameters<CommandRun>[0],
  io: Parameters<CommandRun>[1],
): number {
  const values = args.values as Record<string, string | undefined>;
  if (values.ipsets !== undefined)
    throw new UsageError("--ipsets is for iptables rules; nft rules hold their own sets");
  const engine = new NftEngine(parseNftRuleset(text, file));
  if (flag(args, "strict")) refuseWarnings(engine.diagnostics);
  const branches = walkNftNode(engine, packet, {
    hook,
    localIps,
    ...(values["in-iface"] ? { inIface: values["in-iface"] } : {}),
    ...(values["out-iface"] ? { outIface: values["out-iface"] } : {}),
  });
  return report(args, io, packet, hook, localIps, branches, [
    ...engine.diagnostics,
    ...assumptionDiagnostics(branches, file),
  ]);
}

function report(
  args: Parameters<CommandRun>[0],
  io: Parameters<CommandRun>[1],
  packet: Packet,
  hook: string,
  localIps: Ipv4[],
  branches: NodeBranch[],
  diagnostics: readonly Diagnostic[],
): number {
  if (args.values.json) io.stdout(`${JSON.stringify({ branches: branches.map(branchJson), diagnostics })}\n`);
  else io.stdout(safeLines(textReport(packet, hook, localIps, branches, diagnostics)));
  return EXIT.ok;
}

function branchJson(b: NodeBranch) {
  return {
    probability: b.probability,
    verdict: b.verdict,
    dnat: b.dnat,
    masquerade: b.masquerade,
    marks: b.marks,
    rules: b.rules,
    rejectWith: b.rejectWith,
    snat: b.snat,
    route: b.route,
    hooks: b.hooks,
    choices: b.choices,
  };
}

function textReport(
  packet: Packet,
  hook: string,
  localIps: Ipv4[],
  branches: NodeBranch[],
  diagnostics: readonly Diagnostic[],
): string {
  const lines = [
    `${packetText(packet)} at ${hook}, local IPs: ${localIps.map(formatIpv4).join(", ") || "(none)"}; ` +
      `${branches.length} branch${branches.length === 1 ? "" : "es"}`,
  ];
  branches.forEach((b, i) => {
    const verdict = b.rejectWith ? `${b.verdict} (${b.rejectWith})` : b.verdict;
    const nat = b.masquerade
      ? `masquerade to ${b.snat ?? "an address not given"}`
      : b.snat
        ? `snat to ${b.snat}`
        : "no masquerade";
    lines.push(
      "",
      `branch ${i + 1}: probability ${probabilityText(b.probability)}, verdict ${verdict}, dnat ${b.dnat ?? "none"}, ` +
        `${nat}, marks ${b.marks.join(" ") || "none"}`,
      `  path: ${b.hooks.join(" -> ")}${b.route ? ` (routed ${b.route})` : ""}`,
    );
    for (const c of b.choices) lines.push(`  choice: ${c}`);
    for (const s of b.steps.filter(reportedStep)) {
      const r = s.event.rule;
      const table = r.nft ? `${r.nft.family} ${r.nft.table}` : r.table;
      lines.push(
        `  ${s.hook} ${table} ${r.chain}#${r.index}${r.line ? ` line ${r.line}` : ""}: ${r.text}  ` +
          `=> ${s.event.detail}`,
      );
    }
  });
  if (diagnostics.length > 0) lines.push("", ...diagnostics.map(formatDiagnostic));
  return `${lines.join("\n")}\n`;
}

/** Eleven decimals, as iptables-save prints statistic probabilities, without trailing zeros. */
function probabilityText(p: number): string {
  return p.toFixed(11).replace(/\.?0+$/, "");
}

function ip(flag: string, text: string): Ipv4 {
  const v = parseIpv4(text);
  if (v === undefined) throw new UsageError(`${flag} "${text}" is not an IPv4 address; expected a.b.c.d`);
  return v;
}

function port(flag: string, text: string): number {
  const v = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(v >= 1 && v <= 65535)) throw new UsageError(`${flag} "${text}" is not a port; expected a number 1-65535`);
  return v;
}
