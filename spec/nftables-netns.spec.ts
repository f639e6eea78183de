// Feeds kubehop's nftables-mode rules to the real nft inside a throwaway network namespace: the
// transaction must pass `nft -c -f` and load with `nft -f`, and `nft list ruleset` must print back
// exactly what kubehop's listing prints (elements in nft's order, wrapped as nft wraps them, with
// nothing normalised). Runs only as root with nft and ip installed; no packet is ever sent.
import { execFileSync, spawnSync } from "node:child_process";
import { expect } from "chai";
import { kubeProxyNftTable, listingText, transactionText } from "../lib/kubeproxy/nftables/index.ts";
import type { Cluster, KubeProxyConfig } from "../lib/model/cluster.ts";
import { loadTopologySync } from "../lib/topology.ts";

// Not kh-: emulate's sweep removes every kh-RUN namespace whose run has no owner, even mid-spec.
const NETNS = `khspec-nft-${process.pid}`;
const TOPOLOGY = new URL("../topologies/nftables.yaml", import.meta.url).pathname;
const UPSTREAM = new URL("./fixtures/upstream-nftables/overall.yaml", import.meta.url).pathname;

function unavailable(): string | undefined {
  if (process.getuid?.() !== 0) return "not running as root (network namespaces need CAP_SYS_ADMIN)";
  if (spawnSync("sh", ["-c", "command -v nft && command -v ip"]).status !== 0)
    return "nft or ip is not installed (apt-get install -y nftables iproute2)";
  return undefined;
}

function inNetns(args: string[], input?: string): string {
  return execFileSync("ip", ["netns", "exec", NETNS, ...args], {
    input,
    encoding: "utf8",
    stdio: ["pipe", "pipe", "pipe"],
  });
}

function withConfig(cluster: Cluster, config: Partial<KubeProxyConfig>): Cluster {
  return { ...cluster, kubeProxy: { ...cluster.kubeProxy, ...config } };
}

const topology = () => loadTopologySync(TOPOLOGY).cluster;

const CASES: readonly (readonly [string, () => Cluster, string])[] = [
  ["upstream TestOverallNFTablesRules", () => loadTopologySync(UPSTREAM).cluster, "test-node"],
  ["topologies/nftables.yaml, node-1", topology, "node-1"],
  ["topologies/nftables.yaml, node-2", topology, "node-2"],
  [
    "bridge detector, masqueradeAll, nodePortAddresses with localhost",
    () =>
      withConfig(topology(), {
        detectLocalMode: "BridgeInterface",
        masqueradeAll: true,
        nodePortAddresses: ["192.168.10.0/24", "127.0.0.0/8"],
      }),
    "node-1",
  ],
  [
    "interface-prefix detector, mark bit 20",
    () => withConfig(topology(), { detectLocalMode: "InterfaceNamePrefix", masqueradeBit: 20 }),
    "node-2",
  ],
];

describe("kube-proxy nftables mode through the real nft (network namespace)", function () {
  // Each case runs nft three times in a namespace, each a process.
  this.timeout(30000);
  let created = false;

  before(function () {
    const reason = unavailable();
    if (reason) {
      console.log(`      nft round-trip specs skipped: ${reason}`);
      this.skip();
    }
    execFileSync("ip", ["netns", "add", NETNS]);
    created = true;
  });

  after(() => {
    if (created) execFileSync("ip", ["netns", "del", NETNS]);
  });

  for (const [name, make, node] of CASES) {
    it(`passes nft -c -f and lists back as kubehop prints it: ${name}`, () => {
      const table = kubeProxyNftTable(make(), node);
      inNetns(["nft", "-c", "-f", "-"], transactionText(table));
      inNetns(["nft", "flush", "ruleset"]);
      inNetns(["nft", "-f", "-"], transactionText(table));
      expect(inNetns(["nft", "list", "ruleset"])).to.equal(listingText(table));
    });
  }

  it("nft refuses a broken transaction, so the check above can fail", () => {
    const text = transactionText(kubeProxyNftTable(topology(), "node-1")).replace("vmap @service-ips", "vmap @nowhere");
    expect(() => inNetns(["nft", "-c", "-f", "-"], text)).to.throw();
  });
});
