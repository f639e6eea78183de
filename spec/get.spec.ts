// kubehop get: what the topology holds, kubectl-style, equal to what the model holds.
import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { formatIpv4, parseIpv4, prefixContains } from "../lib/model/address.ts";
import type { Cluster } from "../lib/model/cluster.ts";
import { loadTopologySync } from "../lib/topology.ts";
import { type CliResult, runCli } from "./support/cli.ts";

const DEFAULT = "topologies/default.yaml";
let cluster: Cluster;
/** Loaded once, by the first suite that runs (each top-level suite's before hook asks for it). */
function loadCluster(): void {
  cluster ??= loadTopologySync(DEFAULT).cluster;
}

interface Flags {
  namespace?: string;
  "all-namespaces"?: boolean;
  output?: string;
}

function get(resource: string, flags: Flags = {}): Promise<CliResult> {
  const argv = ["get", resource, "-f", DEFAULT];
  if (flags.namespace !== undefined) argv.push("-n", flags.namespace);
  if (flags["all-namespaces"]) argv.push("-A");
  if (flags.output !== undefined) argv.push("-o", flags.output);
  return runCli(argv);
}

/** A kubectl table as records keyed by header (columns are three or more spaces apart; cells have at most single spaces). */
function rows(table: string): Record<string, string>[] {
  const [head, ...lines] = table.trimEnd().split("\n");
  const headers = head!.split(/ {3,}/);
  return lines.map((l) => Object.fromEntries(l.split(/ {3,}/).map((cell, i) => [headers[i]!, cell])));
}

describe("kubehop get pods", () => {
  before(loadCluster);

  it("-A: every pod with its derived IP and node; the IPs unique and inside their node's podCIDR", async () => {
    const r = await get("pods", { "all-namespaces": true });
    expect(r.code).to.equal(0);
    expect(r.stdout.split("\n")[0]).to.match(/^NAMESPACE +NAME +READY +IP +NODE$/);
    const listed = rows(r.stdout);
    expect(listed).to.have.length(cluster.pods.length);
    for (const row of listed) {
      const pod = cluster.pods.find((p) => p.namespace === row.NAMESPACE && p.name === row.NAME)!;
      expect(pod, `${row.NAMESPACE}/${row.NAME}`).to.not.equal(undefined);
      expect(row.IP).to.equal(formatIpv4(pod.ip));
      expect(row.NODE).to.equal(pod.node);
      const node = cluster.nodes.find((n) => n.name === row.NODE)!;
      expect(prefixContains(node.podCidr, parseIpv4(row.IP!)!), `${row.IP} in ${node.podCidr.text}`).to.equal(true);
    }
    expect(new Set(listed.map((l) => l.IP)).size).to.equal(listed.length);
    const keys = listed.map((l) => `${l.NAMESPACE}/${l.NAME}`);
    expect(keys).to.deep.equal([...keys].sort());
  });

  it("-n shop: only that namespace, without a NAMESPACE column", async () => {
    const r = await get("po", { namespace: "shop" });
    const listed = rows(r.stdout);
    expect(r.stdout.split("\n")[0]).to.match(/^NAME +READY +IP +NODE$/);
    expect(listed.map((l) => l.NAME)).to.deep.equal(
      cluster.pods
        .filter((p) => p.namespace === "shop")
        .map((p) => p.name)
        .sort(),
    );
    expect(listed.every((l) => l.READY === "True")).to.equal(true);
  });

  it("no -n means the default namespace, as in kubectl; when that leaves nothing, stderr says where the pods are", async () => {
    const r = await get("pods");
    expect(r.code).to.equal(0);
    expect(r.stdout).to.equal("");
    expect(r.stderr).to.equal(
      "No resources found in default namespace.\npods are in namespaces ingress-nginx, kube-system, shop: use -n NS or -A\n",
    );
  });

  it("-o wide adds the owning workload, the veth's host end and the bridge0 the pod routes through", async () => {
    const listed = rows((await get("pod", { namespace: "shop", output: "wide" })).stdout);
    const db0 = listed.find((l) => l.NAME === "db-0")!;
    const pod = cluster.pods.find((p) => p.namespace === "shop" && p.name === "db-0")!;
    expect(db0.OWNER).to.equal("StatefulSet/db");
    expect(db0.VETH).to.equal(pod.veth);
    expect(db0.BRIDGE0).to.equal(formatIpv4(cluster.nodes.find((n) => n.name === pod.node)!.bridgeIp));
  });
});

describe("kubehop get svc, nodes, ingress, endpoints", () => {
  before(loadCluster);

  it("svc: kubectl's columns, NodePorts as PORT:NODEPORT/PROTO, the LB's VIP, None for headless", async () => {
    const listed = rows((await get("svc", { "all-namespaces": true })).stdout);
    expect(listed.map((l) => `${l.NAMESPACE}/${l.NAME}`)).to.deep.equal(
      cluster.services.map((s) => `${s.namespace}/${s.name}`).sort(),
    );
    const controller = listed.find((l) => l.NAME === "ingress-nginx-controller")!;
    expect(controller).to.deep.include({
      TYPE: "LoadBalancer",
      "EXTERNAL-IP": "203.0.113.10",
      "PORT(S)": "80:30080/TCP,443:30443/TCP",
    });
    expect(listed.find((l) => l.NAME === "db")).to.deep.include({
      "CLUSTER-IP": "None",
      "EXTERNAL-IP": "<none>",
      "PORT(S)": "5432/TCP",
    });
    for (const l of listed.filter((x) => x["CLUSTER-IP"] !== "None")) {
      expect(formatIpv4(cluster.services.find((s) => s.name === l.NAME)!.clusterIPs[0]!)).to.equal(l["CLUSTER-IP"]);
    }
    const wide = rows((await get("services", { namespace: "shop", output: "wide" })).stdout);
    expect(wide.find((l) => l.NAME === "api")!.SELECTOR).to.equal("app=api");
  });

  it("nodes: address and podCIDR from the model, -n ignored (nodes have no namespace); wide adds bridge0 and the wg0 mesh", async () => {
    const listed = rows((await get("nodes", { namespace: "shop" })).stdout);
    expect(listed).to.deep.equal(
      cluster.nodes.map((n) => ({
        NAME: n.name,
        "INTERNAL-IP": formatIpv4(n.ip),
        "POD-CIDR": n.podCidr.text,
        PODS: String(cluster.pods.filter((p) => p.node === n.name).length),
      })),
    );
    const wide = rows((await get("no", { output: "wide" })).stdout);
    expect(wide.map((l) => [l.BRIDGE0, l["WG-PEERS"]])).to.deep.equal(
      cluster.nodes.map((n) => [formatIpv4(n.bridgeIp), String(cluster.nodes.length - 1)]),
    );
  });

  it("ingress: class, hosts, the controller's address, 443 where TLS is configured", async () => {
    const listed = rows((await get("ing", { namespace: "shop" })).stdout);
    expect(listed).to.deep.equal([
      { NAME: "admin", CLASS: "nginx", HOSTS: "admin.example.com", ADDRESS: "203.0.113.10", PORTS: "80" },
      { NAME: "shop", CLASS: "nginx", HOSTS: "shop.example.com", ADDRESS: "203.0.113.10", PORTS: "80, 443" },
    ]);
  });

  it("endpoints: the ready pods' IP:PORT of each Service, cut after three as kubectl does, all of them in wide", async () => {
    const listed = rows((await get("ep", { "all-namespaces": true })).stdout);
    const api = listed.find((l) => l.NAME === "api")!.ENDPOINTS!.split(",");
    const apiPods = cluster.pods.filter((p) => p.namespace === "shop" && p.labels.app === "api");
    expect([...api].sort()).to.deep.equal(apiPods.map((p) => `${formatIpv4(p.ip)}:9000`).sort());
    expect(listed.find((l) => l.NAME === "kube-dns")!.ENDPOINTS).to.match(
      /^(\d+\.\d+\.\d+\.\d+:\d+,){2}\d+\.\d+\.\d+\.\d+:\d+ \+ 3 more\.\.\.$/,
    );
    const wide = rows((await get("endpoints", { namespace: "kube-system", output: "wide" })).stdout);
    expect(wide[0]!.ENDPOINTS!.split(",")).to.have.length(6);
  });
});

describe("kubehop get -o json|yaml", () => {
  before(loadCluster);

  it("-o json: a kind: List of the objects with their derived fields, stable and round-tripping", async () => {
    const r = await get("pods", { namespace: "shop", output: "json" });
    const list = JSON.parse(r.stdout);
    expect(`${JSON.stringify(list, null, 2)}\n`).to.equal(r.stdout);
    expect(list).to.include({ apiVersion: "v1", kind: "List" });
    const shop = cluster.pods.filter((p) => p.namespace === "shop");
    expect(list.items).to.have.length(shop.length);
    for (const item of list.items) {
      const pod = shop.find((p) => p.name === item.metadata.name)!;
      expect(item).to.deep.include({ apiVersion: "v1", kind: "Pod" });
      expect(item.spec.nodeName).to.equal(pod.node);
      expect(item.status.podIP).to.equal(formatIpv4(pod.ip));
      expect(item.metadata.annotations["kubehop.io/veth"]).to.equal(pod.veth);
    }
    expect((await get("pods", { namespace: "shop", output: "json" })).stdout).to.equal(r.stdout);
  });

  it("what -o json prints loads back as input: Services reloaded from it keep their ClusterIPs, ports and selectors", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kubehop-get-"));
    try {
      const withoutServices = readFileSync(DEFAULT, "utf8")
        .split(/^---$/m)
        .filter((doc) => !/^kind: Service$/m.test(doc));
      writeFileSync(join(dir, "topology.yaml"), withoutServices.join("---"));
      writeFileSync(join(dir, "services.json"), (await get("svc", { "all-namespaces": true, output: "json" })).stdout);
      const essentials = (c: typeof cluster) =>
        c.services
          .map((s) => ({
            key: `${s.namespace}/${s.name}`,
            type: s.type,
            clusterIPs: s.clusterIPs,
            ports: s.ports,
            selector: s.selector,
            etp: s.externalTrafficPolicy,
          }))
          .sort((a, b) => (a.key < b.key ? -1 : 1));
      expect(essentials(loadTopologySync(dir).cluster)).to.deep.equal(essentials(cluster));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("-o yaml parses to the same objects as -o json", async () => {
    for (const resource of ["pods", "svc", "nodes", "ingress", "endpoints"]) {
      const flags = { "all-namespaces": true };
      const yaml = parseYaml((await get(resource, { ...flags, output: "yaml" })).stdout);
      const json = JSON.parse((await get(resource, { ...flags, output: "json" })).stdout);
      expect(yaml, resource).to.deep.equal(json);
      expect(json.items.length, resource).to.be.greaterThan(0);
    }
  });

  it("endpoints and services carry what kube-proxy uses: addresses with their pods, ClusterIPs, the LB's ingress IP", async () => {
    const eps = JSON.parse((await get("ep", { namespace: "shop", output: "json" })).stdout);
    const cart = eps.items.find((i: { metadata: { name: string } }) => i.metadata.name === "cart");
    expect(cart.subsets[0].ports).to.deep.equal([{ name: "http", port: 9100, protocol: "TCP" }]);
    expect(
      cart.subsets[0].addresses.map((a: { targetRef: { name: string } }) => a.targetRef.name).sort(),
    ).to.deep.equal(
      cluster.pods
        .filter((p) => p.labels.app === "cart")
        .map((p) => p.name)
        .sort(),
    );
    const svc = JSON.parse((await get("svc", { namespace: "ingress-nginx", output: "json" })).stdout).items[0];
    expect(svc.status.loadBalancer).to.deep.equal({ ingress: [{ ip: "203.0.113.10" }] });
    expect(svc.spec.ports[1]).to.deep.equal({
      name: "https",
      protocol: "TCP",
      port: 443,
      targetPort: "https",
      nodePort: 30443,
    });
  });
});

describe("kubehop get: usage", () => {
  it("kubectl's aliases name the same resource", async () => {
    const flags = { "all-namespaces": true };
    for (const [canonical, aliases] of [
      ["pods", ["po", "pod", "PODS"]],
      ["svc", ["service", "services"]],
      ["nodes", ["no", "node"]],
      ["ing", ["ingress", "ingresses"]],
      ["ep", ["endpoints"]],
    ] as const) {
      const expected = (await get(canonical, flags)).stdout;
      for (const alias of aliases) expect((await get(alias, flags)).stdout, alias).to.equal(expected);
    }
  });

  it("an unknown resource is a usage error listing the valid ones, with did-you-mean", async () => {
    const attempt = get("pdos");
    await expectRejection(
      attempt,
      'unknown resource "pdos" (did you mean "pods"?); expected pods (po), services (svc), nodes (no), ingresses (ing) or endpoints (ep)',
    );
    await expectRejection(get("deployments"), /^unknown resource "deployments"; expected pods/);
  });

  it("-n with -A, and an output format get does not print, are usage errors", async () => {
    await expectRejection(
      get("pods", { namespace: "shop", "all-namespaces": true }),
      "give -n shop or -A (every namespace), not both",
    );
    await expectRejection(get("pods", { output: "mermaid" }), "-o mermaid: expected text, wide, json, yaml");
  });
});

/** A usage error: exit 2, nothing on stdout, the message on the first line of stderr. */
async function expectRejection(p: Promise<CliResult>, message: string | RegExp): Promise<void> {
  const r = await p;
  expect([r.code, r.stdout], r.stderr).to.deep.equal([2, ""]);
  const first = r.stderr.split("\n")[0]!;
  expect(first.startsWith("kubehop get: "), r.stderr).to.equal(true);
  if (typeof message === "string") expect(first.slice("kubehop get: ".length)).to.equal(message);
  else expect(first.slice("kubehop get: ".length)).to.match(message);
}
