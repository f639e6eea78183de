// The published JSON Schemas (schemas/*.json) are current, deterministic, and describe what kubehop
// really reads and prints: real `kubehop trace --json` output validates against the trace schema.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { TopologySchema } from "../lib/input/topology-schema.ts";
import { STEP_TYPES, TraceSchema } from "../lib/output/trace-schema.ts";
import { loadTopologySync } from "../lib/topology.ts";
import { FAILURE_DISPOSITIONS, SUCCESS_DISPOSITIONS, type Trace } from "../lib/trace/types.ts";
import { SCHEMA_DIR, schemaFiles, staleSchemas, writeSchemas } from "../scripts/gen-schemas.ts";
import { runCli } from "./support/cli.ts";

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
  it("schemas/ holds exactly what scripts/gen-schemas.ts generates (run `npx tsx scripts/gen-schemas.ts` after changing a schema)", () => {
    expect(staleSchemas(), "stale schema files").to.deep.equal([]);
    for (const [name, text] of Object.entries(schemaFiles())) {
      expect(readFileSync(join(SCHEMA_DIR, name), "utf8"), name).to.equal(text);
    }
    expect(readdirSync(SCHEMA_DIR).sort()).to.deep.equal(["topology.schema.json", "trace.schema.json"]);
  });

  it("the generator is deterministic and leaves no temp files behind", () => {
    const dirs = [mkdtempSync(join(tmpdir(), "kubehop-schemas-")), mkdtempSync(join(tmpdir(), "kubehop-schemas-"))];
    try {
      for (const d of dirs) writeSchemas(d);
      writeSchemas(dirs[1]!); // overwriting is fine too
      for (const d of dirs) expect(readdirSync(d).sort()).to.deep.equal(["topology.schema.json", "trace.schema.json"]);
      for (const name of ["topology.schema.json", "trace.schema.json"]) {
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
    expect(Object.keys(spec.properties)).to.include.members(["clusterCIDR", "serviceCIDR", "nodeCIDRMaskSize", "nodes", "underlay", "overlay", "clients"]);
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
      spec: { clusterCIDR: "10.244.0.0/16", nodes: [{ name: "node-1", ip: "192.168.10.11", wireguard: { peers: [{ node: "node-2", allowedIPs: ["10.244.1.0/24"] }] } }, { name: "node-2" }] },
    });
    expect(ok.success, JSON.stringify(ok.error?.issues)).to.equal(true);
    expect(TopologySchema.safeParse({ apiVersion: "kubehop.io/v1alpha1", kind: "Topology", spec: { clusterCidr: "10.244.0.0/16" } }).success).to.equal(false);
  });

  it("trace.schema.json lists the closed set of dispositions and every step type", () => {
    const s = readSchema("trace.schema.json");
    expect(s.required).to.deep.equal(["request", "branches", "warnings"]);
    const branch = s.properties.branches.items;
    expect(branch.required).to.deep.equal(["probability", "disposition", "reason", "hops", "choices"]);
    expect(branch.properties.disposition.enum).to.deep.equal([...SUCCESS_DISPOSITIONS, ...FAILURE_DISPOSITIONS]);
    expect(branch.properties.reply.properties.disposition.enum).to.deep.equal([...SUCCESS_DISPOSITIONS, ...FAILURE_DISPOSITIONS]);
    const step = branch.properties.hops.items.properties.steps.items;
    expect(step.required).to.deep.equal(["type", "action", "reason"]);
    expect(step.properties.type.enum).to.deep.equal([...STEP_TYPES]);
    expect(Object.keys(step.properties)).to.deep.equal(["type", "action", "reason", "rule", "before", "after", "changes"]);
    expect(step.properties.before.$ref).to.equal("#/$defs/Packet");
    expect(s.$defs.Packet.properties.inner.$ref).to.equal("#/$defs/Packet");
  });
});

describe("kubehop trace --json validates against the trace schema", () => {
  it("a delivered cross-node trace, with its reply", async () => {
    const { code, json, stderr } = await traceJson("--from", "pod/a", "--to", "pod/c:8080");
    expect(code, stderr).to.equal(0);
    const t = TraceSchema.parse(json);
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
    const refused = TraceSchema.parse((await traceJson("--from", "pod/a", "--to", "pod/c:9999")).json);
    expect(refused.branches.map((b) => b.disposition)).to.deep.equal(["CONNECTION_REFUSED"]);
    const noPeer = TraceSchema.parse((await traceJson("--from", "pod/a", "--to", "10.244.99.5:80")).json);
    expect(noPeer.branches.map((b) => b.disposition)).to.deep.equal(["WG_NO_PEER"]);
    expect(noPeer.branches[0]!.reply).to.equal(undefined);
  });

  it("the library's Trace objects validate too (loadTopologySync(...).trace)", () => {
    const topo = loadTopologySync(TOPOLOGY);
    for (const to of ["pod/c:8080", "pod/a:8080", "node/node-2:10250", "pod/c:9999", "10.244.0.77:80"]) {
      const r = TraceSchema.safeParse(topo.trace({ from: "pod/a", to }));
      expect(r.success, `${to}: ${JSON.stringify(r.error?.issues)}`).to.equal(true);
    }
  });

  it("refuses what is not a trace: a disposition outside the closed set, an unknown field, a missing reason", () => {
    const good: Trace = loadTopologySync(TOPOLOGY).trace({ from: "pod/a", to: "pod/c:8080" });
    expect(TraceSchema.safeParse(good).success).to.equal(true);
    const clone = () => JSON.parse(JSON.stringify(good)) as any;

    const badDisposition = clone();
    badDisposition.branches[0].disposition = "ROUTED";
    expect(TraceSchema.safeParse(badDisposition).error?.issues[0]?.path).to.deep.equal(["branches", 0, "disposition"]);

    const extraField = clone();
    extraField.branches[0].hops[0].steps[0].colour = "red";
    expect(TraceSchema.safeParse(extraField).error?.issues[0]?.code).to.equal("unrecognized_keys");

    const noReason = clone();
    delete noReason.branches[0].reply.reason;
    expect(TraceSchema.safeParse(noReason).error?.issues[0]?.path).to.deep.equal(["branches", 0, "reply", "reason"]);

    const badInner = clone();
    badInner.branches[0].hops.flatMap((h: any) => h.steps).find((s: any) => s.type === "encapsulate").after.inner.size = "big";
    expect(TraceSchema.safeParse(badInner).success).to.equal(false);
  });
});
