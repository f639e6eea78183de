// Whether rules text is nftables (`nft list ruleset` or `nft -f` input) rather than iptables-save
// text, judged by its first line that is either: a table block, a base chain's hook line or an nft
// command, against an iptables table, chain declaration or rule.
const NFT_LINE = new RegExp(
  "^\\s*(?:table\\s+(?:(?:ip|ip6|inet|arp|bridge|netdev)\\s+)?\\S+\\s*\\{|chain\\s+\\S+\\s*\\{" +
    "|type\\s+\\w+\\s+hook\\s+\\w+" +
    "|(?:add|insert|create|flush|delete)\\s+(?:table|chain|rule|set|map|element|ruleset)\\b)",
);
const IPTABLES_LINE = /^\s*(?:\*(?:raw|mangle|nat|filter|security)\b|(?:\[\d+:\d+\]\s+)?-A\s|:[A-Za-z])/;

export function isNftText(text: string): boolean {
  for (const line of text.split("\n")) {
    if (NFT_LINE.test(line)) return true;
    if (IPTABLES_LINE.test(line)) return false;
  }
  return false;
}
