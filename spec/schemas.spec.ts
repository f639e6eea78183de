// The published JSON Schemas (schemas/*.json) are current, deterministic, and describe what kubehop
// really reads and prints: real output of trace and curl --json, netfilter --json and drift --json,
// and real Topology and Expectations files validate against them, checked by ajv (an independent
// validator reading the published files), not only by the zod schemas they are generated from.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { parseAllDocuments } from "yaml";
import type { z } from "zod";
import type { DriftReport } from "../lib/drift/index.ts";
import type { DriftReportSchema } from "../lib/output/drift-schema.ts";
import { TopologySchema } from "../lib/input/topology-schema.ts";
import { STEP_TYPES } from "../lib/output/trace-schema.ts";
import { loadTopologySync } from "../lib/topology.ts";
import { HOP_AT_KINDS } from "../lib/model/hop-at.ts";
import {
  ALL_STEP_ACTIONS,
  FAILURE_DISPOSITIONS,
  STEP_ACTIONS,
  SUCCESS_DISPOSITIONS,
  type Trace,
} from "../lib/trace/types.ts";
import { SCHEMA_DIR, schemaFiles, staleSchemas, writeSchemas } from "../scripts/gen-schemas.ts";
import { runCli } from "./support/cli.ts";
import { golden } from "./support/golden.ts";
import { expectSchemaValid, schemaErrors } from "./support/schemas.ts";

const SCHEMA_FILES = [
  "drift.schema.json",
  "expectations.schema.json",
  "migrate.schema.json",
  "netfilter.schema.json",
  "topology.schema.json",
  "trace.schema.json",
  "validate.schema.json",
];

// drift sits above output in the layers, so this compile-time check of its published shape lives here:
// DriftReport (readonly fields) and the schema's type hold the same fields with the same types.
type Equals<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
type Mutable<T> = T extends readonly (infer U)[]
  ? Mutable<U>[]
  : T extends object
    ? { -readonly [K in keyof T]: Mutable<T[K]> }
    : T;
// biome-ignore lint/suspicious/noExportsInTest: exported so noUnusedLocals keeps this compile-time check
export type DriftSchemaMatchesReport = Assert<Equals<z.infer<typeof DriftReportSchema>, Mutable<DriftReport>>>;

const TOPOLOGY = `apiVersion: kubehop.io/v1alpha1
kind: Topology
metadata:
  name: schema-spec
spec:
  nodeCount: 2
---
apiVersion: v1
kind: Pod
metadata: {name: a, labels: {app: a}}
spec:
  nodeName: node-1
  containers: [{name: a, ports: [{containerPort: 8080}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: c, labels: {app: c}}
spec:
  nodeName: node-2
  containers: [{name: c, ports: [{containerPort: 8080}]}]
`;

async function traceJson(...args: string[]): Promise<{ code: number; json: unknown; stderr: string }> {
  const { code, stdout, stderr } = await runCli(["trace", "-t", TOPOLOGY, ...args, "--json"]);
  return { code, json: stdout ? JSON.parse(stdout) : undefined, stderr };
}

function readSchema(name: string): Record<string, any> {
  return JSON.parse(readFileSync(join(SCHEMA_DIR, name), "utf8"));
}

describe("published JSON Schemas", () => {
  it("schemas/ holds exactly what scripts/gen-schemas.ts generates (it, or UPDATE_GOLDEN=1 on this spec, rewrites them)", () => {
    for (const [name, text] of Object.entries(schemaFiles())) golden(import.meta.url, `schemas/${name}`, text);
    expect(staleSchemas(), "stale schema files").to.deep.equal([]);
    expect(readdirSync(SCHEMA_DIR).sort()).to.deep.equal(SCHEMA_FILES);
  });

  it("the generator is deterministic and leaves no temp files behind", () => {
    const dirs = [mkdtempSync(join(tmpdir(), "kubehop-schemas-")), mkdtempSync(join(tmpdir(), "kubehop-schemas-"))];
    try {
      for (const d of dirs) writeSchemas(d);
      writeSchemas(dirs[1]!); // overwriting is fine too
      for (const d of dirs) expect(readdirSync(d).sort()).to.deep.equal(SCHEMA_FILES);
      for (const name of SCHEMA_FILES) {
        expect(readFileSync(join(dirs[0]!, name), "utf8")).to.equal(readFileSync(join(dirs[1]!, name), "utf8"));
      }
      expect(staleSchemas(dirs[0]!)).to.deep.equal([]);
    } finally {
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    }
  });

  it("topology.schema.json is the strict Topology kind: exact apiVersion and kind, no unknown fields", () => {
    const s = readSchema("topology.schema.json");
    expect(s.$schema).to.equal("https://json-schema.org/draft/2020-12/schema");
    expect(s.required).to.deep.equal(["apiVersion", "kind"]);
    expect(s.properties.apiVersion.const).to.equal("kubehop.io/v1alpha1");
    expect(s.properties.kind.const).to.equal("Topology");
    expect(s.additionalProperties).to.equal(false);
    const spec = s.properties.spec;
    expect(spec.additionalProperties).to.equal(false);
    expect(Object.keys(spec.properties)).to.include.members([
      "clusterCIDR",
      "serviceCIDR",
      "nodeCIDRMaskSize",
      "nodes",
      "underlay",
      "overlay",
      "clients",
    ]);
    const node = spec.properties.nodes.items;
    expect(node.required).to.deep.equal(["name"]);
    expect(node.properties.ip.format).to.equal("ipv4");
    expect(node.properties.podCIDR.pattern).to.be.a("string");
    expect(new RegExp(node.properties.podCIDR.pattern).test("10.244.0.0/24")).to.equal(true);
    expect(new RegExp(node.properties.podCIDR.pattern).test("10.244.0.0")).to.equal(false);
    const peer = node.properties.wireguard.properties.peers.items;
    expect(peer.required).to.deep.equal(["node", "allowedIPs"]);
    expect(spec.properties.overlay.properties.style.enum).to.deep.equal(["kilo", "flannel"]);
  });

  it("the zod Topology schema behind it accepts a full Topology and refuses a misspelt field", () => {
    const ok = TopologySchema.safeParse({
      apiVersion: "kubehop.io/v1alpha1",
      kind: "Topology",
      spec: {
        clusterCIDR: "10.244.0.0/16",
        nodes: [
          {
            name: "node-1",
            ip: "192.168.10.11",
            wireguard: { peers: [{ node: "node-2", allowedIPs: ["10.244.1.0/24"] }] },
          },
          { name: "node-2" },
        ],
      },
    });
    expect(ok.success, JSON.stringify(ok.error?.issues)).to.equal(true);
    expect(
      TopologySchema.safeParse({
        apiVersion: "kubehop.io/v1alpha1",
        kind: "Topology",
        spec: { clusterCidr: "10.244.0.0/16" },
      }).success,
    ).to.equal(false);
  });

  it("trace.schema.json lists the closed set of dispositions and every step type", () => {
    const s = readSchema("trace.schema.json");
    expect(s.required).to.deep.equal(["request", "branches", "diagnostics"]);
    const branch = s.properties.branches.items;
    expect(branch.required).to.deep.equal(["probability", "disposition", "detail", "reason", "hops", "choices"]);
    expect(branch.properties.disposition.enum).to.deep.equal([...SUCCESS_DISPOSITIONS, ...FAILURE_DISPOSITIONS]);
    expect(branch.properties.reply.properties.disposition.enum).to.deep.equal([
      ...SUCCESS_DISPOSITIONS,
      ...FAILURE_DISPOSITIONS,
    ]);
    const step = branch.properties.hops.items.properties.steps.items;
    expect(step.required).to.deep.equal(["type", "action", "detail", "reason"]);
    expect(step.properties.type.enum).to.deep.equal([...STEP_TYPES]);
    expect(step.properties.action.enum).to.deep.equal([...ALL_STEP_ACTIONS]);
    // Every kind of fact is a member of the published unions, each told apart by its `kind`.
    const kinds = (u: { oneOf: { properties: { kind: { const: string } } }[]; discriminator: unknown }) => {
      expect(u.discriminator).to.deep.equal({ propertyName: "kind" });
      return u.oneOf.map((m) => m.properties.kind.const).sort();
    };
    expect(step.properties.detail.$ref).to.equal("#/$defs/StepDetail");
    expect(kinds(s.$defs.StepDetail)).to.deep.equal(Object.keys(STEP_ACTIONS).sort());
    expect(branch.properties.detail.$ref).to.equal("#/$defs/EndDetail");
    expect(kinds(s.$defs.HopAt)).to.deep.equal([...HOP_AT_KINDS].sort());
    expect(Object.keys(step.properties)).to.deep.equal([
      "type",
      "action",
      "detail",
      "reason",
      "rule",
      "before",
      "after",
      "changes",
    ]);
    expect(step.properties.before.$ref).to.equal("#/$defs/Packet");
    expect(s.$defs.Packet.properties.inner.$ref).to.equal("#/$defs/Packet");
  });
});

describe("kubehop trace --json validates against the trace schema (ajv)", () => {
  it("a delivered cross-node trace, with its reply", async () => {
    const { code, json, stderr } = await traceJson("--from", "pod/a", "--to", "pod/c:8080");
    expect(code, stderr).to.equal(0);
    expectSchemaValid("trace", json);
    const t = json as Trace;
    expect(t.branches).to.have.length(1);
    const b = t.branches[0]!;
    expect(b.disposition).to.equal("DELIVERED");
    expect(b.probability).to.equal(1);
    expect(b.hops.map((h) => h.location)).to.include.members(["node-1/wg0", "underlay", "node-2/wg0"]);
    const encap = b.hops.flatMap((h) => h.steps).find((s) => s.type === "encapsulate")!;
    expect(encap.after!.inner, "the tunnelled packet inside").to.include({ dst: "10.244.1.2:8080" });
    expect(b.reply?.disposition).to.equal("DELIVERED");
    expect(t.request).to.include({ from: "pod/a", to: "pod/c:8080", proto: "tcp", dport: 8080 });
  });

  it("failing traces: nothing listening (CONNECTION_REFUSED) and no WireGuard peer (WG_NO_PEER)", async () => {
    const valid = (json: unknown): Trace => {
      expectSchemaValid("trace", json);
      return json as Trace;
    };
    const refused = valid((await traceJson("--from", "pod/a", "--to", "pod/c:9999")).json);
    expect(refused.branches.map((b) => b.disposition)).to.deep.equal(["CONNECTION_REFUSED"]);
    const noPeer = valid((await traceJson("--from", "pod/a", "--to", "10.244.99.5:80")).json);
    expect(noPeer.branches.map((b) => b.disposition)).to.deep.equal(["WG_NO_PEER"]);
    expect(noPeer.branches[0]!.reply).to.equal(undefined);
  });

  it("the library's Trace objects validate too (loadTopologySync(...).trace)", () => {
    const topo = loadTopologySync(TOPOLOGY);
    for (const to of ["pod/c:8080", "pod/a:8080", "node/node-2:10250", "pod/c:9999", "10.244.0.77:80"]) {
      expectSchemaValid("trace", JSON.parse(JSON.stringify(topo.trace({ from: "pod/a", to }))), to);
    }
  });
});

/** Every document of a YAML file (or stream) as plain data. */
function documents(text: string): Record<string, unknown>[] {
  return parseAllDocuments(text).map((d) => d.toJS() as Record<string, unknown>);
}

describe("real output and files validate against the published schemas (ajv)", () => {
  const DEFAULT = "topologies/default.yaml";

  it("ajv is no rubber stamp: it refuses a disposition outside the set, an unknown field, a missing field, a wrong type", () => {
    const t = JSON.parse(JSON.stringify(loadTopologySync(TOPOLOGY).trace({ from: "pod/a", to: "pod/c:8080" })));
    expect(schemaErrors("trace", t)).to.deep.equal([]);
    const broken = (edit: (x: any) => void) => {
      const c = structuredClone(t);
      edit(c);
      return schemaErrors("trace", c);
    };
    expect(broken((c) => (c.branches[0].disposition = "ROUTED")).join("\n")).to.contain(
      "/branches/0/disposition: must be equal to one of the allowed values",
    );
    expect(broken((c) => (c.branches[0].hops[0].steps[0].colour = "red")).join("\n")).to.contain(
      'must NOT have additional properties {"additionalProperty":"colour"}',
    );
    expect(broken((c) => delete c.branches[0].reason).join("\n")).to.contain("must have required property 'reason'");
    expect(broken((c) => (c.request.dport = "80")).join("\n")).to.contain("/request/dport: must be integer");
    const inner = broken(
      (c) =>
        (c.branches[0].hops.flatMap((h: any) => h.steps).find((st: any) => st.type === "encapsulate").after.inner.size =
          "big"),
    );
    expect(inner.join("\n")).to.match(/\/after\/inner\/size: must be integer/);
  });

  it("kubehop trace --json and curl --json: delivered, refused, load-balanced, through the ingress, following a redirect, with the DNS query", async () => {
    const runs: [string, string[]][] = [
      ["trace pod to pod", ["trace", "-t", TOPOLOGY, "--from", "pod/a", "--to", "pod/c:8080", "--json"]],
      ["trace to nothing listening", ["trace", "-t", TOPOLOGY, "--from", "pod/a", "--to", "pod/c:9999", "--json"]],
      [
        "trace a workload to a Service",
        ["trace", "-f", DEFAULT, "-n", "shop", "--from", "deploy/web", "--to", "svc/api", "--json"],
      ],
      [
        "trace UDP to kube-dns",
        [
          "trace",
          "-f",
          DEFAULT,
          "--from",
          "pod/shop/db-0",
          "--to",
          "svc/kube-system/kube-dns",
          "--proto",
          "udp",
          "--json",
        ],
      ],
      [
        "trace from outside to a NodePort",
        ["trace", "-f", DEFAULT, "--from", "client/client", "--to", "192.168.10.11:30443", "--json"],
      ],
      ["curl through the ingress", ["curl", "-f", DEFAULT, "https://shop.example.com/api/cart", "--json"]],
      [
        "curl from a pod, with the DNS query",
        [
          "curl",
          "-f",
          DEFAULT,
          "--from",
          "pod/shop/db-0",
          "--trace-dns",
          "http://api.shop.svc.cluster.local/",
          "--json",
        ],
      ],
      [
        "curl -L after a redirect",
        [
          "curl",
          "-t",
          "spec/fixtures/topologies/curl-failures.yaml",
          "-L",
          "http://store.example.com/shop/x",
          "--json",
        ],
      ],
    ];
    const seen = new Set<string>();
    for (const [what, argv] of runs) {
      const r = await runCli(argv);
      expect(r.code, `${what}: ${r.stderr}`).to.be.oneOf([0, 1]);
      const json = JSON.parse(r.stdout);
      expectSchemaValid("trace", json, what);
      for (const k of Object.keys(json)) seen.add(k);
      for (const b of json.branches) seen.add(b.disposition);
    }
    // The optional parts were really there to check.
    expect([...seen]).to.include.members(["followed", "dns", "DELIVERED", "HTTP_RESPONSE", "CONNECTION_REFUSED"]);
  });

  it("kubehop netfilter --json: load-balanced branches, DNAT and masquerade, a REJECT, warnings", async () => {
    const FIXTURE = "spec/fixtures/netfilter/kube-proxy-node.txt";
    const runs: [string, string[], string?][] = [
      [
        "three endpoints",
        [
          "--rules",
          FIXTURE,
          "--src",
          "203.0.113.7",
          "--dst",
          "10.96.1.175",
          "--dport",
          "80",
          "--local-ip",
          "192.168.1.11",
        ],
      ],
      [
        "a NodePort from outside",
        [
          "--rules",
          FIXTURE,
          "--src",
          "203.0.113.7",
          "--dst",
          "192.168.1.11",
          "--dport",
          "30080",
          "--local-ip",
          "192.168.1.11",
          "--in-iface",
          "eth0",
        ],
      ],
      [
        "a REJECT and a warning",
        ["--rules", "-", "--src", "10.0.0.1", "--dst", "10.96.0.9", "--dport", "80"],
        "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n-A FORWARD -d 10.96.0.9/32 -j REJECT --reject-with icmp-port-unreachable\n-A FORWARD -m frobnicate --frob 1 -j DROP\nCOMMIT\n",
      ],
    ];
    const verdicts = new Set<string>();
    let warnings = 0;
    for (const [what, argv, stdin] of runs) {
      const r = await runCli(["netfilter", ...argv, "--json"], { stdin: stdin ?? "" });
      expect(r.code, `${what}: ${r.stderr}`).to.equal(0);
      const json = JSON.parse(r.stdout);
      expectSchemaValid("netfilter", json, what);
      for (const b of json.branches) verdicts.add(b.verdict);
      warnings += json.diagnostics.length;
    }
    expect([...verdicts].sort()).to.deep.equal(["ACCEPT", "REJECT"]);
    expect(warnings).to.be.greaterThan(0);
  });

  it("kubehop drift --json: a node whose dumps differ, with the requests each difference breaks", async () => {
    const r = await runCli(["drift", "-t", "topologies/dumps-example", "--json"]);
    expect(r.code, r.stderr).to.equal(1);
    const json = JSON.parse(r.stdout);
    expectSchemaValid("drift", json);
    expect(json.nodes[0].differences.flatMap((d: { breaks: unknown[] }) => d.breaks)).to.not.be.empty;
  });

  it("Topology documents: every topology in topologies/ and the spec fixtures, expectations included", () => {
    const files = [
      DEFAULT,
      "topologies/nftables.yaml",
      "topologies/dumps-example/topology.yaml",
      ...readdirSync("topologies/hard-cases").map((f) => `topologies/hard-cases/${f}`),
      ...readdirSync("spec/fixtures/topologies").map((f) => `spec/fixtures/topologies/${f}`),
    ];
    let checked = 0;
    for (const file of files.filter((f) => /\.ya?ml$/.test(f))) {
      for (const doc of documents(readFileSync(file, "utf8")).filter((d) => d?.kind === "Topology")) {
        expectSchemaValid("topology", doc, file);
        checked++;
      }
    }
    expect(checked).to.be.greaterThan(8);
    expect(
      schemaErrors("topology", {
        apiVersion: "kubehop.io/v1alpha1",
        kind: "Topology",
        spec: { clusterCidr: "10.244.0.0/16" },
      }),
    ).to.have.length(1);
  });

  it("Expectations files: the ones kubehop check and diff read are valid; a misspelt field or another kind is not", () => {
    const valid = [
      "spec/fixtures/check/expectations.yaml",
      "spec/fixtures/check/failing.yaml",
      "spec/fixtures/diff/requests.yaml",
    ];
    for (const file of valid)
      for (const doc of documents(readFileSync(file, "utf8"))) expectSchemaValid("expectations", doc, file);
    const errors = (file: string): string[] =>
      documents(readFileSync(`spec/fixtures/check/${file}`, "utf8")).flatMap((d) => schemaErrors("expectations", d));
    expect(errors("bad-unknown-field.yaml")).to.deep.equal([
      '/expect/0: must NOT have additional properties {"additionalProperty":"reech"}',
    ]);
    expect(errors("bad-kind.yaml").join("\n")).to.contain("/kind: must be equal to constant");
  });
});
