// Bad input never gives a stack trace: `kubehop validate` prints `file:line:col: message` naming the
// field and what would be valid, exits 2, and never touches the user's file (design.md, Inputs).
// Every case is a file under spec/fixtures/bad/, run through the real CLI entry in-process.
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { runCli } from "./support/cli.ts";

const BAD = "spec/fixtures/bad";

interface BadCase {
  /** Fixture name under spec/fixtures/bad/ (file or folder). */
  fixture: string;
  what: string;
  line: number;
  col: number;
  /** Words the first message must contain: the field, and what would be valid. */
  words: string[];
  /** How many `file:line:col:` lines stderr holds; 1 unless said. */
  problems?: number;
}

const CASES: BadCase[] = [
  {
    fixture: "cluster-cidr-prefix-33.yaml",
    what: "a CIDR with a /33 length",
    line: 6,
    col: 16,
    words: ["spec.clusterCIDR", '"10.244.0.0/33" is not a CIDR', "10.244.0.0/16"],
  },
  {
    fixture: "cluster-cidr-host-bits.yaml",
    what: "a CIDR with host bits set",
    line: 5,
    col: 16,
    words: ["spec.clusterCIDR", "host bits set", "10.244.0.0/16"],
  },
  {
    fixture: "overlapping-pod-cidrs.yaml",
    what: "two Nodes with overlapping podCIDRs",
    line: 13,
    col: 12,
    words: ["node-b", "podCIDR 10.244.0.128/25", "overlaps node node-a", "must not overlap"],
  },
  {
    fixture: "pod-ip-outside-cluster-cidr.yaml",
    what: "a pod IP outside the cluster CIDR",
    line: 14,
    col: 10,
    words: ["shop/web-0", "podIP 10.99.0.5", "outside the cluster CIDR 10.244.0.0/16"],
  },
  {
    fixture: "pod-ip-outside-node-pod-cidr.yaml",
    what: "a pod IP outside its node's podCIDR",
    line: 8,
    col: 10,
    words: ["default/web-0", "podIP 10.244.2.7", "node-1's podCIDR 10.244.0.0/24"],
  },
  {
    fixture: "duplicate-node-names.yaml",
    what: "two Nodes with one name",
    line: 9,
    col: 9,
    words: ['duplicate Node "worker"', "duplicate-node-names.yaml:1", "must be unique"],
  },
  {
    fixture: "duplicate-pod-names.yaml",
    what: "two pods with one name in a namespace (same name elsewhere is fine)",
    line: 17,
    col: 9,
    words: ["duplicate Pod shop/api", "duplicate-pod-names.yaml:1", "unique in a namespace"],
  },
  {
    fixture: "unknown-topology-field.yaml",
    what: "a misspelt field in the Topology kind",
    line: 6,
    col: 7,
    words: ["spec.nodes[0].podCidr", 'unknown field "podCidr"', 'did you mean "podCIDR"'],
  },
  {
    fixture: "replicas-not-a-number.yaml",
    what: 'replicas: "three"',
    line: 6,
    col: 13,
    words: ["Deployment", "spec.replicas", "whole number"],
  },
  {
    fixture: "yaml-bad-indentation.yaml",
    what: "a key indented less than its siblings",
    line: 5,
    col: 1,
    words: ["YAML syntax", "same column"],
  },
  {
    fixture: "yaml-unclosed-flow.yaml",
    what: "an unclosed flow mapping",
    line: 6,
    col: 1,
    words: ["YAML syntax", "Flow map", "end with a }"],
  },
  {
    fixture: "duplicate-yaml-key.yaml",
    what: "the same key twice in a mapping",
    line: 6,
    col: 3,
    words: ["YAML syntax", "keys must be unique"],
  },
  {
    fixture: "alias-bomb.yaml",
    what: 'a "billion laughs" alias bomb',
    line: 11,
    col: 10,
    words: ["alias *e", "billion laughs", "refused", "fewer nested aliases"],
  },
  {
    fixture: "empty.yaml",
    what: "an empty file",
    line: 1,
    col: 1,
    words: ["no YAML documents", "Kubernetes objects", "Topology"],
  },
  {
    fixture: "only-comments.yaml",
    what: "a file of only comments",
    line: 1,
    col: 1,
    words: ["no YAML documents", "Kubernetes objects", "Topology"],
  },
  {
    fixture: "binary-nul.yaml",
    what: "binary data (NUL at line 4, col 10)",
    line: 4,
    col: 10,
    words: ["binary data", "expected UTF-8 YAML"],
  },
  {
    fixture: "invalid-utf8.yaml",
    what: "a Latin-1 byte that is not UTF-8",
    line: 4,
    col: 12,
    words: ["invalid UTF-8", "0xe9", "save the file as UTF-8"],
  },
  {
    fixture: "missing-kind.yaml",
    what: "a document without kind",
    line: 6,
    col: 1,
    words: ['missing "kind"', "Pod, Deployment", "Topology"],
  },
  {
    fixture: "wrong-topology-api-version.yaml",
    what: "a Topology with the wrong apiVersion",
    line: 1,
    col: 13,
    words: ["Topology", "apiVersion", "kubehop.io/v1alpha1"],
  },
  {
    fixture: "two-topologies.yaml",
    what: "two Topology documents",
    line: 6,
    col: 1,
    words: ["second Topology", "two-topologies.yaml:1", "exactly one"],
  },
  {
    fixture: "unknown-node-name.yaml",
    what: "a pod's nodeName naming no node",
    line: 11,
    col: 13,
    words: ['nodeName "node-9"', "not a node", "known nodes: node-1"],
  },
  {
    fixture: "node-ip-outside-underlay.yaml",
    what: "a node IP outside the underlay",
    line: 10,
    col: 11,
    words: ["node-2", "192.168.20.12", "outside the underlay 192.168.10.0/24", "spec.underlay.cidr"],
  },
  {
    fixture: "node-cidr-mask-too-short.yaml",
    what: "nodeCIDRMaskSize shorter than the cluster CIDR's",
    line: 5,
    col: 21,
    words: ["nodeCIDRMaskSize /12", "10.244.0.0/16", "/16 or longer"],
  },
  {
    fixture: "service-cidr-overlaps-cluster.yaml",
    what: "serviceCIDR inside clusterCIDR",
    line: 5,
    col: 16,
    words: ["serviceCIDR 10.96.0.0/12", "overlaps clusterCIDR 10.0.0.0/8", "disjoint"],
  },
  {
    fixture: "wireguard-unknown-peer.yaml",
    what: "a WireGuard peer naming no node",
    line: 10,
    col: 19,
    words: ['WireGuard peer "node-7"', "not a node", "known nodes: node-1, node-2"],
  },
  {
    fixture: "wireguard-self-peer.yaml",
    what: "a node listing itself as peer",
    line: 8,
    col: 19,
    words: ["node-1 lists itself", "WireGuard peer", "never its own peer"],
  },
  {
    fixture: "wireguard-duplicate-allowed-ips.yaml",
    what: "one AllowedIPs prefix on two peers",
    line: 13,
    col: 17,
    words: ["AllowedIPs 10.244.1.0/24", "node-2 and node-3", "one prefix on one peer"],
  },
  {
    fixture: "container-port-70000.yaml",
    what: "containerPort 70000",
    line: 10,
    col: 26,
    words: ["spec.containers[0].ports[1].containerPort", "1-65535"],
  },
  {
    fixture: "list-item-not-mapping.yaml",
    what: "a List item that is a string",
    line: 8,
    col: 5,
    words: ["List item", "mapping with apiVersion and kind"],
  },
  {
    fixture: "folder-without-yaml",
    what: "a folder with no YAML files",
    line: 1,
    col: 1,
    words: ["folder", "no .yaml or .yml files"],
  },
  {
    fixture: "does-not-exist.yaml",
    what: "a path that does not exist",
    line: 1,
    col: 1,
    words: ["no such file or folder", "YAML file or a folder"],
  },
  {
    fixture: "too-many-pods-for-28.yaml",
    what: "14 replicas on one node with a /28 podCIDR (13 usable)",
    line: 12,
    col: 13,
    words: ["podCIDR 10.244.0.0/28", "no address left", "larger nodeCIDRMaskSize or fewer pods"],
  },
];

/** Anything that looks like a leaked exception: stack frames or an error class name. */
const STACK = /^\s+at |\b[A-Z][A-Za-z]*Error\b|node:internal|\.ts:\d+:\d+\)/m;

function sha256(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

function fixtureHashes(): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const f of readdirSync(dir).sort()) {
      const p = join(dir, f);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(p, `${sha256(p)} ${statSync(p).mtimeMs}`);
    }
  };
  walk(BAD);
  return out;
}

describe("malformed input (kubehop validate -t FILE)", () => {
  let hashesBefore: Map<string, string>;
  before(() => {
    hashesBefore = fixtureHashes();
  });

  it("covers every fixture in spec/fixtures/bad with a case, and the other way round", () => {
    const onDisk = readdirSync(BAD).sort();
    const cased = CASES.map((c) => c.fixture)
      .filter((f) => f !== "does-not-exist.yaml")
      .sort();
    expect(onDisk).to.deep.equal(cased);
    expect(CASES.length).to.be.at.least(24);
  });

  for (const c of CASES) {
    it(`${c.what}: ${c.fixture}:${c.line}:${c.col}`, async () => {
      const file = join(BAD, c.fixture);
      const r = await runCli(["validate", "-t", file]);
      expect(r.code, r.stderr).to.equal(2);
      expect(r.stdout).to.equal("");
      expect(r.stderr.startsWith(`${file}:${c.line}:${c.col}: error[`), r.stderr).to.equal(true);
      const lines = r.stderr.trimEnd().split("\n");
      expect(lines, r.stderr).to.have.length(c.problems ?? 1);
      for (const line of lines) expect(line).to.match(/^[^:]+:\d+:\d+: error\[[a-z-]+\]: \S/);
      for (const w of c.words) expect(lines[0], `missing "${w}"`).to.include(w);
      expect(r.stderr).not.to.match(STACK);
    });
  }

  // How long these take is a bench row (npm run bench -- input); here, that nothing is expanded.
  it("refuses the alias bomb without expanding it", async () => {
    const r = await runCli(["validate", "-t", join(BAD, "alias-bomb.yaml")]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/^spec\/fixtures\/bad\/alias-bomb\.yaml:\d+:\d+: error\[input-syntax\]: alias \*\w+ /);
  });

  it("refuses a far bigger alias bomb as soon as the count passes the limit (the check does not expand)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kubehop-bomb-"));
    try {
      const lines = [
        "apiVersion: v1",
        "kind: ConfigMap",
        "metadata:",
        "  name: lol",
        "data:",
        '  a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
      ];
      for (let i = 1; i <= 40; i++)
        lines.push(
          `  a${i}: &a${i} [${Array(10)
            .fill(`*a${i - 1}`)
            .join(",")}]`,
        );
      const file = join(dir, "bomb.yaml");
      writeFileSync(file, `${lines.join("\n")}\n`);
      const r = await runCli(["validate", "-t", file]);
      expect(r.code).to.equal(2);
      // a0 is 11 values, a1 111, a2 1111, a3 11111. Aliases add 110 (line 7), 1110 (line 8),
      // 11110 (line 9), then 11111 per *a3 on line 10: the 8th *a3 (column 40) passes 100000.
      expect(r.stderr.startsWith(`${file}:10:40: error[input-syntax]: alias *a3 `), r.stderr).to.equal(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reports every problem of a file, not only the first, each with its own position", async () => {
    const r = await runCli([
      "validate",
      "-t",
      "apiVersion: kubehop.io/v1alpha1\nkind: Topology\nspec:\n  clusterCIDR: 10.244.0.1/16\n  nodeCount: 0\n  overlay: {style: calico}\n",
    ]);
    expect(r.code).to.equal(2);
    const positions = r.stderr
      .trimEnd()
      .split("\n")
      .map((l) => l.split(": ")[0]);
    expect(positions).to.deep.equal(["<input>:4:16", "<input>:5:14", "<input>:6:20"]);
    expect(r.stderr).to.include("overlay.style").and.include("kilo").and.include("flannel");
  });

  it("never modifies the fixtures it reads (same bytes and mtime before and after)", () => {
    expect(fixtureHashes()).to.deep.equal(hashesBefore);
  });
});

const KUBECTL_SHAPED = `apiVersion: v1
kind: List
metadata:
  resourceVersion: ""
items:
  - apiVersion: v1
    kind: Node
    metadata:
      name: node-1
      uid: 0b6c5d1e-1111-4c4c-9d9d-000000000001
      labels: {kubernetes.io/hostname: node-1, kubernetes.io/os: linux}
      annotations: {node.alpha.kubernetes.io/ttl: "0"}
      managedFields:
        - manager: kubelet
          operation: Update
          apiVersion: v1
          time: "2024-05-01T10:00:00Z"
          fieldsType: FieldsV1
          fieldsV1: {"f:status": {"f:addresses": {}}}
    spec:
      podCIDR: 10.244.0.0/24
      podCIDRs: [10.244.0.0/24]
      providerID: kind://docker/kind/node-1
    status:
      addresses:
        - {type: InternalIP, address: 192.168.10.11}
        - {type: Hostname, address: node-1}
      capacity: {cpu: "4", memory: 8Gi, pods: "110"}
      nodeInfo: {kubeletVersion: v1.30.0}
  - apiVersion: v1
    kind: Node
    metadata: {name: node-2}
    spec: {podCIDR: 10.244.1.0/24}
    status:
      addresses: [{type: InternalIP, address: 192.168.10.12}]
  - apiVersion: v1
    kind: Pod
    metadata:
      name: web-7d4b9c6f8-x2x9k
      namespace: shop
      generateName: web-7d4b9c6f8-
      resourceVersion: "12345"
      creationTimestamp: "2024-05-01T10:00:00Z"
      labels: {app: web, pod-template-hash: 7d4b9c6f8}
      ownerReferences:
        - {apiVersion: apps/v1, kind: ReplicaSet, name: web-7d4b9c6f8, uid: abc, controller: true, blockOwnerDeletion: true}
      managedFields:
        - manager: kube-controller-manager
          operation: Update
          fieldsType: FieldsV1
          fieldsV1: {"f:metadata": {"f:labels": {".": {}, "f:app": {}}}}
    spec:
      nodeName: node-2
      restartPolicy: Always
      containers:
        - name: web
          image: nginx:1.27
          ports: [{containerPort: 80, protocol: TCP, name: http}]
          resources: {}
          volumeMounts: [{name: kube-api-access, mountPath: /var/run/secrets, readOnly: true}]
      volumes: [{name: kube-api-access, projected: {sources: []}}]
    status:
      phase: Running
      hostIP: 192.168.10.12
      podIP: 10.244.1.5
      podIPs: [{ip: 10.244.1.5}]
      qosClass: BestEffort
      conditions:
        - {type: Ready, status: "True", lastTransitionTime: "2024-05-01T10:00:05Z"}
      containerStatuses: [{name: web, ready: true, restartCount: 0, state: {running: {startedAt: "2024-05-01T10:00:04Z"}}}]
    aFieldFromTheFuture: {anything: [1, 2, 3]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: deny-all
  namespace: shop
spec:
  podSelector: {}
  policyTypes: [Ingress]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: shop}
data: {a: b}
`;

describe("valid kubectl-shaped input", () => {
  it("loads a kind: List of Nodes and a Pod with managedFields, status and unknown fields, without errors", async () => {
    const r = await runCli(["validate", "-t", KUBECTL_SHAPED]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^ok: 2 nodes, 1 pods, /);
    expect(r.stdout).to.match(/node-1 +eth0 192\.168\.10\.11 +podCIDR 10\.244\.0\.0\/24 +0 pods/);
    expect(r.stdout).to.match(/node-2 +eth0 192\.168\.10\.12 +podCIDR 10\.244\.1\.0\/24 +1 pods/);
    expect(r.stderr).not.to.match(STACK);
  });

  it("turns a kind it does not model (NetworkPolicy) into a warning with its position, and skips inert kinds silently", async () => {
    const r = await runCli(["validate", "-t", KUBECTL_SHAPED]);
    expect(r.code).to.equal(0);
    const warnings = r.stderr.trimEnd().split("\n");
    expect(warnings).to.deep.equal([
      "<input>:73:1: warning[unmodelled-kind]: NetworkPolicy shop/deny-all: kubehop does not enforce NetworkPolicies: traces may show traffic this policy would block",
    ]);
  });

  it("reads the same objects from a file without modifying it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kubehop-valid-"));
    try {
      const file = join(dir, "cluster.yaml");
      writeFileSync(file, KUBECTL_SHAPED);
      const hash = sha256(file);
      const mtime = statSync(file).mtimeMs;
      const r = await runCli(["validate", "-t", file]);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stderr).to.include(`${file}:73:1: warning[unmodelled-kind]: NetworkPolicy shop/deny-all`);
      const t = await runCli([
        "trace",
        "-t",
        file,
        "--from",
        "pod/shop/web-7d4b9c6f8-x2x9k",
        "--to",
        "node/node-1:22",
        "--json",
      ]);
      expect(t.code, t.stderr).to.equal(0);
      expect(sha256(file)).to.equal(hash);
      expect(statSync(file).mtimeMs).to.equal(mtime);
      expect(readdirSync(dir).sort()).to.deep.equal(["cluster.yaml"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
