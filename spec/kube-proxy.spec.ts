// kube-proxy's iptables rules, one behaviour at a time, as exact iptables-save lines.
import { expect } from "chai";
import { iptablesSaveCommand } from "../lib/cli/iptables-save-command.ts";
import { endpointChain, hash16, serviceChains } from "../lib/kubeproxy/chain-names.ts";
import { kubeProxyRules } from "../lib/kubeproxy/index.ts";
import { probability } from "../lib/kubeproxy/save-format.ts";
import type { Cluster, KubeProxyConfig } from "../lib/model/cluster.ts";
import {
  cluster,
  ip,
  node,
  prefix,
  service,
  slice,
  type ServiceSpec,
  type EndpointSpec,
} from "./support/cluster-fixture.ts";
import { chainRules, parseSave } from "./support/iptables-save-text.ts";

const NODES = [node("node-1", "192.168.0.2", "10.0.1.0/24", 0), node("node-2", "192.168.0.3", "10.0.2.0/24", 1)];
const HTTP = [{ name: "http", port: 80 }];
const WEB = serviceChains("default/web:http", "tcp");
const sep = (hostPort: string) => endpointChain("default/web:http", "tcp", hostPort);

function web(spec: ServiceSpec, endpoints: EndpointSpec[], kubeProxy: Partial<KubeProxyConfig> = {}): Cluster {
  return cluster({
    nodes: NODES,
    services: [service("default", "web", { clusterIP: "172.30.0.10", ports: HTTP, ...spec })],
    endpointSlices: [slice("default", "web", [{ name: "http", port: 8080 }], endpoints)],
    kubeProxy,
  });
}

function rules(c: Cluster, table: string, chain: string, nodeName = "node-1"): string[] | undefined {
  return chainRules(parseSave(kubeProxyRules(c, nodeName)), table, chain);
}

const THREE = [
  { ip: "10.0.1.5", nodeName: "node-1" },
  { ip: "10.0.2.7", nodeName: "node-2" },
  { ip: "10.0.2.10", nodeName: "node-2" },
];

describe("kube-proxy chain names", () => {
  const examples: Array<[string, string]> = [
    ["ns1/svc1:p80tcp", "XPGD46QRK7WJZT7O"],
    ["ns1/svc1:p80tcp10.180.0.1:80", "SXIVWICOYRO3J4NJ"],
    ["ns2/svc2:p80tcp", "GNZBNJ2PO5MGZ6GT"],
    ["default/kubernetes:httpstcp", "NPX46M4PTMTKRN6Y"],
    ["kube-system/kube-dns:dnsudp", "TCOU7JCQXEZGVUNU"],
  ];
  for (const [input, hash] of examples) it(`hashes ${input} to ${hash}`, () => expect(hash16(input)).to.equal(hash));

  it("shares one hash across SVC, SVL, EXT and FW and hashes the endpoint into SEP", () => {
    expect(serviceChains("ns1/svc1:p80", "tcp")).to.deep.equal({
      svc: "KUBE-SVC-XPGD46QRK7WJZT7O",
      svl: "KUBE-SVL-XPGD46QRK7WJZT7O",
      ext: "KUBE-EXT-XPGD46QRK7WJZT7O",
      fw: "KUBE-FW-XPGD46QRK7WJZT7O",
    });
    expect(endpointChain("ns1/svc1:p80", "tcp", "10.180.0.1:80")).to.equal("KUBE-SEP-SXIVWICOYRO3J4NJ");
  });

  it("prints statistic probabilities as iptables-save reads them back from the kernel", () => {
    expect(probability(2)).to.equal("-m statistic --mode random --probability 0.50000000000");
    expect(probability(3)).to.equal("-m statistic --mode random --probability 0.33333333349");
    expect(probability(4)).to.equal("-m statistic --mode random --probability 0.25000000000");
    expect(probability(6)).to.equal("-m statistic --mode random --probability 0.16666666651");
    expect(probability(1001)).to.equal("-m statistic --mode random --probability 0.00099900085");
  });
});

describe("kube-proxy rules per Service", () => {
  it("balances a ClusterIP over 3 endpoints sorted by ip:port, with 1/3, 1/2 and a catch-all", () => {
    const c = web({}, THREE);
    const [a, b, d] = ["10.0.1.5:8080", "10.0.2.10:8080", "10.0.2.7:8080"];
    expect(rules(c, "nat", WEB.svc)).to.deep.equal([
      `-A ${WEB.svc} ! -s 10.0.0.0/8 -d 172.30.0.10/32 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp --dport 80 -j KUBE-MARK-MASQ`,
      `-A ${WEB.svc} -m comment --comment "default/web:http -> ${a}" -m statistic --mode random --probability 0.33333333349 -j ${sep(a)}`,
      `-A ${WEB.svc} -m comment --comment "default/web:http -> ${b}" -m statistic --mode random --probability 0.50000000000 -j ${sep(b)}`,
      `-A ${WEB.svc} -m comment --comment "default/web:http -> ${d}" -j ${sep(d)}`,
    ]);
    expect(rules(c, "nat", "KUBE-SERVICES")?.[0]).to.equal(
      `-A KUBE-SERVICES -d 172.30.0.10/32 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp --dport 80 -j ${WEB.svc}`,
    );
    expect(rules(c, "nat", sep(b))).to.deep.equal([
      `-A ${sep(b)} -s 10.0.2.10/32 -m comment --comment "default/web:http" -j KUBE-MARK-MASQ`,
      `-A ${sep(b)} -p tcp -m comment --comment "default/web:http" -m tcp -j DNAT --to-destination ${b}`,
    ]);
  });

  it("sends a NodePort through KUBE-EXT, which masquerades with externalTrafficPolicy Cluster", () => {
    const c = web({ type: "NodePort", ports: [{ name: "http", port: 80, nodePort: 30080 }] }, THREE);
    expect(rules(c, "nat", "KUBE-NODEPORTS")).to.deep.equal([
      `-A KUBE-NODEPORTS -p tcp -m comment --comment "default/web:http" -m tcp --dport 30080 -j ${WEB.ext}`,
    ]);
    expect(rules(c, "nat", WEB.ext)).to.deep.equal([
      `-A ${WEB.ext} -m comment --comment "masquerade traffic for default/web:http external destinations" -j KUBE-MARK-MASQ`,
      `-A ${WEB.ext} -j ${WEB.svc}`,
    ]);
  });

  it("filters LoadBalancer traffic by source range in KUBE-FW and drops the rest in KUBE-PROXY-FIREWALL", () => {
    const spec: ServiceSpec = {
      type: "LoadBalancer",
      ports: [{ name: "http", port: 80, nodePort: 30080 }],
      loadBalancerIngress: [ip("203.0.113.10")],
      loadBalancerSourceRanges: [prefix("198.51.100.0/24"), prefix("192.168.0.0/24")],
    };
    const c = web(spec, THREE);
    expect(rules(c, "nat", "KUBE-SERVICES")).to.include(
      `-A KUBE-SERVICES -d 203.0.113.10/32 -p tcp -m comment --comment "default/web:http loadbalancer IP" -m tcp --dport 80 -j ${WEB.fw}`,
    );
    // 192.168.0.0/24 holds the node's own IP, so the VIP as a source (hairpin via the VIP) is allowed.
    expect(rules(c, "nat", WEB.fw)).to.deep.equal([
      `-A ${WEB.fw} -s 198.51.100.0/24 -m comment --comment "default/web:http loadbalancer IP" -j ${WEB.ext}`,
      `-A ${WEB.fw} -s 192.168.0.0/24 -m comment --comment "default/web:http loadbalancer IP" -j ${WEB.ext}`,
      `-A ${WEB.fw} -s 203.0.113.10/32 -m comment --comment "default/web:http loadbalancer IP" -j ${WEB.ext}`,
      `-A ${WEB.fw} -m comment --comment "other traffic to default/web:http will be dropped by KUBE-PROXY-FIREWALL"`,
    ]);
    expect(rules(c, "filter", "KUBE-PROXY-FIREWALL")).to.deep.equal([
      `-A KUBE-PROXY-FIREWALL -d 203.0.113.10/32 -p tcp -m comment --comment "default/web:http traffic not accepted by ${WEB.fw}" -m tcp --dport 80 -j DROP`,
    ]);
    const narrow = web({ ...spec, loadBalancerSourceRanges: [prefix("198.51.100.0/24")] }, THREE);
    expect(rules(narrow, "nat", WEB.fw)).to.have.length(2);
  });

  it("captures externalIPs into KUBE-EXT", () => {
    const c = web({ externalIPs: [ip("198.51.100.7")] }, THREE);
    expect(rules(c, "nat", "KUBE-SERVICES")).to.include(
      `-A KUBE-SERVICES -d 198.51.100.7/32 -p tcp -m comment --comment "default/web:http external IP" -m tcp --dport 80 -j ${WEB.ext}`,
    );
  });

  describe("externalTrafficPolicy Local", () => {
    const spec: ServiceSpec = {
      type: "LoadBalancer",
      externalTrafficPolicy: "Local",
      ports: [{ name: "http", port: 80, nodePort: 30080 }],
      loadBalancerIngress: [ip("203.0.113.10")],
      healthCheckNodePort: 32000,
    };
    const c = web(spec, THREE);

    it("short-circuits pod and LOCAL traffic to all endpoints and sends the rest to the local ones", () => {
      expect(rules(c, "nat", WEB.ext, "node-1")).to.deep.equal([
        `-A ${WEB.ext} -s 10.0.0.0/8 -m comment --comment "pod traffic for default/web:http external destinations" -j ${WEB.svc}`,
        `-A ${WEB.ext} -m comment --comment "masquerade LOCAL traffic for default/web:http external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ`,
        `-A ${WEB.ext} -m comment --comment "route LOCAL traffic for default/web:http external destinations" -m addrtype --src-type LOCAL -j ${WEB.svc}`,
        `-A ${WEB.ext} -j ${WEB.svl}`,
      ]);
      expect(rules(c, "nat", WEB.svl, "node-1")).to.deep.equal([
        `-A ${WEB.svl} -m comment --comment "default/web:http -> 10.0.1.5:8080" -j ${sep("10.0.1.5:8080")}`,
      ]);
      expect(rules(c, "filter", "KUBE-EXTERNAL-SERVICES", "node-1")).to.deep.equal([]);
    });

    it("accepts the health check NodePort on every node", () => {
      for (const n of ["node-1", "node-2"]) {
        expect(rules(c, "filter", "KUBE-NODEPORTS", n)).to.deep.equal([
          `-A KUBE-NODEPORTS -p tcp -m comment --comment "default/web:http health check node port" -m tcp --dport 32000 -j ACCEPT`,
        ]);
      }
    });

    it("drops external traffic on a node without local endpoints, keeping the short circuit", () => {
      const lonely = web(spec, [{ ip: "10.0.2.7", nodeName: "node-2" }]);
      expect(rules(lonely, "nat", WEB.svl, "node-1")).to.equal(undefined);
      expect(rules(lonely, "nat", WEB.ext, "node-1")).to.have.length(3);
      expect(rules(lonely, "filter", "KUBE-EXTERNAL-SERVICES", "node-1")).to.deep.equal([
        `-A KUBE-EXTERNAL-SERVICES -d 203.0.113.10/32 -p tcp -m comment --comment "default/web:http has no local endpoints" -m tcp --dport 80 -j DROP`,
        `-A KUBE-EXTERNAL-SERVICES -p tcp -m comment --comment "default/web:http has no local endpoints" -m addrtype --dst-type LOCAL -m tcp --dport 30080 -j DROP`,
      ]);
    });

    it("falls back to local serving terminating endpoints when no local endpoint is ready", () => {
      const draining = web(spec, [
        { ip: "10.0.1.5", nodeName: "node-1", ready: false, serving: true, terminating: true },
        { ip: "10.0.2.7", nodeName: "node-2" },
      ]);
      expect(rules(draining, "nat", WEB.svl, "node-1")).to.deep.equal([
        `-A ${WEB.svl} -m comment --comment "default/web:http -> 10.0.1.5:8080" -j ${sep("10.0.1.5:8080")}`,
      ]);
      // ClusterIP traffic keeps using the ready remote endpoint only.
      expect(rules(draining, "nat", WEB.svc, "node-1")?.slice(1)).to.deep.equal([
        `-A ${WEB.svc} -m comment --comment "default/web:http -> 10.0.2.7:8080" -j ${sep("10.0.2.7:8080")}`,
      ]);
    });
  });

  it("routes ClusterIP traffic to KUBE-SVL with internalTrafficPolicy Local and drops it where none is local", () => {
    const c = web({ internalTrafficPolicy: "Local" }, THREE);
    expect(rules(c, "nat", "KUBE-SERVICES", "node-1")?.[0]).to.match(new RegExp(`-j ${WEB.svl}$`));
    expect(rules(c, "nat", WEB.svl, "node-1")?.[0]).to.equal(
      `-A ${WEB.svl} ! -s 10.0.0.0/8 -d 172.30.0.10/32 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp --dport 80 -j KUBE-MARK-MASQ`,
    );
    expect(rules(c, "nat", WEB.svc, "node-1")).to.equal(undefined);
    const remote = web({ internalTrafficPolicy: "Local" }, [{ ip: "10.0.2.7", nodeName: "node-2" }]);
    expect(rules(remote, "filter", "KUBE-SERVICES", "node-1")).to.deep.equal([
      `-A KUBE-SERVICES -d 172.30.0.10/32 -p tcp -m comment --comment "default/web:http has no local endpoints" -m tcp --dport 80 -j DROP`,
    ]);
  });

  it("REJECTs every address of a Service without usable endpoints and writes no nat chains for it", () => {
    const c = web(
      {
        type: "LoadBalancer",
        ports: [{ name: "http", port: 80, nodePort: 30080 }],
        externalIPs: [ip("198.51.100.7")],
        loadBalancerIngress: [ip("203.0.113.10")],
      },
      [{ ip: "10.0.1.5", nodeName: "node-1", ready: false, serving: false }],
    );
    const text = kubeProxyRules(c, "node-1");
    expect(text).not.to.include(WEB.svc.slice(9));
    const reject = "-j REJECT --reject-with icmp-port-unreachable";
    const why = '-m comment --comment "default/web:http has no endpoints"';
    expect(rules(c, "filter", "KUBE-SERVICES")).to.deep.equal([
      `-A KUBE-SERVICES -d 172.30.0.10/32 -p tcp ${why} -m tcp --dport 80 ${reject}`,
    ]);
    expect(rules(c, "filter", "KUBE-EXTERNAL-SERVICES")).to.deep.equal([
      `-A KUBE-EXTERNAL-SERVICES -d 198.51.100.7/32 -p tcp ${why} -m tcp --dport 80 ${reject}`,
      `-A KUBE-EXTERNAL-SERVICES -d 203.0.113.10/32 -p tcp ${why} -m tcp --dport 80 ${reject}`,
      `-A KUBE-EXTERNAL-SERVICES -p tcp ${why} -m addrtype --dst-type LOCAL -m tcp --dport 30080 ${reject}`,
    ]);
  });

  it("pins clients with ClientIP affinity: rcheck in KUBE-SVC, set in KUBE-SEP", () => {
    const c = web({ sessionAffinity: "ClientIP", sessionAffinityTimeoutSeconds: 600 }, [
      { ip: "10.0.1.5", nodeName: "node-1" },
    ]);
    const s = sep("10.0.1.5:8080");
    expect(rules(c, "nat", WEB.svc)?.slice(1)).to.deep.equal([
      `-A ${WEB.svc} -m comment --comment "default/web:http -> 10.0.1.5:8080" -m recent --rcheck --seconds 600 --reap --name ${s} --mask 255.255.255.255 --rsource -j ${s}`,
      `-A ${WEB.svc} -m comment --comment "default/web:http -> 10.0.1.5:8080" -j ${s}`,
    ]);
    expect(rules(c, "nat", s)?.[1]).to.equal(
      `-A ${s} -p tcp -m comment --comment "default/web:http" -m recent --set --name ${s} --mask 255.255.255.255 --rsource -m tcp -j DNAT --to-destination 10.0.1.5:8080`,
    );
  });

  it("DNATs a named targetPort to the port number its EndpointSlice resolved, over UDP too", () => {
    const c = cluster({
      nodes: NODES,
      services: [
        service("kube-system", "dns", {
          clusterIP: "172.30.0.53",
          ports: [{ name: "dns", port: 53, protocol: "UDP", targetPort: "dns" }],
        }),
      ],
      endpointSlices: [
        slice("kube-system", "dns", [{ name: "dns", port: 5353, protocol: "UDP" }], [{ ip: "10.0.1.9" }]),
      ],
    });
    const s = endpointChain("kube-system/dns:dns", "udp", "10.0.1.9:5353");
    expect(rules(c, "nat", s)?.[1]).to.equal(
      `-A ${s} -p udp -m comment --comment "kube-system/dns:dns" -m udp -j DNAT --to-destination 10.0.1.9:5353`,
    );
  });

  it("writes nothing for headless and ExternalName Services", () => {
    const c = cluster({
      nodes: NODES,
      services: [
        service("default", "db", { headless: true, ports: HTTP }),
        service("default", "ext", { type: "ExternalName", ports: HTTP }),
      ],
      endpointSlices: [slice("default", "db", HTTP, [{ ip: "10.0.1.5" }])],
    });
    const tables = parseSave(kubeProxyRules(c, "node-1"));
    expect(tables.get("nat")!.get("KUBE-SERVICES")).to.have.length(1);
    expect([...tables.get("nat")!.keys()].filter((n) => /^KUBE-(SVC|SEP|EXT|FW|SVL)-/.test(n))).to.deep.equal([]);
    expect(tables.get("filter")!.get("KUBE-SERVICES")).to.deep.equal([]);
  });

  it("drops per-endpoint comments once the cluster has over 1000 endpoints", () => {
    const many = Array.from({ length: 1001 }, (_, i) => ({ ip: `10.0.${1 + (i >> 8)}.${i & 255}` }));
    const c = web({}, many);
    const svc = rules(c, "nat", WEB.svc)!;
    expect(svc[1]).to.match(
      new RegExp(`^-A ${WEB.svc} -m statistic --mode random --probability 0.00099900085 -j KUBE-SEP-`),
    );
    expect(svc.at(-1)).to.match(new RegExp(`^-A ${WEB.svc} -j KUBE-SEP-[A-Z2-7]{16}$`));
  });
});

describe("kube-proxy masquerade and node settings", () => {
  it("uses the node's podCIDR with detectLocalMode NodeCIDR", () => {
    const c = web({}, THREE, { detectLocalMode: "NodeCIDR" });
    expect(rules(c, "nat", WEB.svc, "node-2")?.[0]).to.match(
      /^-A KUBE-SVC-\S+ ! -s 10\.0\.2\.0\/24 -d 172\.30\.0\.10\/32 /,
    );
  });

  it("matches the pod bridge with detectLocalMode BridgeInterface", () => {
    const c = web({}, THREE, { detectLocalMode: "BridgeInterface" });
    expect(rules(c, "nat", WEB.svc)?.[0]).to.match(/^-A KUBE-SVC-\S+ -d 172\.30\.0\.10\/32 ! -i bridge0 -p tcp /);
  });

  it("masquerades all ClusterIP traffic with masqueradeAll, and none without a detector", () => {
    const all = web({}, THREE, { masqueradeAll: true });
    expect(rules(all, "nat", WEB.svc)?.[0]).to.match(
      /^-A KUBE-SVC-\S+ -d 172\.30\.0\.10\/32 -p tcp .* -j KUBE-MARK-MASQ$/,
    );
    const { clusterCidr: _, ...noCidr } = { ...cluster().kubeProxy };
    const none = cluster({
      nodes: NODES,
      services: [service("default", "web", { clusterIP: "172.30.0.10", ports: HTTP })],
      endpointSlices: [slice("default", "web", [{ name: "http", port: 8080 }], THREE)],
    });
    const noop = { ...none, kubeProxy: noCidr as KubeProxyConfig };
    expect(rules(noop, "nat", WEB.svc)?.[0]).to.match(/-m statistic/);
  });

  it("derives the mark from masqueradeBit", () => {
    const c = web({}, THREE, { masqueradeBit: 12 });
    expect(rules(c, "nat", "KUBE-MARK-MASQ")).to.deep.equal(["-A KUBE-MARK-MASQ -j MARK --set-xmark 0x1000/0x1000"]);
    expect(rules(c, "nat", "KUBE-POSTROUTING")).to.deep.equal([
      "-A KUBE-POSTROUTING -m mark ! --mark 0x1000/0x1000 -j RETURN",
      "-A KUBE-POSTROUTING -j MARK --set-xmark 0x1000/0x0",
      '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
    ]);
    expect(rules(c, "filter", "KUBE-FORWARD")?.[1]).to.equal(
      '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x1000/0x1000 -j ACCEPT',
    );
  });

  it("blocks 127/8 NodePorts and drops KUBE-FIREWALL's rule when localhostNodePorts is off", () => {
    const c = web({}, THREE, { localhostNodePorts: false });
    expect(rules(c, "nat", "KUBE-SERVICES")?.at(-1)).to.equal(
      '-A KUBE-SERVICES ! -d 127.0.0.0/8 -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
    );
    expect(rules(c, "filter", "KUBE-FIREWALL")).to.deep.equal([]);
  });

  it("lists one KUBE-NODEPORTS jump per matching node address with nodePortAddresses", () => {
    const c = web({}, THREE, { nodePortAddresses: ["192.168.0.0/24", "127.0.0.0/8"] });
    const last =
      '-m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -j KUBE-NODEPORTS';
    expect(rules(c, "nat", "KUBE-SERVICES", "node-2")?.slice(-2)).to.deep.equal([
      `-A KUBE-SERVICES -d 127.0.0.1/32 ${last}`,
      `-A KUBE-SERVICES -d 192.168.0.3/32 ${last}`,
    ]);
    const primary = web({}, THREE, { nodePortAddresses: ["primary"] });
    expect(rules(primary, "nat", "KUBE-SERVICES", "node-1")?.at(-1)).to.equal(
      `-A KUBE-SERVICES -d 192.168.0.2/32 ${last}`,
    );
    // Without 127/8 in the list, localhost NodePorts are off, and with them KUBE-FIREWALL's rule.
    expect(rules(primary, "filter", "KUBE-FIREWALL", "node-1")).to.deep.equal([]);
  });
});

describe("kube-proxy tables as a whole", () => {
  const text = kubeProxyRules(web({}, THREE), "node-1");

  it("prints filter then nat with built-in chains first and jumps in kube-proxy's order", () => {
    const lines = text.split("\n");
    expect(lines.slice(0, 5)).to.deep.equal([
      "# Generated by kubehop",
      "*filter",
      ":INPUT ACCEPT [0:0]",
      ":FORWARD ACCEPT [0:0]",
      ":OUTPUT ACCEPT [0:0]",
    ]);
    const tables = parseSave(text);
    expect(tables.get("filter")!.get("INPUT")).to.deep.equal([
      "-A INPUT -j KUBE-FIREWALL",
      '-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
      '-A INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS',
      '-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
    ]);
    expect(
      tables
        .get("filter")!
        .get("FORWARD")!
        .map((r) => r.split(" -j ")[1]),
    ).to.deep.equal(["KUBE-PROXY-FIREWALL", "KUBE-FORWARD", "KUBE-SERVICES", "KUBE-EXTERNAL-SERVICES"]);
    expect(
      tables
        .get("filter")!
        .get("OUTPUT")!
        .map((r) => r.split(" -j ")[1]),
    ).to.deep.equal(["KUBE-FIREWALL", "KUBE-PROXY-FIREWALL", "KUBE-SERVICES"]);
    expect(tables.get("nat")!.get("PREROUTING")).to.deep.equal([
      '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    ]);
    expect(tables.get("nat")!.get("POSTROUTING")).to.deep.equal([
      '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
    ]);
    expect(tables.get("nat")!.has("KUBE-PROXY-CANARY")).to.equal(true);
    expect(tables.get("filter")!.has("KUBE-PROXY-CANARY")).to.equal(true);
    expect(text.endsWith("COMMIT\n# Completed by kubehop\n")).to.equal(true);
  });

  it("declares user chains in name order, each chain's rules together", () => {
    const nat = text.slice(text.indexOf("*nat")).split("\n");
    const declared = nat.filter((l) => /^:KUBE-/.test(l)).map((l) => l.split(" ")[0]!);
    expect(declared).to.have.length.above(8);
    expect(declared).to.deep.equal([...declared].sort());
    const owners = nat.filter((l) => l.startsWith("-A KUBE-")).map((l) => `:${l.split(" ")[1]}`);
    expect(owners.filter((c, i) => owners[i - 1] !== c)).to.deep.equal(declared.filter((c) => owners.includes(c)));
  });

  it("is byte-identical on every run", () => {
    expect(kubeProxyRules(web({}, THREE), "node-1")).to.equal(text);
  });

  it("iptablesSaveCommand names the valid nodes for an unknown one", () => {
    expect(iptablesSaveCommand(web({}, THREE), "node-9")).to.deep.equal({
      error: 'unknown node "node-9"; valid nodes: node-1, node-2',
    });
    expect(iptablesSaveCommand(web({}, THREE), "node-1")).to.deep.equal({ text });
  });
});
