// A node whose kube-proxy runs in nftables mode holds two tables on the same hooks: kube-proxy's
// `table ip kube-proxy` and the overlay agent's NAT, which the agent writes with iptables-nft, so
// it lands in the `table ip nat` iptables-nft keeps (written here as `nft list ruleset` shows it,
// each rule as iptables-translate gives it). Their nat chains share priority srcnat (and dstnat).
// The agent's table is there before kube-proxy starts (as `kubehop emulate` loads them too:
// iptables-restore, then nft -f), so `nft list ruleset` prints it first; the nft engine runs the
// chain registered last first among chains of one hook and priority, as the kernel does (seen in a
// namespace: a `table ip kp` snat loaded after iptables-nft's nat POSTROUTING snat won), so
// kube-proxy's chains run first. With flannel the order changes nothing (it leaves kube-proxy's
// marked packets alone); with Kilo a marked pod -> outside packet is masqueraded by kube-proxy's
// rule rather than Kilo's, to the same address.
import { cniNatRules } from "../cni/nat-rules.ts";
import { kubeProxyNftTable, listingText } from "../kubeproxy/nftables/index.ts";
import type { Cluster, Node } from "../model/cluster.ts";
import { NftEngine } from "../netfilter/nft/engine.ts";
import { parseNftRuleset } from "../netfilter/nft/reader.ts";

/** The node's ruleset as `nft list ruleset` prints it: the agent's nat table, then kube-proxy's. */
export function nftNodeText(cluster: Cluster, node: Node): string {
  return `${agentNatTable(cluster, node)}${listingText(kubeProxyNftTable(cluster, node.name))}`;
}

export function nftNodeEngine(cluster: Cluster, node: Node): NftEngine {
  return new NftEngine(parseNftRuleset(nftNodeText(cluster, node), `node ${node.name} (nftables mode)`));
}

/** The agent's POSTROUTING chain and its own, as iptables-nft's `ip nat` table lists them. */
export function agentNatTable(cluster: Cluster, node: Node): string {
  const { chains, rules } = cniNatRules(cluster, node);
  const block = (name: string, head: string[]) =>
    [`\tchain ${name} {`, ...head, ...(rules.get(name) ?? []).map((r) => `\t\t${translated(r)}`), "\t}"].join("\n");
  const blocks = [
    block("POSTROUTING", ["\t\ttype nat hook postrouting priority srcnat; policy accept;"]),
    ...chains.map((c) => block(c, [])),
  ];
  return `table ip nat {\n${blocks.join("\n\n")}\n}\n`;
}

/**
 * One `-A CHAIN ...` line of the agent's as iptables-translate writes it. The agent's rules use only
 * these options; another is a mistake in kubehop, not in the input, so it throws.
 */
export function translated(line: string): string {
  const words = line.match(/"[^"]*"|\S+/g) ?? [];
  const out: string[] = [];
  let comment = "";
  let neg = false;
  for (let i = 2; i < words.length; i++) {
    const w = words[i]!;
    const arg = () => words[++i] ?? "";
    if (w === "!") neg = true;
    else if (w === "-s" || w === "-d") {
      out.push(`ip ${w === "-s" ? "saddr" : "daddr"} ${neg ? "!= " : ""}${arg()}`);
      neg = false;
    } else if (w === "-m") i++;
    else if (w === "--comment") comment = ` comment ${arg()}`;
    else if (w === "--mark") {
      const [value, mask] = arg().split("/");
      out.push(`meta mark & ${hex8(mask ?? "0xffffffff")} == ${hex8(value!)}`);
    } else if (w === "-j") out.push(target(arg()));
    else if (w === "--random-fully") out.push("fully-random");
    else throw new Error(`internal: the agent's rule option ${w} has no nft translation here`);
  }
  return `${out.join(" ")}${comment}`;
}

function target(name: string): string {
  if (name === "RETURN") return "return";
  if (name === "MASQUERADE") return "masquerade";
  return `jump ${name}`;
}

function hex8(n: string): string {
  return `0x${Number(n).toString(16).padStart(8, "0")}`;
}
