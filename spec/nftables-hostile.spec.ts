// Issue 14, item 2, in nftables mode: names kubehop writes into nft text can neither end a string nor
// start a statement, and valid names at their longest still make a transaction nft accepts (its
// comments are cut to 128 bytes, as kube-proxy cuts them). The nft checks run in a throwaway network
// namespace as root with nft installed; the text checks run everywhere.
import { execFileSync, spawnSync } from "node:child_process";
import { expect } from "chai";
import { COMMENT_LENGTH_MAX } from "../lib/kubeproxy/nftables/comment.ts";
import { kubeProxyNftTable, listingText, transactionText } from "../lib/kubeproxy/nftables/index.ts";
import { NftEngine } from "../lib/netfilter/nft/engine.ts";
import { parseNftRuleset } from "../lib/netfilter/nft/reader.ts";
import { formatDiagnostic } from "../lib/output/diagnostics.ts";
import { loadTopologySync } from "../lib/topology.ts";
import { cluster, pod, service, slice } from "./support/cluster-fixture.ts";

// Not kh-: emulate's sweep owns kh- namespaces.
const NETNS = `khspec-nfthostile-${process.pid}`;

/** Valid at their longest: a 63-character namespace and Service name, a 63-character port name. */
const NAMESPACE = `0${"n".repeat(61)}9`;
const SERVICE = `s${"v".repeat(61)}0`;
const PORT = `0${"p".repeat(62)}`;
const NODE = `0node.${"n".repeat(60)}.example`;

const UNUSUAL = `apiVersion: kubehop.io/v1alpha1
kind: Topology
spec:
  nodes:
    - {name: ${NODE}, ip: 192.168.10.11}
---
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: nftables
---
apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: ${NAMESPACE}, labels: {app: web}}
spec:
  nodeName: ${NODE}
  containers: [{name: web, ports: [{name: a23456789-12345, containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: ${SERVICE}, namespace: ${NAMESPACE}}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{name: ${PORT}, port: 80, targetPort: a23456789-12345}]
---
apiVersion: v1
kind: Service
metadata: {name: ${SERVICE.replace("s", "e")}, namespace: ${NAMESPACE}}
spec:
  type: NodePort
  selector: {app: nobody}
  ports: [{name: ${PORT}, port: 81}]
`;

const INJECTED = '"\nadd rule ip kube-proxy services accept';

function bypassed() {
  const name = `web${INJECTED}\u001b[2J`;
  return cluster({
    kubeProxy: { mode: "nftables" },
    pods: [pod("default", "web-1", { ip: "10.0.0.5", labels: { app: name } })],
    services: [
      service("default", name, { clusterIP: "172.30.0.7", ports: [{ name, port: 80 }] }),
      service("default", `${name}-none`, { clusterIP: "172.30.0.8", ports: [{ name, port: 80 }] }),
    ],
    endpointSlices: [slice("default", name, [{ name, port: 8080 }], [{ ip: "10.0.0.5" }])],
  });
}

const comments = (text: string) => [...text.matchAll(/comment "([^"]*)"/g)].map((m) => m[1]!);

describe("hostile names in nftables mode: generated text", () => {
  it("a 143-character Service port name is cut to nft's 128-byte comment limit, as kube-proxy cuts it", () => {
    const table = kubeProxyNftTable(loadTopologySync(UNUSUAL).cluster, NODE);
    const full = `${NAMESPACE}/${SERVICE.replace("s", "e")}:${PORT}`;
    expect(full.length).to.be.greaterThan(COMMENT_LENGTH_MAX);
    for (const text of [transactionText(table), listingText(table)]) {
      expect(comments(text)).to.include(full.slice(0, COMMENT_LENGTH_MAX));
      for (const c of comments(text)) expect(Buffer.byteLength(c)).to.be.at.most(COMMENT_LENGTH_MAX);
    }
  });

  it("a name past validation with a quote, a newline and ESC starts no statement: each becomes ?", () => {
    const table = kubeProxyNftTable(bypassed(), "test-node");
    const text = transactionText(table);
    expect(text.split("\n").filter((l) => l !== "" && !l.startsWith("add "))).to.deep.equal([]);
    expect(text.split("\n").filter((l) => l.startsWith("add rule ip kube-proxy services accept"))).to.deep.equal([]);
    expect(text.replaceAll("\n", "")).not.to.match(/\p{Cc}/u);
    expect(comments(text)).to.include(
      "default/web??add rule ip kube-proxy services accept?[2J-none:web??add rule ip kube-proxy services accept?[2J",
    );
    const listing = listingText(table);
    expect(listing.split("\n").filter((l) => l.trimStart().startsWith("add rule"))).to.deep.equal([]);
  });
});

describe("hostile nft text: the reader's diagnostics quote excerpts (issue 14, item 1)", () => {
  const LONG = "c".repeat(10_000);
  const PASSWD = "root:x:0:0:root:/root:/bin/bash";
  const TEXTS = {
    "a 10 kB chain name, priority, address, jump and word": `table ip t {\n chain ${LONG} {\n  type filter hook input priority ${LONG}; policy accept;\n  ip daddr ${LONG} accept\n  jump ${LONG}x\n  ${LONG} foo\n }\n}\n`,
    "an /etc/passwd line as a rule, a match, an element and a statement": `table ip t {\n chain c {\n  ${PASSWD}\n  ip daddr 1.2.3.4 ${PASSWD}\n }\n set s { type ipv4_addr ; elements = { ${PASSWD} } }\n}\n${PASSWD}\n`,
    "10 kB table, set, chain type, hook and command words": `table ${LONG} {\n chain a { type ${LONG} hook input priority 0; }\n set ${LONG} { type ${LONG} ; }\n ${LONG} x\n}\nadd element ip t ${LONG} { 1.2.3.4 }\nadd rule ip t ${LONG} accept\nadd ${LONG} x\n${LONG} ${LONG}\n`,
  };
  for (const [what, text] of Object.entries(TEXTS))
    it(what, () => {
      const printed = new NftEngine(parseNftRuleset(text, "x.nft")).diagnostics.map(formatDiagnostic);
      expect(printed.length).to.be.greaterThan(2);
      for (const line of printed.flatMap((p) => p.split("\n"))) {
        expect(line.length, line).to.be.at.most(240);
        expect(line).not.to.include(PASSWD);
        expect(line).not.to.include("c".repeat(41));
      }
    });
});

describe("hostile names in nftables mode: the real nft (network namespace)", function () {
  this.timeout(30000);
  let created = false;

  before(function () {
    if (process.getuid?.() !== 0 || spawnSync("sh", ["-c", "command -v nft && command -v ip"]).status !== 0) {
      console.log("      nft hostile-name specs skipped: needs root, nft and ip");
      this.skip();
    }
    execFileSync("ip", ["netns", "add", NETNS]);
    created = true;
  });

  after(() => {
    if (created) execFileSync("ip", ["netns", "del", NETNS]);
  });

  const nft = (args: string[], input?: string) =>
    spawnSync("ip", ["netns", "exec", NETNS, "nft", ...args], { input, encoding: "utf8" });

  it("the longest valid names' transaction passes nft -c -f, loads, and lists back as kubehop prints it", () => {
    const table = kubeProxyNftTable(loadTopologySync(UNUSUAL).cluster, NODE);
    const check = nft(["-c", "-f", "-"], transactionText(table));
    expect(check.stderr).to.equal("");
    expect(check.status).to.equal(0);
    nft(["flush", "ruleset"]);
    expect(nft(["-f", "-"], transactionText(table)).status).to.equal(0);
    expect(nft(["list", "ruleset"]).stdout).to.equal(listingText(table));
  });

  it("nft itself refuses a 129-byte comment, so the cut is needed", () => {
    const r = nft(["-c", "-f", "-"], `add table ip t { comment "${"x".repeat(129)}" ; }\n`);
    expect(r.status).not.to.equal(0);
    expect(r.stderr).to.include("comment too long");
  });

  it("names past validation give a transaction nft accepts", () => {
    const r = nft(["-c", "-f", "-"], transactionText(kubeProxyNftTable(bypassed(), "test-node")));
    expect(r.stderr).to.equal("");
    expect(r.status).to.equal(0);
  });
});
