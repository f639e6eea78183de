// Feeds kubehop's output to the real iptables-restore inside a throwaway network namespace, then
// checks that iptables-save prints it back byte for byte. Runs only as root with iptables
// installed; no packet is ever sent.
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { expect } from "chai";
import { kubeProxyRules } from "../lib/kubeproxy/index.ts";
import { ip, prefix } from "./support/cluster-fixture.ts";
import { overallCluster } from "./support/overall-cluster.ts";

const NETNS = `kh-spec-${process.pid}`;

function unavailable(): string | undefined {
  if (process.getuid?.() !== 0) return "not running as root (network namespaces need CAP_SYS_ADMIN)";
  if (
    spawnSync("sh", ["-c", "command -v iptables-restore && command -v iptables-save && command -v ip"]).status !== 0
  ) {
    return "iptables-restore, iptables-save or ip is not installed (apt-get install -y iptables iproute2)";
  }
  return undefined;
}

function inNetns(args: string[], input?: string): string {
  return execFileSync("ip", ["netns", "exec", NETNS, ...args], {
    input,
    encoding: "utf8",
    stdio: ["pipe", "pipe", "pipe"],
  });
}

/** Restores into emptied tables, so nothing from an earlier spec lingers. */
function restore(text: string): void {
  for (const table of ["filter", "nat"]) {
    inNetns(["iptables", "-t", table, "-F"]);
    inNetns(["iptables", "-t", table, "-X"]);
  }
  inNetns(["iptables-restore"], text);
}

/** What iptables-save prints, without its timestamped comment lines. */
function saved(): string {
  return inNetns(["iptables-save"])
    .split("\n")
    .filter((l) => !l.startsWith("#"))
    .join("\n");
}

const withoutComments = (text: string) =>
  text
    .split("\n")
    .filter((l) => !l.startsWith("#"))
    .join("\n");

/** A cluster touching every rule shape: Local policies, affinity, source ranges, UDP, no endpoints. */
function busyCluster() {
  const base = overallCluster();
  const [svc2] = base.services.filter((s) => s.name === "svc2");
  return {
    ...base,
    services: [
      ...base.services.filter((s) => s.name !== "svc2"),
      { ...svc2!, internalTrafficPolicy: "Local" as const, loadBalancerSourceRanges: [prefix("192.168.0.0/16")] },
      {
        ...base.services[0]!,
        namespace: "kube-system",
        name: "dns",
        clusterIPs: [ip("172.30.0.10")],
        ports: [{ name: "dns", protocol: "UDP" as const, port: 53, targetPort: 53 }],
      },
    ],
    endpointSlices: [
      ...base.endpointSlices.filter((s) => s.serviceName !== "svc2"),
      {
        ...base.endpointSlices[1]!,
        endpoints: [{ ip: ip("10.180.0.2"), ready: true, serving: true, terminating: false, nodeName: "test-node" }],
      },
      {
        namespace: "kube-system",
        name: "dns-abcde",
        serviceName: "dns",
        derived: false,
        ports: [{ name: "dns", protocol: "UDP" as const, port: 53 }],
        endpoints: [1, 2, 3].map((i) => ({ ip: ip(`10.180.1.${i}`), ready: true, serving: true, terminating: false })),
      },
    ],
  };
}

describe("kube-proxy rules through the real iptables (network namespace)", function () {
  // iptables-restore into a network namespace and real iptables runs per case, each a process.
  this.timeout(30000);
  let created = false;

  before(function () {
    const reason = unavailable();
    if (reason) {
      console.log(`      iptables round-trip specs skipped: ${reason}`);
      this.skip();
    }
    execFileSync("ip", ["netns", "add", NETNS]);
    created = true;
  });

  after(() => {
    if (created) execFileSync("ip", ["netns", "del", NETNS]);
  });

  for (const [name, make] of [
    ["upstream TestOverallIPTablesRules", overallCluster],
    ["Local policies, source ranges including the node, UDP", busyCluster],
  ] as const) {
    it(`passes iptables-restore --test: ${name}`, () => {
      inNetns(["iptables-restore", "--test"], kubeProxyRules(make(), "test-node"));
    });

    it(`is printed back unchanged by iptables-save: ${name}`, () => {
      const text = kubeProxyRules(make(), "test-node");
      restore(text);
      expect(saved()).to.equal(withoutComments(text));
    });
  }

  it("re-derives spec/fixtures/kube-proxy/overall.save from upstream's expected restore input", () => {
    const fixtures = new URL("./fixtures/kube-proxy/", import.meta.url);
    restore(readFileSync(new URL("overall.restore", fixtures), "utf8"));
    const builtin = /^:(INPUT|FORWARD|OUTPUT|PREROUTING|POSTROUTING) /;
    const text = saved()
      .split("\n")
      .filter((l) => !builtin.test(l))
      .join("\n");
    expect(text).to.equal(readFileSync(new URL("overall.save", fixtures), "utf8"));
  });
});
