// What the API server (or kubelet, or curl) would refuse, kubehop refuses: each rule with its exact
// error, positioned, exit 2 (issue 14, items 4 and 5). Topologies are written here, in a scratch folder.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { GENERATE_BOUNDS } from "../lib/generate/topology.ts";
import { runCli } from "./support/cli.ts";
import { checkProperty, fc } from "./support/random.ts";

const TOPOLOGY = "apiVersion: kubehop.io/v1alpha1\nkind: Topology\nmetadata: {name: t}\n";
const deploy = (name: string, replicas: number, extra = "") =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ${name}, namespace: shop}\nspec:\n  replicas: ${replicas}\n` +
  `  template:\n    metadata: {labels: {app: ${name}}}\n    spec: {${extra}containers: [{name: c}]}\n`;
const svc = (name: string, spec: string) =>
  `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}, namespace: shop}\nspec: {${spec}}\n`;
const docs = (...d: string[]) => d.join("---\n");

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), "kubehop-refusals-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** `kubehop validate` of a topology text (or a folder of files): its exit code and stderr. */
async function validate(text: string | Record<string, string>): Promise<{ code: number; stderr: string }> {
  const target = join(dir, `t${Math.random().toString(36).slice(2)}`);
  if (typeof text === "string") writeFileSync(`${target}.yaml`, text);
  else {
    mkdirSync(target);
    for (const [name, body] of Object.entries(text)) writeFileSync(join(target, name), body);
  }
  const r = await runCli(["validate", "-f", typeof text === "string" ? `${target}.yaml` : target]);
  return { code: r.code, stderr: r.stderr.replaceAll(`${target}`, "T") };
}

/** Exit 2 and exactly these lines on stderr. */
async function refused(text: string | Record<string, string>, ...lines: string[]): Promise<void> {
  const r = await validate(text);
  expect(r.stderr.trimEnd().split("\n"), r.stderr).to.deep.equal(lines);
  expect(r.code, r.stderr).to.equal(2);
}

describe("hostile input: what Kubernetes refuses", () => {
  describe("size limits, counted before anything is built", () => {
    it("replicas: 100000000 is refused at once, before any pod is made", async () => {
      await refused(
        deploy("web", 100_000_000),
        "T.yaml:5:13: error[too-large]: Deployment shop/web asks for 100,000,000 pods, more than the 150,000 pods " +
          "Kubernetes supports in a cluster; use at most 150,000 replicas",
      );
    });

    it("more than 5,000 nodes", async () => {
      await refused(
        `${TOPOLOGY}spec: {nodeCount: 5001}\n`,
        "T.yaml:4:19: error[too-large]: more than 5,000 nodes: Kubernetes supports at most 5,000 nodes in a " +
          "cluster; use fewer",
      );
    });

    it("more than 150,000 pods in all, named at the workload that passes the limit", async () => {
      await refused(
        docs(deploy("web", 100_000), deploy("api", 100_000)),
        "T.yaml:14:13: error[too-large]: with Deployment shop/api's 100,000 pods the topology has 200,000 pods, " +
          "more than the 150,000 Kubernetes supports in a cluster; use fewer replicas",
      );
    });

    it("more than 20,000 Services", async () => {
      const items = Array.from({ length: 20_001 }, (_, i) => ({
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: `s${i}`, namespace: `ns-${Math.floor(i / 1000)}` },
        spec: { ports: [{ port: 80 }] },
      }));
      const r = await validate(JSON.stringify({ apiVersion: "v1", kind: "List", items }));
      expect(r.stderr).to.match(
        /^T\.yaml:1:\d+: error\[too-large\]: more than 20,000 Services \(20,001\): past twice Kubernetes' documented 10,000 Services per cluster; split the topology\n$/,
      );
      expect(r.code).to.equal(2);
    });

    it("an EndpointSlice of more than 1,000 endpoints, as the API server's validation caps it", async () => {
      const endpoints = Array.from({ length: 1001 }, (_, i) => `  - addresses: ["10.244.${i >> 8}.${(i & 255) + 1}"]`);
      await refused(
        "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n" +
          "metadata: {name: web-1, namespace: shop, labels: {kubernetes.io/service-name: web}}\n" +
          `addressType: IPv4\nendpoints:\n${endpoints.join("\n")}\n`,
        "T.yaml:1006:5: error[too-large]: EndpointSlice shop/web-1 has 1,001 endpoints; the API server takes at " +
          "most 1,000 in a slice: split them over several slices",
      );
    });

    it("pods per node: a Node's status.allocatable.pods is its limit", async () => {
      await refused(
        docs(
          'apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nstatus: {allocatable: {pods: "3"}}\n',
          deploy("web", 4),
        ),
        "T.yaml:1:1: error[too-large]: node n1 would run 4 pods, more than its status.allocatable.pods 3: kubelet " +
          "admits no more; spread the pods over more nodes or raise the node's maxPods",
      );
    });

    it("pods per node without a limit given: a warning past kubelet's 110, an error past kubehop's 1,000", async () => {
      const one = `${TOPOLOGY}spec: {nodeCount: 1, nodeCIDRMaskSize: 20}\n`;
      const warned = await validate(docs(one, deploy("web", 111)));
      expect(warned.code).to.equal(0);
      expect(warned.stderr).to.contain(
        "T.yaml:4:19: warning[max-pods]: node node-1 runs 111 pods, more than kubelet's default maxPods 110: the " +
          "node must run kubelet with --max-pods 111 or more (hint: give the Node's status.allocatable.pods, or add " +
          "nodes)",
      );
      await refused(
        docs(one, deploy("web", 1001)),
        "T.yaml:4:19: error[too-large]: node node-1 would run 1001 pods, more than kubehop's 1000 per node " +
          "(kubelet's default maxPods is 110); add nodes or use fewer replicas",
      );
    });
  });

  describe("NodePorts, as the API server's allocator takes them", () => {
    it("a nodePort outside the default range 30000-32767", async () => {
      await refused(
        svc("web", "type: NodePort, ports: [{port: 80, nodePort: 80}]"),
        "T.yaml:4:53: error[node-port]: Service shop/web: nodePort 80 is outside the node-port range 30000-32767 " +
          "(kube-apiserver --service-node-port-range); use a port in it, or leave nodePort out to have one allocated",
      );
    });

    it("a nodePort outside the range the Topology gives (serviceNodePortRange), and allocation past it", async () => {
      const range = (r: string) => `${TOPOLOGY}spec: {serviceNodePortRange: ${r}}\n`;
      await refused(
        docs(range("20000-20010"), svc("web", "type: NodePort, ports: [{port: 80, nodePort: 30080}]")),
        "T.yaml:9:53: error[node-port]: Service shop/web: nodePort 30080 is outside the node-port range 20000-20010 " +
          "(kube-apiserver --service-node-port-range); use a port in it, or leave nodePort out to have one allocated",
      );
      await refused(
        docs(
          range("20000-20001"),
          svc("web", "type: NodePort, ports: [{name: a, port: 80}, {name: b, port: 81}, {name: c, port: 82}]"),
        ),
        "T.yaml:9:74: error[node-port]: Service shop/web: no nodePort left in the node-port range 20000-20001; use " +
          "fewer NodePort Services or a larger Topology spec.serviceNodePortRange",
      );
    });

    it("one nodePort on two Services, whatever their protocols", async () => {
      await refused(
        docs(
          svc("web", "type: NodePort, ports: [{port: 80, nodePort: 30080}]"),
          svc("api", "type: NodePort, ports: [{port: 80, protocol: UDP, nodePort: 30080}]"),
        ),
        "T.yaml:9:68: error[node-port]: Service shop/api: nodePort 30080 is already allocated to Service shop/web; " +
          "the API server gives each nodePort to one Service (TCP and UDP alike): use another, or leave nodePort out",
      );
    });

    it("one (protocol, nodePort) twice in a Service; TCP and UDP on one nodePort are fine", async () => {
      await refused(
        svc(
          "web",
          "type: NodePort, ports: [{name: a, port: 80, nodePort: 30080}, {name: b, port: 81, nodePort: 30080}]",
        ),
        "T.yaml:4:100: error[node-port]: Service shop/web: nodePort 30080/TCP is given twice in its ports",
      );
      const both =
        "type: NodePort, ports: [{name: a, port: 53, nodePort: 30053}, {name: b, port: 53, protocol: UDP, nodePort: 30053}]";
      expect((await validate(svc("web", both))).code).to.equal(0);
    });

    it("ports of one number share the nodePort allocated for the first, as the API server allocates them", async () => {
      const file = join(dir, "dns.yaml");
      const ports = "[{name: a, port: 53, protocol: UDP}, {name: b, port: 53}, {name: c, port: 54}]";
      writeFileSync(file, svc("dns", `type: NodePort, ports: ${ports}`));
      const r = await runCli(["get", "svc", "-n", "shop", "-f", file]);
      expect(r.stdout).to.contain("53:30000/UDP,53:30000/TCP,54:30001/TCP");
    });

    it("a nodePort on a ClusterIP Service", async () => {
      await refused(
        svc("web", "ports: [{port: 80, nodePort: 30080}]"),
        "T.yaml:4:37: error[node-port]: Service shop/web: nodePort may not be used when type is ClusterIP; drop it, " +
          "or make the Service a NodePort or LoadBalancer",
      );
    });
  });

  describe("objects and addresses", () => {
    it("two objects of one kind, namespace and name, across files (a namespace left out is default)", async () => {
      await refused(
        {
          "a.yaml": svc("web", "ports: [{port: 80}]"),
          "b.yaml": docs("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n", svc("web", "ports: [{port: 81}]")),
        },
        "T/b.yaml:7:18: error[duplicate]: duplicate Service shop/web (first at T/a.yaml:1); Service names must be " +
          "unique in a namespace: rename one or drop it",
      );
      await refused(
        docs(
          "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\n",
          "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, namespace: default}\n",
        ),
        "T.yaml:7:18: error[duplicate]: duplicate ConfigMap default/cfg (first at T.yaml:1); ConfigMap names must be " +
          "unique in a namespace: rename one or drop it",
      );
    });

    it("a clusterIP on the serviceCIDR's network or broadcast address", async () => {
      await refused(
        svc("web", "clusterIP: 10.96.0.0, ports: [{port: 80}]"),
        "T.yaml:4:19: error[address-conflict]: Service shop/web: clusterIP 10.96.0.0 is the serviceCIDR " +
          "10.96.0.0/12's network address, which the API server never allocates; use an address from 10.96.0.1 to " +
          "10.111.255.254",
      );
      await refused(
        svc("web", "clusterIP: 10.111.255.255, ports: [{port: 80}]"),
        "T.yaml:4:19: error[address-conflict]: Service shop/web: clusterIP 10.111.255.255 is the serviceCIDR " +
          "10.96.0.0/12's broadcast address, which the API server never allocates; use an address from 10.96.0.1 to " +
          "10.111.255.254",
      );
    });

    it("a node on the underlay's gateway or broadcast address", async () => {
      await refused(
        `${TOPOLOGY}spec:\n  underlay: {cidr: 192.168.10.0/24, gateway: 192.168.10.1}\n` +
          "  nodes: [{name: a, ip: 192.168.10.1}, {name: b, ip: 192.168.10.255}]\n",
        "T.yaml:6:11: error[address-conflict]: node a: address 192.168.10.1 is the underlay 192.168.10.0/24's " +
          "gateway; use a host address from 192.168.10.1 to 192.168.10.254 other than the gateway",
        "T.yaml:6:40: error[address-conflict]: node b: address 192.168.10.255 is the underlay 192.168.10.0/24's " +
          "broadcast address; use a host address from 192.168.10.1 to 192.168.10.254 other than the gateway",
      );
    });

    it("a client on another host's address, or inside the pod or Service ranges", async () => {
      await refused(
        `${TOPOLOGY}spec:\n  nodes: [{name: a, ip: 192.168.10.11}]\n  clients: [{name: c1, ip: 192.168.10.11}, ` +
          "{name: c2, ip: 10.244.3.4}, {name: c3, ip: 10.96.5.5}, {name: c4, ip: 198.51.100.1}, {name: c5, ip: 198.51.100.1}]\n",
        "T.yaml:6:28: error[address-conflict]: client c1: address 192.168.10.11 is already node a's; each host " +
          "needs its own address",
        "T.yaml:6:59: error[address-conflict]: client c2: address 10.244.3.4 is inside the cluster CIDR " +
          "10.244.0.0/16 (pod addresses); a client is outside the cluster: give it an address outside the " +
          "cluster's ranges (198.51.100.10, say)",
        "T.yaml:6:87: error[address-conflict]: client c3: address 10.96.5.5 is inside the serviceCIDR 10.96.0.0/12 " +
          "(ClusterIPs); a client is outside the cluster: give it an address outside the cluster's ranges " +
          "(198.51.100.10, say)",
        "T.yaml:6:144: error[address-conflict]: client c5: address 198.51.100.1 is already client c4's; each host " +
          "needs its own address",
      );
    });

    it("a load balancer's VIP or own address on a node's address", async () => {
      await refused(
        docs(
          `${TOPOLOGY}spec:\n  nodes: [{name: a, ip: 192.168.10.11}]\n` +
            "  loadBalancers: [{name: edge, vip: 192.168.10.11, service: shop/web, address: 192.168.10.11}]\n",
          svc("web", "type: LoadBalancer, ports: [{port: 80}]"),
        ),
        "T.yaml:6:37: error[address-conflict]: load balancer edge: VIP 192.168.10.11 is node a's address; a VIP is " +
          "the load balancer's own: use another address",
        "T.yaml:6:80: error[address-conflict]: load balancer edge: address 192.168.10.11 is already node a's; each " +
          "host needs its own address",
      );
    });

    it("two load balancers of one name or one VIP", async () => {
      await refused(
        docs(
          `${TOPOLOGY}spec:\n  loadBalancers:\n    - {name: edge, vip: 203.0.113.10, service: shop/web}\n` +
            "    - {name: edge, vip: 203.0.113.10, service: shop/web}\n",
          svc("web", "type: LoadBalancer, ports: [{port: 80}]"),
        ),
        'T.yaml:7:14: error[duplicate]: duplicate load balancer "edge"; load balancer names must be unique',
        "T.yaml:7:25: error[address-conflict]: load balancer edge: VIP 203.0.113.10 is already load balancer edge's; " +
          "each needs its own VIP",
      );
    });

    it("a YAML complex key (a sequence or a mapping as a key)", async () => {
      const pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  labels:\n";
      await refused(
        `${pod}    ? [a, b]\n    : c\n`,
        "T.yaml:6:7: error[input-syntax]: a mapping key is a sequence, not text (a YAML complex key); Kubernetes " +
          "objects and kubehop's Topology take only text keys: write the key as text",
      );
      await refused(
        `${pod}    {x: 1}: c\n`,
        "T.yaml:6:5: error[input-syntax]: a mapping key is a mapping, not text (a YAML complex key); Kubernetes " +
          "objects and kubehop's Topology take only text keys: write the key as text",
      );
    });
  });

  describe("the command line", () => {
    it("-t given twice is refused, not the last one silently taken; repeatable flags stay repeatable", async () => {
      const r = await runCli(["validate", "-t", "a.yaml", "-t", "b.yaml"]);
      expect(r.stderr.split("\n")[0]).to.equal(
        "kubehop validate: -t a.yaml and -t b.yaml: --topology takes one value; give it once",
      );
      expect(r.code).to.equal(2);
      const rules = "topologies/dumps-example/nodes/node-1/iptables-save.txt";
      const ips = ["--local-ip", "192.168.10.11", "--local-ip", "10.244.0.1"];
      const n = await runCli([
        "netfilter",
        "--rules",
        rules,
        "--src",
        "198.51.100.10",
        "--dst",
        "10.96.0.20",
        "--dport",
        "80",
        ...ips,
      ]);
      expect(n.code, n.stderr).to.equal(0);
    });

    for (const [value, why] of [
      ["shop.example.com:80", "expected HOST:PORT:ADDR, as curl takes it (shop.example.com:443:203.0.113.10)"],
      [
        "shop.example.com:80:1.2.3",
        '"1.2.3" is not an IPv4 address; expected HOST:PORT:ADDR, as curl takes it (shop.example.com:443:203.0.113.10)',
      ],
      [
        "shop.example.com:99999:1.2.3.4",
        "port 99999 is not 1-65535; expected HOST:PORT:ADDR, as curl takes it (shop.example.com:443:203.0.113.10)",
      ],
      [
        "shop.example.com:80:[::1]",
        '"[::1]" is not an IPv4 address (kubehop models IPv4 only); expected HOST:PORT:ADDR, as curl takes it (shop.example.com:443:203.0.113.10)',
      ],
      [
        "shop.example.com:80:1.2.3.4,1.2.3.5",
        "2 addresses; kubehop takes one per entry (curl tries them in turn): give the one to trace",
      ],
    ] as const) {
      it(`--resolve ${value} is refused`, async () => {
        const r = await runCli([
          "curl",
          "-f",
          "topologies/default.yaml",
          "--resolve",
          value,
          "http://shop.example.com/",
        ]);
        expect(r.stderr.split("\n")[0]).to.equal(`kubehop curl: --resolve ${JSON.stringify(value)}: ${why}`);
        expect(r.code).to.equal(2);
      });
    }

    it("--resolve's + form is taken, without the +", async () => {
      const r = await runCli([
        "curl",
        "-f",
        "topologies/default.yaml",
        "--resolve",
        "+shop.example.com:80:203.0.113.10",
        "http://shop.example.com/",
      ]);
      expect(r.stdout).to.contain("--resolve shop.example.com:80:203.0.113.10");
      expect(r.code, r.stderr).to.equal(0);
    });
  });
});

describe("kubehop generate never writes what its own validate refuses", () => {
  it("random sizes within generate's bounds: refused by generate (exit 2), or a topology that validates", async () => {
    const sizes: [number, number, number, number][] = [];
    checkProperty(
      fc.property(
        fc.integer({ min: GENERATE_BOUNDS.nodes.min, max: 40 }),
        fc.integer(GENERATE_BOUNDS.podsPerNode),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: GENERATE_BOUNDS.endpoints.min, max: 40 }),
        (nodes, pods, services, endpoints) => void sizes.push([nodes, pods, services, endpoints]),
      ),
      20261205,
      30,
    );
    let generated = 0;
    for (const [nodes, pods, services, endpoints] of sizes) {
      const args = ["--nodes", `${nodes}`, "--pods-per-node", `${pods}`, "--services", `${services}`];
      const g = await runCli(["generate", ...args, "--endpoints", `${endpoints}`]);
      if (g.code === 2) {
        expect(g.stderr, args.join(" ")).to.match(/^kubehop generate: .*(need|more than)/);
        continue;
      }
      expect(g.code, g.stderr).to.equal(0);
      const file = join(dir, "generated.yaml");
      writeFileSync(file, g.stdout);
      const v = await runCli(["validate", "--strict", "-f", file]);
      expect({ code: v.code, stderr: v.stderr }, args.join(" ")).to.deep.equal({ code: 0, stderr: "" });
      generated++;
    }
    expect(generated).to.be.greaterThan(5);
  });
});
