// Traces through kube-proxy's rules on every node: the chains and rules each case passes.
import { expect } from "chai";
import { loadTopologySync, type Topology } from "../lib/topology.ts";
import { RequestError } from "../lib/trace/errors.ts";
import type { Branch, Step, Trace } from "../lib/trace/types.ts";
import { runCli } from "./support/cli.ts";

let topo: Topology;
/** Loaded once, by the first suite that runs (each top-level suite's before hook asks for it). */
function loadTopology(): void {
  topo ??= loadTopologySync("spec/fixtures/topologies/services.yaml");
}
const steps = (b: Branch | NonNullable<Branch["reply"]>) =>
  b.hops.flatMap((h) => h.steps.map((s) => ({ ...s, at: h.location })));
const ofType = (b: Branch, type: Step["type"]) => steps(b).filter((s) => s.type === type);
const chainPath = (s: Step) => /^\w+ (.*?): /.exec(s.reason)?.[1];
const sum = (t: Trace) => t.branches.reduce((a, b) => a + b.probability, 0);

describe("pod -> ClusterIP", () => {
  let t: Trace;
  before(() => {
    loadTopology();
    t = topo.trace({ from: "pod/client-pod", to: "svc/web" });
  });

  it("splits into one branch per endpoint with kube-proxy's statistic probabilities", () => {
    expect(t.branches.map((b) => b.reason)).to.deep.equal([
      "delivered to pod default/web-a on 8080/TCP",
      "delivered to pod default/web-b on 8080/TCP",
      "delivered to pod default/web-c on 8080/TCP",
    ]);
    expect(t.branches[0]!.probability).to.be.closeTo(1 / 3, 1e-9);
    expect(sum(t)).to.be.closeTo(1, 1e-9);
    expect(t.branches[0]!.choices[0]).to.match(
      /^KUBE-SVC-CDGGSHYLG3RE2FKL #2 statistic random 0\.33333333349 matched$/,
    );
  });

  it("DNATs on the client's node in nat PREROUTING, naming table, chain path, rule number and text", () => {
    const dnat = ofType(t.branches[2]!, "dnat");
    expect(dnat).to.have.length(1);
    expect(dnat[0]!.at).to.equal("node-2");
    expect(chainPath(dnat[0]!)).to.equal(
      "PREROUTING > KUBE-SERVICES > KUBE-SVC-CDGGSHYLG3RE2FKL > KUBE-SEP-UIQK3OSOSTRHRPBX",
    );
    expect(dnat[0]!.reason).to.match(/DNAT to 10\.244\.1\.2:8080 \(rule 2\)$/);
    expect(dnat[0]!.rule).to.equal(
      '-A KUBE-SEP-UIQK3OSOSTRHRPBX -p tcp -m comment --comment "default/web:http" -m tcp -j DNAT --to-destination 10.244.1.2:8080',
    );
    // .1 is default/kubernetes', .10 kube-dns': the first Service allocated gets .11.
    expect(dnat[0]!.before).to.include({ dst: "10.96.0.11:80" });
    expect(dnat[0]!.after).to.include({ dst: "10.244.1.2:8080" });
  });

  it("carries pod-to-pod addresses over wg0 to an endpoint on another node, with no masquerade", () => {
    const b = t.branches[0]!;
    const enc = ofType(b, "encapsulate")[0]!;
    expect(enc.at).to.equal("node-2/wg0");
    expect(enc.before).to.include({ src: "10.244.1.3:40000", dst: "10.244.0.2:8080" });
    expect(ofType(b, "masquerade")).to.have.length(0);
  });

  it("un-NATs the reply so the client sees the ClusterIP: in the node stack, or through br_netfilter on the same bridge", () => {
    const remote = t.branches[0]!.reply!;
    expect(remote.disposition).to.equal("DELIVERED");
    const unNat = steps(remote).filter((s) => s.type === "conntrack");
    expect(unNat.map((s) => s.at)).to.deep.equal(["node-2"]);
    expect(unNat[0]!.after).to.include({ src: "10.96.0.11:80" });
    const local = steps(t.branches[2]!.reply!).filter((s) => s.type === "conntrack");
    expect(local.map((s) => s.at)).to.deep.equal(["node-2/bridge0"]);
  });
});

describe("hairpin: a pod reaching itself through its Service", () => {
  let b: Branch;
  before(() => {
    loadTopology();
    b = topo.trace({ from: "pod/solo", to: "svc/solo" }).branches[0]!;
  });
  it("marks for masquerade in its KUBE-SEP chain, masquerades to bridge0's address and hairpins on the bridge", () => {
    expect(b.disposition).to.equal("DELIVERED");
    const mark = ofType(b, "mark")[0]!;
    expect(chainPath(mark)).to.equal(
      "PREROUTING > KUBE-SERVICES > KUBE-SVC-XVJHHMIFZ6BOUBWS > KUBE-SEP-4LO3GHBBZMVJ2FZI > KUBE-MARK-MASQ",
    );
    const masq = ofType(b, "masquerade")[0]!;
    expect(masq.rule).to.equal(
      '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
    );
    expect(masq.after).to.include({ src: "10.244.0.1:40000", dst: "10.244.0.4:7000" });
    expect(steps(b).map((s) => s.action)).to.include("HAIRPIN");
    expect(b.reply!.disposition).to.equal("DELIVERED");
  });
});

describe("node -> ClusterIP", () => {
  before(loadTopology);

  it("DNATs in nat OUTPUT and masquerades a source outside the cluster CIDR", () => {
    const b = topo.trace({ from: "node/node-1", to: "svc/web" }).branches[2]!;
    expect(chainPath(ofType(b, "dnat")[0]!)).to.equal(
      "OUTPUT > KUBE-SERVICES > KUBE-SVC-CDGGSHYLG3RE2FKL > KUBE-SEP-UIQK3OSOSTRHRPBX",
    );
    expect(chainPath(ofType(b, "mark")[0]!)).to.equal(
      "OUTPUT > KUBE-SERVICES > KUBE-SVC-CDGGSHYLG3RE2FKL > KUBE-MARK-MASQ",
    );
    expect(ofType(b, "mark")[0]!.rule).to.equal("-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000");
    expect(ofType(b, "masquerade")).to.have.length(1);
    expect(b.reply!.disposition).to.equal("DELIVERED");
  });
});

describe("client -> NodePort", () => {
  before(loadTopology);

  it("externalTrafficPolicy Cluster: masqueraded to the node, so the client IP is lost", () => {
    const t = topo.trace({ from: "client/client", to: "node/node-2:30080" });
    expect(t.branches).to.have.length(3);
    for (const b of t.branches) {
      expect(b.disposition).to.equal("DELIVERED");
      expect(chainPath(ofType(b, "dnat")[0]!)).to.match(
        /^PREROUTING > KUBE-SERVICES > KUBE-NODEPORTS > KUBE-EXT-2262UYG6EQJDKK3I > KUBE-SVC-2262UYG6EQJDKK3I > KUBE-SEP-/,
      );
      const seen = b.hops.at(-1)!.steps.at(-1)!.before!;
      expect(seen.src).to.not.match(/^198\.51\.100\.10:/);
      expect(b.reply!.disposition).to.equal("DELIVERED");
    }
  });

  it("externalTrafficPolicy Local: the client IP is kept on a node with a local endpoint", () => {
    const b = topo.trace({ from: "client/client", to: "node/node-1:30700" }).branches[0]!;
    expect(b.disposition).to.equal("DELIVERED");
    expect(chainPath(ofType(b, "dnat")[0]!)).to.match(
      /KUBE-EXT-W6DWRVOIQKRHXDQP > KUBE-SVL-W6DWRVOIQKRHXDQP > KUBE-SEP-/,
    );
    expect(ofType(b, "masquerade")).to.have.length(0);
    expect(b.hops.at(-1)!.steps.at(-1)!.before).to.include({ src: "198.51.100.10:40000" });
  });

  it("externalTrafficPolicy Local: dropped on a node without one", () => {
    const b = topo.trace({ from: "client/client", to: "node/node-2:30700" }).branches[0]!;
    expect(b.disposition).to.equal("NO_LOCAL_ENDPOINTS");
    expect(b.rule).to.equal(
      '-A KUBE-EXTERNAL-SERVICES -p tcp -m comment --comment "default/web-local has no local endpoints" -m addrtype --dst-type LOCAL -m tcp --dport 30700 -j DROP',
    );
    expect(b.hops.at(-1)!.location).to.equal("node-2");
  });
});

describe("LoadBalancer IP with loadBalancerSourceRanges", () => {
  before(loadTopology);

  it("accepts a source inside the ranges through KUBE-FW", () => {
    const t = topo.trace({ from: "node/node-1:eth0", src: "203.0.113.50", to: "203.0.113.10:443" });
    expect(t.branches.map((b) => b.disposition)).to.deep.equal(["DELIVERED", "DELIVERED", "DELIVERED"]);
    expect(chainPath(ofType(t.branches[0]!, "dnat")[0]!)).to.match(
      /^PREROUTING > KUBE-SERVICES > KUBE-FW-JR7PZPMGEHYLHTEW > KUBE-EXT-JR7PZPMGEHYLHTEW > KUBE-SVC-/,
    );
  });

  it("drops a source outside them in filter KUBE-PROXY-FIREWALL", () => {
    const b = topo.trace({ from: "node/node-1:eth0", src: "198.51.100.10", to: "203.0.113.10:443" }).branches[0]!;
    expect(b.disposition).to.equal("DROPPED");
    expect(b.rule).to.contain("-A KUBE-PROXY-FIREWALL -d 203.0.113.10/32 -p tcp");
    expect(b.rule).to.contain("-j DROP");
  });
});

describe("no endpoints, terminating endpoints, session affinity", () => {
  before(loadTopology);

  it("a Service without endpoints is REJECTed in filter KUBE-SERVICES: NO_ENDPOINTS", () => {
    const b = topo.trace({ from: "pod/client-pod", to: "svc/empty" }).branches[0]!;
    expect(b.disposition).to.equal("NO_ENDPOINTS");
    expect(b.reason).to.equal(
      "FORWARD: REJECT with icmp-port-unreachable by KUBE-SERVICES rule 1: Service default/empty port 80 has no ready endpoint: its selector app=nothing matches no pod",
    );
    expect(b.rule).to.match(/--comment "default\/empty has no endpoints"/);
  });

  it("falls back to serving terminating endpoints when none is ready", () => {
    const b = topo.trace({ from: "pod/client-pod", to: "svc/draining" }).branches[0]!;
    expect(b.disposition).to.equal("DELIVERED");
    expect(b.reason).to.equal("delivered to pod default/old on 8080/TCP");
  });

  it("ClientIP affinity: a session's second connection goes to the endpoint its first one took", () => {
    const session = topo.session();
    const first = session.trace({ from: "pod/client-pod", to: "svc/sticky" }, 2);
    expect(first.branches).to.have.length(3);
    expect(
      steps(first.branches[1]!).some((s) => s.action === "AFFINITY" && /recent KUBE-SEP-\w+ --set/.test(s.reason)),
    ).to.equal(true);
    const second = session.trace({ from: "pod/client-pod", to: "svc/sticky" });
    expect(second.branches).to.have.length(1);
    expect(second.branches[0]!.reason).to.equal(first.branches[1]!.reason);
    expect(topo.trace({ from: "pod/client-pod", to: "svc/sticky" }).branches, "a new session forgets").to.have.length(
      3,
    );
  });
});

describe("svc/NAME takes the Service's port of the request's protocol", () => {
  let cluster: Topology;
  before(() => {
    cluster = loadTopologySync("topologies/default.yaml");
  });

  it("UDP to a Service whose only port is TCP is refused: it has no UDP port, and its ports are listed", () => {
    for (const to of ["svc/shop/api", "svc/shop/api:80", "svc/shop/api:http"]) {
      const refused = catchRequestError(() => cluster.trace({ from: "pod/shop/db-0", to, proto: "udp" }));
      expect(refused, to).to.deep.equal({
        code: "SERVICE_NO_PORT_FOR_PROTOCOL",
        message: "Service shop/api has no UDP port; ports: http 80/TCP",
      });
    }
  });

  it("the one UDP port of a Service with TCP ports too is taken without :PORT; TCP must still choose among its TCP ports", () => {
    const dns = cluster.trace({ from: "pod/shop/db-0", to: "svc/kube-system/kube-dns", proto: "udp" });
    expect(dns.request).to.include({ proto: "udp", dport: 53 });
    expect(dns.branches.map((b) => b.disposition)).to.include("DELIVERED");
    expect(
      catchRequestError(() => cluster.trace({ from: "pod/shop/db-0", to: "svc/kube-system/kube-dns" })),
    ).to.deep.equal({
      code: "SERVICE_PORT_AMBIGUOUS",
      message:
        "Service kube-system/kube-dns has several ports (dns 53/UDP, dns-tcp 53/TCP, metrics 9153/TCP); add :PORT",
    });
  });

  it("kubehop trace prints the refusal and exits 2", async () => {
    const r = await runCli([
      "trace",
      "-f",
      "topologies/default.yaml",
      "--from",
      "pod/shop/db-0",
      "--to",
      "svc/shop/api",
      "--proto",
      "udp",
    ]);
    expect(r).to.deep.equal({
      code: 2,
      stdout: "",
      stderr: "kubehop trace: Service shop/api has no UDP port; ports: http 80/TCP\n",
    });
  });
});

function catchRequestError(f: () => unknown): { code: string | undefined; message: string } | undefined {
  try {
    f();
  } catch (e) {
    if (!(e instanceof RequestError)) throw e;
    return { code: e.code, message: e.message };
  }
  return undefined;
}
