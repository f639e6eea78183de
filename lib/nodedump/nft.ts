// `nft list ruleset` text, recognised so that it is answered for what it is: kubehop reads iptables
// rules (iptables-save, -S) and not yet nftables ones, which come with kube-proxy's nftables mode
// (issue 15). The calico-8025 paste of the corpus is such a ruleset, written by iptables-nft.
import { type Diagnostic, diagnostic } from "../model/diagnostic.ts";

/** `table ip nat {`, `chain KUBE-SERVICES {`, or a base chain's `type nat hook prerouting ...`. */
const NFT_LINE =
  /^\s*(?:table\s+(?:ip|ip6|inet|arp|bridge|netdev)\s+\S+\s*\{|chain\s+\S+\s*\{|type\s+\w+\s+hook\s+\w+)/;

/** The line that shows the text is an nftables ruleset, or undefined when it is not one. */
export function nftablesLine(text: string): number | undefined {
  const lines = text.split("\n");
  for (const [i, line] of lines.entries()) {
    if (NFT_LINE.test(line)) return i + 1;
    // iptables-save text starts its tables long before any line could look like nft.
    if (/^\s*(\*(raw|mangle|nat|filter|security)\b|-A\s|:[A-Z])/.test(line)) return undefined;
  }
  return undefined;
}

/** The diagnostic for nft text where kubehop expected iptables rules (or in a node's nft dump). */
export function nftablesDiagnostic(file: string, line: number): Diagnostic {
  return diagnostic(
    "dump-nftables",
    { file, line, col: 1 },
    "this is `nft list ruleset` output: kubehop does not read nftables rules yet (they come with kube-proxy's " +
      "nftables mode, issue 15); the node's rules are not taken from it",
    "on a node whose rules iptables-nft wrote, `iptables-nft-save` prints the same rules in the form kubehop reads",
  );
}
