// Reproduces upstream TestOverallIPTablesRules (proxier_test.go) and compares kubehop's
// iptables-save output with what real iptables-save printed for upstream's expected rules.
import { readFileSync } from "node:fs";
import { expect } from "chai";
import { kubeProxyRules } from "../lib/kubeproxy/index.ts";
import { cluster, prefix, service, slice } from "./support/cluster-fixture.ts";
import { parseSave } from "./support/iptables-save-text.ts";

const p80 = [{ name: "p80", port: 80 }];

export function overallCluster() {
  return cluster({
    services: [
      service("ns1", "svc1", { clusterIP: "172.30.0.41", ports: p80 }),
      service("ns2", "svc2", {
        type: "LoadBalancer",
        externalTrafficPolicy: "Local",
        clusterIP: "172.30.0.42",
        ports: [{ name: "p80", port: 80, nodePort: 3001 }],
        loadBalancerIngress: [prefix("1.2.3.4/32").network],
        externalIPs: [prefix("192.168.99.22/32").network],
        healthCheckNodePort: 30000,
      }),
      service("ns3", "svc3", { type: "NodePort", clusterIP: "172.30.0.43", ports: [{ name: "p80", port: 80, nodePort: 3003 }] }),
      service("ns4", "svc4", { type: "NodePort", clusterIP: "172.30.0.44", externalIPs: [prefix("192.168.99.33/32").network], ports: p80 }),
      service("ns5", "svc5", {
        type: "LoadBalancer",
        clusterIP: "172.30.0.45",
        ports: [{ name: "p80", port: 80, nodePort: 3002 }],
        loadBalancerIngress: [prefix("5.6.7.8/32").network],
        healthCheckNodePort: 30000,
        loadBalancerSourceRanges: [prefix("203.0.113.0/25")],
        sessionAffinity: "ClientIP",
        sessionAffinityTimeoutSeconds: 10800,
      }),
      service("ns6", "svc6", { clusterIP: "172.30.0.46", ports: p80 }),
    ],
    endpointSlices: [
      slice("ns1", "svc1", p80, [{ ip: "10.180.0.1" }]),
      slice("ns2", "svc2", p80, [{ ip: "10.180.0.2" }]),
      slice("ns3", "svc3", p80, [{ ip: "10.180.0.3" }]),
      slice("ns4", "svc4", p80, [{ ip: "10.180.0.4" }, { ip: "10.180.0.5", nodeName: "test-node" }]),
      slice("ns5", "svc5", p80, [{ ip: "10.180.0.3" }]),
    ],
  });
}

describe("kube-proxy rules: upstream TestOverallIPTablesRules", () => {
  const expected = parseSave(readFileSync(new URL("./fixtures/kube-proxy/overall.save", import.meta.url), "utf8"));
  const actual = parseSave(kubeProxyRules(overallCluster(), "test-node"));

  for (const table of ["filter", "nat"]) {
    it(`declares exactly upstream's ${table} chains plus the built-in chains and the canary`, () => {
      const builtin = /^(INPUT|FORWARD|OUTPUT|PREROUTING|POSTROUTING|KUBE-PROXY-CANARY)$/;
      const names = [...actual.get(table)!.keys()].filter((n) => !builtin.test(n));
      expect(names).to.deep.equal([...expected.get(table)!.keys()]);
    });
    for (const [chain, rules] of expected.get(table)!) {
      it(`writes ${table} ${chain} rule for rule`, () => {
        expect(actual.get(table)!.get(chain)).to.deep.equal(rules);
      });
    }
  }
});
