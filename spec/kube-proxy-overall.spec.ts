// Reproduces upstream TestOverallIPTablesRules (proxier_test.go) and compares kubehop's
// iptables-save output with what real iptables-save printed for upstream's expected rules.
import { readFileSync } from "node:fs";
import { expect } from "chai";
import { kubeProxyRules } from "../lib/kubeproxy/index.ts";
import { overallCluster } from "./support/overall-cluster.ts";
import { parseSave } from "./support/iptables-save-text.ts";

describe("kube-proxy rules: upstream TestOverallIPTablesRules", () => {
  // Upstream's rules name the tests (one per chain), so they are read as the file loads.
  const expected = parseSave(readFileSync(new URL("./fixtures/kube-proxy/overall.save", import.meta.url), "utf8"));
  let actual: ReturnType<typeof parseSave>;
  before(() => {
    actual = parseSave(kubeProxyRules(overallCluster(), "test-node"));
  });

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
