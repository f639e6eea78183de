// `nft list ruleset` text in a node's dump, told apart from iptables-save text so that it is read by
// the nft engine (the calico-8025 paste of the corpus is such a ruleset, written by iptables-nft).
import { basename } from "node:path";
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

/** kube-proxy's nftables mode leaves its own table in the listing. */
export function holdsKubeProxyTable(text: string): boolean {
  return /^table ip kube-proxy \{/m.test(text);
}

/** A node dumped both ways: `nft list ruleset` lists iptables-nft's tables too, so it is the whole. */
export function bothRulesets(nftFile: string, iptablesFile: string): Diagnostic {
  return diagnostic(
    "dump-rules-both",
    { file: nftFile, line: 1, col: 1 },
    `the node's rules are dumped twice: traces walk this nft ruleset, which lists iptables-nft's tables too; ` +
      `${iptablesFile} is compared by drift only`,
    `on a node in kube-proxy's iptables mode, leave ${basename(nftFile)} out`,
  );
}
