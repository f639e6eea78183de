// The tables beside kube-proxy's on a node in its nftables mode, as `nft list ruleset` prints them:
// the overlay agent's NAT, which it writes through iptables-nft into iptables-nft's `table ip nat`.
// kubelet's KUBE-KUBELET-CANARY chains are not modelled, so they are not listed.
import { cniNatRules } from "../../cni/nat-rules.ts";
import type { Cluster } from "../../model/cluster.ts";

/**
 * The agent's nat rules as nft lists what iptables-nft-restore made of them: only the chains the
 * rules declare (POSTROUTING and the agent's own), in that order.
 */
export function agentNatListing(cluster: Cluster, nodeName: string): string {
  const node = cluster.nodes.find((n) => n.name === nodeName);
  if (!node) throw new Error(`unknown node "${nodeName}"`);
  const { chains, rules } = cniNatRules(cluster, node);
  const block = (name: string, head: readonly string[]) =>
    [`\tchain ${name} {`, ...head, ...(rules.get(name) ?? []).map((r) => `\t\t${listedIptablesRule(r)}`), "\t}"].join(
      "\n",
    );
  const blocks = [
    block("POSTROUTING", ["\t\ttype nat hook postrouting priority srcnat; policy accept;"]),
    ...chains.map((c) => block(c, [])),
  ];
  return `table ip nat {\n${blocks.join("\n\n")}\n}\n`;
}

/**
 * One `-A CHAIN ...` line as `nft list ruleset` prints the rule iptables-nft made of it: native
 * matches, then each xt match nft cannot translate (the comment) as an empty statement, which is why
 * real listings hold two spaces (or start with one), then the counter iptables-nft always adds, then
 * the verdict. The agent's rules use only these options; another is kubehop's mistake, so it throws.
 */
export function listedIptablesRule(line: string): string {
  const words = line.match(/"[^"]*"|\S+/g) ?? [];
  const matches: string[] = [];
  const xt: string[] = [];
  let verdict = "";
  let neg = false;
  for (let i = 2; i < words.length; i++) {
    const w = words[i]!;
    const arg = () => words[++i] ?? "";
    if (w === "!") neg = true;
    else if (w === "-s" || w === "-d") {
      matches.push(`ip ${w === "-s" ? "saddr" : "daddr"} ${neg ? "!= " : ""}${arg()}`);
      neg = false;
    } else if (w === "-m") i++;
    else if (w === "--comment") {
      arg();
      xt.push("");
    } else if (w === "--mark") {
      const [value, mask] = arg().split("/");
      matches.push(`meta mark & ${hex8(mask ?? "0xffffffff")} == ${hex8(value!)}`);
    } else if (w === "-j") verdict = target(arg());
    else if (w === "--random-fully") verdict += " fully-random";
    else throw new Error(`internal: the agent's rule option ${w} has no nft listing here`);
  }
  return [...matches, ...xt, "counter packets 0 bytes 0", verdict].join(" ");
}

function target(name: string): string {
  if (name === "RETURN") return "return";
  if (name === "MASQUERADE") return "masquerade";
  return `jump ${name}`;
}

function hex8(n: string): string {
  return `0x${Number(n).toString(16).padStart(8, "0")}`;
}
