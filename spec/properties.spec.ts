// Property specs (fast-check, fixed seeds): random small topologies and requests, random damage to
// valid YAML. Whatever the input, kubehop answers with a trace or a positioned error, never a crash;
// a request is refused only where the spec below says it must be, and for that reason.
import { expect } from "chai";
import { InputError } from "../lib/input/errors.ts";
import { loadTopologySync } from "../lib/topology.ts";
import { RequestError, type RequestErrorCode } from "../lib/trace/errors.ts";
import { FAILURE_DISPOSITIONS, SUCCESS_DISPOSITIONS } from "../lib/trace/types.ts";
import { checkProperty, fc } from "./support/random.ts";
import { expectSchemaValid } from "./support/schemas.ts";

const DISPOSITIONS = new Set<string>([...SUCCESS_DISPOSITIONS, ...FAILURE_DISPOSITIONS]);

interface PodSpec {
  node: number;
  ports: number[];
  app: number;
  ready: boolean;
}
interface ServiceSpec {
  app: number;
  type: "ClusterIP" | "NodePort" | "LoadBalancer";
  port: number;
  protocol: "TCP" | "UDP";
  etp: "Cluster" | "Local";
  target: number;
}
interface TopoSpec {
  nodes: number;
  style: "kilo" | "flannel";
  mtu: number;
  pods: PodSpec[];
  services: ServiceSpec[];
}

const PORTS = [80, 8080, 9000];
const topoArb: fc.Arbitrary<TopoSpec> = fc.record({
  nodes: fc.integer({ min: 1, max: 4 }),
  style: fc.constantFrom("kilo" as const, "flannel" as const),
  mtu: fc.constantFrom(1420, 1500),
  pods: fc.array(
    fc.record({ node: fc.nat(3), ports: fc.subarray(PORTS, { minLength: 1 }), app: fc.nat(2), ready: fc.boolean() }),
    { minLength: 1, maxLength: 8 },
  ),
  services: fc.array(
    fc.record({
      app: fc.nat(3),
      type: fc.constantFrom("ClusterIP" as const, "NodePort" as const, "LoadBalancer" as const),
      port: fc.constantFrom(80, 443, 5000),
      protocol: fc.constantFrom("TCP" as const, "UDP" as const),
      etp: fc.constantFrom("Cluster" as const, "Local" as const),
      target: fc.constantFrom(...PORTS),
    }),
    { maxLength: 4 },
  ),
});

function yamlOf(t: TopoSpec): string {
  const nodes = Array.from({ length: t.nodes }, (_, i) => `    - {name: node-${i + 1}, ip: 192.168.10.${11 + i}}`).join(
    "\n",
  );
  const docs = [
    `apiVersion: kubehop.io/v1alpha1
kind: Topology
spec:
  overlay: {style: ${t.style}, mtu: ${t.mtu}}
  nodes:
${nodes}
`,
  ];
  t.pods.forEach((p, i) => {
    const ports = p.ports.map((n) => `{containerPort: ${n}}`).join(", ");
    docs.push(`apiVersion: v1
kind: Pod
metadata: {name: p${i}, labels: {app: a${p.app}}}
spec: {nodeName: node-${(p.node % t.nodes) + 1}, containers: [{name: c, ports: [${ports}]}]}
status: {phase: Running, conditions: [{type: Ready, status: "${p.ready ? "True" : "False"}"}]}
`);
  });
  t.services.forEach((s, i) => {
    const lb = s.type === "LoadBalancer" ? `\nstatus: {loadBalancer: {ingress: [{ip: 203.0.113.${20 + i}}]}}` : "";
    const etp = s.type === "ClusterIP" ? "" : `, externalTrafficPolicy: ${s.etp}`;
    docs.push(`apiVersion: v1
kind: Service
metadata: {name: s${i}}
spec: {type: ${s.type}${etp}, selector: {app: a${s.app}}, ports: [{port: ${s.port}, protocol: ${s.protocol}, targetPort: ${s.target}}]}${lb}
`);
  });
  return docs.join("---\n");
}

/** Requests aimed at what the topology has, and at addresses it does not. */
function requests(t: TopoSpec): { from: string; to: string; proto?: "tcp" | "udp" | "icmp"; size?: number }[] {
  const froms = [`pod/p0`, `node/node-1`, `client/client`, `node/node-${t.nodes}`];
  const tos = [
    `pod/p${t.pods.length - 1}:${t.pods.at(-1)!.ports[0]}`,
    `node/node-1:10250`,
    "10.244.99.9:80",
    "8.8.8.8:53",
    "10.244.0.200:80",
    "192.168.10.99:22",
    ...t.services.map((_, i) => `svc/s${i}`),
  ];
  return froms.flatMap((from) => tos.map((to) => ({ from, to })));
}

/** A refusal the request must get, and only this one: its code and its exact message. */
interface Refusal {
  readonly code: RequestErrorCode;
  readonly message: string;
}

/**
 * The one request these topologies cannot make: svc/sI names the Service's port, and a Service has
 * no port of another protocol (a UDP request to a TCP Service). Every other request gets a trace.
 */
function refusalOf(t: TopoSpec, to: string, proto: "tcp" | "udp"): Refusal | undefined {
  const m = /^svc\/s(\d+)$/.exec(to);
  const svc = m ? t.services[Number(m[1])] : undefined;
  if (!svc || svc.protocol.toLowerCase() === proto) return undefined;
  return {
    code: "SERVICE_NO_PORT_FOR_PROTOCOL",
    message: `Service default/${to.slice(4)} has no ${proto.toUpperCase()} port; ports: (unnamed) ${svc.port}/${svc.protocol}`,
  };
}

describe("properties of traces over random topologies", () => {
  it("every trace terminates, probabilities sum to 1, dispositions are from the closed set, output is deterministic and valid", () => {
    let traced = 0;
    let refused = 0;
    checkProperty(
      fc.property(
        topoArb,
        fc.constantFrom<"tcp" | "udp">("tcp", "udp"),
        fc.constantFrom(60, 1400, 1500),
        (spec, proto, size) => {
          const text = yamlOf(spec);
          const topo = loadTopologySync(text);
          const again = loadTopologySync(text);
          for (const q of requests(spec)) {
            const what = `${proto} ${q.from} -> ${q.to}`;
            const refusal = refusalOf(spec, q.to, proto);
            let trace: ReturnType<typeof topo.trace>;
            try {
              trace = topo.trace({ ...q, proto, size });
            } catch (e) {
              if (!(e instanceof RequestError)) throw e;
              expect({ code: e.code, message: e.message }, `${what}: refused, and it should not be`).to.deep.equal(
                refusal,
              );
              refused++;
              continue;
            }
            expect(refusal, `${what}: traced, and it should be refused`).to.equal(undefined);
            traced++;
            const sum = trace.branches.reduce((a, b) => a + b.probability, 0);
            expect(sum, what).to.be.closeTo(1, 1e-9);
            for (const b of trace.branches) {
              expect(DISPOSITIONS.has(b.disposition), b.disposition).to.equal(true);
              if (b.reply) expect(DISPOSITIONS.has(b.reply.disposition)).to.equal(true);
            }
            const json = JSON.stringify(trace);
            expectSchemaValid("trace", JSON.parse(json), what);
            expect(
              JSON.stringify(again.trace({ ...q, proto, size })),
              `${what}: a second load traces the same`,
            ).to.equal(json);
          }
        },
      ),
      20261123,
      40,
    );
    // Both sides of the line were drawn: requests traced, and requests refused for the one reason.
    expect(traced).to.be.greaterThan(500);
    expect(refused).to.be.greaterThan(10);
  });
});

describe("properties of damaged input", () => {
  const valid = yamlOf({
    nodes: 2,
    style: "kilo",
    mtu: 1420,
    pods: [
      { node: 0, ports: [80], app: 0, ready: true },
      { node: 1, ports: [8080, 9000], app: 1, ready: true },
    ],
    services: [{ app: 0, type: "NodePort", port: 80, protocol: "TCP", etp: "Local", target: 80 }],
  });
  const lines = valid.split("\n");

  const mutation = fc.oneof(
    fc.record({
      kind: fc.constant("delete" as const),
      at: fc.nat(valid.length - 1),
      len: fc.integer({ min: 1, max: 12 }),
    }),
    fc.record({
      kind: fc.constant("insert" as const),
      at: fc.nat(valid.length - 1),
      text: fc.constantFrom(
        ":",
        "- ",
        "{",
        "}",
        "[",
        '"',
        "'",
        "&a ",
        "*a",
        "\t",
        "!!binary ",
        "\n  ",
        "null",
        "-1",
        "999999",
        "x: y\n",
        "%YAML 1.1\n",
      ),
    }),
    fc.record({ kind: fc.constant("swap" as const), a: fc.nat(lines.length - 1), b: fc.nat(lines.length - 1) }),
    fc.record({ kind: fc.constant("duplicate" as const), line: fc.nat(lines.length - 1) }),
  );

  type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

  function apply(m: Mutation): string {
    if (m.kind === "delete") return valid.slice(0, m.at) + valid.slice(m.at + m.len);
    if (m.kind === "insert") return valid.slice(0, m.at) + m.text + valid.slice(m.at);
    const ls = [...lines];
    if (m.kind === "swap") [ls[m.a], ls[m.b]] = [ls[m.b]!, ls[m.a]!];
    else ls.splice(m.line, 0, ls[m.line]!);
    return ls.join("\n");
  }

  it("loads or gives positioned errors (line and column inside the text), never another exception", () => {
    checkProperty(
      fc.property(mutation, (m) => {
        const text = apply(m);
        try {
          loadTopologySync(text);
        } catch (e) {
          expect(e, String((e as Error)?.stack)).to.be.instanceOf(InputError);
          const lineCount = text.split("\n").length;
          for (const p of (e as InputError).diagnostics) {
            const at = p.source as { line: number; col: number };
            expect(p.severity, p.message).to.equal("error");
            expect(at.line, p.message).to.be.within(1, lineCount + 1);
            expect(at.col, p.message).to.be.at.least(1);
            expect(p.message.length).to.be.greaterThan(5);
          }
        }
      }),
      42,
      400,
    );
  });
});
