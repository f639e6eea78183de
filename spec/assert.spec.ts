// The chai plugin: each assertion passes on a true statement about the default topology, and a wrong
// expectation fails with a message that says what was expected, what each failing branch did, and
// the failing branch's trace.
import * as chai from "chai";
import { expect } from "chai";
import { AssertionInputError, loadTopologySync, type Topology, type Trace } from "../lib/index.ts";
import { kubehopChai } from "../lib/chai.ts";
import { traceJson } from "../lib/output/trace-json.ts";

chai.use(kubehopChai);

let cluster: Topology;
let cart: Trace;
let webToDb: Trace;
let nodeToApi: Trace;
let noLocal: Trace;
let vip: Trace;

/** The assertion throws a chai AssertionError whose message matches every pattern. */
function failsWith(run: () => unknown, ...patterns: (string | RegExp)[]): string {
  let message: string | undefined;
  try {
    run();
  } catch (e) {
    expect(e).to.be.instanceOf(chai.AssertionError);
    message = (e as Error).message;
  }
  expect(message, "the assertion should have failed").to.be.a("string");
  for (const p of patterns) {
    if (typeof p === "string") expect(message).to.include(p);
    else expect(message).to.match(p);
  }
  return message!;
}

describe("chai plugin: kubehopChai", () => {
  before(() => {
    cluster = loadTopologySync("topologies/default.yaml");
    cart = cluster.curl("https://shop.example.com/api/cart");
    webToDb = cluster.trace({ from: "pod/shop/web-pwxfdbx72d-7ql9d", to: "pod/shop/db-0:5432" });
    nodeToApi = cluster.trace({ from: "node/node-1", to: "svc/shop/api" });
    noLocal = cluster.trace({ from: "client/client", to: "192.168.10.11:30443" });
    vip = cluster.trace({ from: "client/client", to: "203.0.113.10:443" });
  });

  describe("delivered", () => {
    it("passes when every branch (and its reply) succeeds", () => {
      expect(cart).to.be.delivered;
      expect(noLocal).to.not.be.delivered;
    });
    it("a wrong expectation names the branch's disposition and shows its trace", () => {
      failsWith(
        () => expect(noLocal).to.be.delivered,
        "expected every branch to be delivered (client/client -> 192.168.10.11:30443), but 1 of the 1 do not:",
        "branch 1 of 1 (probability 1): NO_LOCAL_ENDPOINTS at node-1",
        "branch 1 of 1  probability 1  NO_LOCAL_ENDPOINTS",
        "trace client/client -> 192.168.10.11:30443",
      );
    });
  });

  describe("reach(target)", () => {
    it("takes a Service (any endpoint), a workload's pods, one pod, ns/name, ip:port and node", () => {
      expect(cart).to.reach("svc/shop/cart");
      expect(cart).to.reach("pod/shop/cart");
      expect(webToDb)
        .to.reach("pod/shop/db-0")
        .and.reach("shop/db-0")
        .and.reach("10.244.2.4:5432")
        .and.reach("10.244.2.4");
      expect(cluster.trace({ from: "pod/shop/db-1", to: "node/node-2:22" })).to.reach("node/node-2");
      expect(cart).to.not.reach("svc/shop/api");
    });
    it("a wrong expectation lists where each branch went and shows the trace", () => {
      failsWith(
        () => expect(cart).to.reach("svc/shop/api"),
        "expected every branch to reach svc/shop/api (client/client -> https://shop.example.com/api/cart), but 4 of the 4 do not:",
        "branch 1 of 4 (probability 0.25): delivered to pod/shop/cart-hbbsh2xmmq-82nqc (10.244.1.4:9100), not an endpoint of Service shop/api",
        "branch 1 of 4  probability 0.25  HTTP_RESPONSE: HTTP 200 from pod shop/cart-hbbsh2xmmq-82nqc",
      );
      failsWith(
        () => expect(webToDb).to.reach("10.244.2.4:80"),
        "reach 10.244.2.4:80",
        "delivered to pod/shop/db-0 (10.244.2.4:5432)",
      );
      failsWith(
        () => expect(noLocal).to.reach("pod/ingress-nginx/ingress-nginx-controller"),
        "not delivered: NO_LOCAL_ENDPOINTS at node-1",
      );
    });
    it("a malformed target or an unknown Service is an input error, not a failed assertion", () => {
      expect(() => expect(cart).to.reach("cart")).to.throw(
        AssertionInputError,
        /give the namespace too; expected pod\/NS\/NAME/,
      );
      expect(() => expect(cart).to.reach("svc/shop/nope")).to.throw(
        AssertionInputError,
        /no Service shop\/nope; Services: .*shop\/api/,
      );
      expect(() => expect(cart).to.reach("svc/shop/cart:80")).to.throw(AssertionInputError, /leave out the port/);
    });
    it("a trace read back from JSON has no cluster: a Service target says so", () => {
      const plain = JSON.parse(JSON.stringify(cart)) as Trace;
      expect(plain).to.reach("pod/shop/cart");
      expect(() => expect(plain).to.reach("svc/shop/cart")).to.throw(
        AssertionInputError,
        /trace with kubehop's loadTopology/,
      );
    });
  });

  describe("dropped(disposition?)", () => {
    it("passes for a failed branch, with or without its disposition", () => {
      expect(noLocal).to.be.dropped();
      expect(noLocal).to.be.dropped("NO_LOCAL_ENDPOINTS");
      expect(noLocal).to.not.be.dropped("NO_ROUTE");
      expect(cart).to.not.be.dropped();
    });
    it("a wrong expectation shows how the branch really ended", () => {
      failsWith(
        () => expect(noLocal).to.be.dropped("NO_ROUTE"),
        "expected every branch to be dropped with NO_ROUTE",
        "NO_LOCAL_ENDPOINTS at node-1: INPUT: DROP by KUBE-EXTERNAL-SERVICES rule 4",
      );
      failsWith(
        () => expect(cart).to.be.dropped(),
        "expected every branch to be dropped",
        "HTTP_RESPONSE at pod/shop/cart-hbbsh2xmmq-82nqc (HTTP 200)",
      );
    });
    it("an unknown disposition is an input error", () => {
      expect(() => expect(noLocal).to.be.dropped("NOPE" as never)).to.throw(
        AssertionInputError,
        /not a failure disposition; expected one of NO_ROUTE/,
      );
    });
  });

  describe("status(code)", () => {
    it("checks the HTTP status the client got", () => {
      expect(cart).to.have.status(200);
      expect(cluster.curl("http://admin.example.com/other")).to.have.status(404);
      expect(cluster.curl("http://shop.example.com/api")).to.have.status(308);
    });
    it("a wrong expectation shows the status and who answered", () => {
      failsWith(
        () => expect(cart).to.have.status(404),
        "expected every branch to be answered HTTP 404",
        "HTTP 200 from pod shop/cart-hbbsh2xmmq-82nqc (HTTP_RESPONSE)",
      );
      failsWith(() => expect(webToDb).to.have.status(200), "no HTTP answer: DELIVERED at pod/shop/db-0");
    });
  });

  describe("through(location) and .not.through", () => {
    it("matches a hop exactly or by prefix, on the request and the reply", () => {
      expect(webToDb).through("node-1/wg0").and.through("node-3").and.through("node/node-3").and.through("underlay");
      expect(vip).to.not.through("node-1");
      expect(cart).through("pod/ingress-nginx/ingress-nginx-controller");
    });
    it("a wrong expectation lists the hops of the offending branch", () => {
      failsWith(
        () => expect(webToDb).through("node-2"),
        "expected every branch to pass through node-2",
        "passes through pod/shop/web-pwxfdbx72d-7ql9d, node-1/veth8363e1fe, node-1/bridge0, node-1, node-1/wg0",
      );
      failsWith(
        () => expect(cart).to.not.through("node-3"),
        "expected every branch to not pass through node-3 (client/client -> https://shop.example.com/api/cart), but 2 of the 4 do not:",
        "branch 3 of 4 (probability 0.25): passes through node-3/eth0, node-3, node-3/bridge0",
        "branch 3 of 4  probability 0.25",
      );
    });
  });

  describe("sourceIP(ip)", () => {
    it("is the source of the packet the destination received", () => {
      expect(webToDb).to.have.sourceIP("10.244.0.2");
      expect(vip).to.have.sourceIP("198.51.100.10");
    });
    it("for curl it is what the backend pod saw: the ingress controller's pod IP", () => {
      expect(cart).to.not.have.sourceIP("198.51.100.10");
      failsWith(
        () => expect(cart).to.have.sourceIP("198.51.100.10"),
        "expected every branch to arrive with source IP 198.51.100.10",
        "pod/shop/cart-hbbsh2xmmq-82nqc sees source 10.244.1.5",
      );
    });
    it("a masqueraded source shows the address that arrived", () => {
      failsWith(
        () => expect(nodeToApi).to.have.sourceIP("192.168.10.11"),
        "pod/shop/api-rndpbnfwlh-kp58t sees source 10.244.0.1",
      );
    });
  });

  describe("masqueraded", () => {
    it("is a masquerade or SNAT step on the request path", () => {
      expect(nodeToApi).to.be.masqueraded;
      expect(cart).to.not.be.masqueraded;
      expect(webToDb).to.not.be.masqueraded;
    });
    it("a wrong expectation names the rule that rewrote the source", () => {
      failsWith(
        () => expect(nodeToApi).to.not.be.masqueraded,
        "expected every branch to keep its source address (no masquerade or SNAT)",
        "node-1: MASQUERADE nat POSTROUTING > KUBE-POSTROUTING",
      );
      failsWith(
        () => expect(webToDb).to.be.masqueraded,
        "expected every branch to be masqueraded (or SNATed)",
        "no masquerade or SNAT on the request path",
      );
    });
  });

  describe("ingressRule(...)", () => {
    it("matches the Ingress, and optionally host, path, pathType and backend Service", () => {
      expect(cart).to.have.ingressRule("shop/shop");
      expect(cart).to.have.ingressRule("shop/shop", {
        host: "shop.example.com",
        path: "/api/cart",
        pathType: "Prefix",
        service: "cart",
      });
      expect(cart).to.have.ingressRule({ path: "/api/cart" });
      expect(cart).to.not.have.ingressRule("shop/shop", { path: "/api" });
    });
    it("a wrong expectation shows the rule that did match", () => {
      failsWith(
        () => expect(cart).to.have.ingressRule("shop/shop", { path: "/api" }),
        "expected every branch to match Ingress rule shop/shop path /api",
        "matched Ingress rule shop/shop host shop.example.com path /api/cart (Prefix) -> cart",
      );
      failsWith(
        () => expect(cluster.curl("http://admin.example.com/other")).to.have.ingressRule("shop/admin"),
        "HTTP 404 without an Ingress rule",
      );
      failsWith(
        () => expect(webToDb).to.have.ingressRule("shop/shop"),
        "no Ingress rule answered: DELIVERED at pod/shop/db-0",
      );
    });
  });

  describe("branch scope: every branch, .someBranch, .probability(p)", () => {
    it(".someBranch needs one branch; .everyBranch is the default", () => {
      expect(cart).someBranch.to.reach("pod/shop/cart-hbbsh2xmmq-klq2m");
      expect(cart).everyBranch.to.reach("svc/shop/cart");
      failsWith(
        () => expect(cart).to.reach("pod/shop/cart-hbbsh2xmmq-klq2m"),
        "expected every branch to reach pod/shop/cart-hbbsh2xmmq-klq2m",
        "2 of the 4 do not",
      );
    });
    it(".someBranch failing lists every branch and what it did", () => {
      failsWith(
        () => expect(cart).someBranch.to.reach("svc/shop/web"),
        "expected some branch to reach svc/shop/web (client/client -> https://shop.example.com/api/cart), but none of the 4 does:",
        "branch 4 of 4 (probability 0.25): delivered to pod/shop/cart-hbbsh2xmmq-klq2m",
      );
    });
    it("chained assertions are tested together per branch", () => {
      // Some branch reaches cart pod 82nqc, and some branch crosses node-3, but only branch 3 does both.
      expect(cart).someBranch.to.reach("pod/shop/cart-hbbsh2xmmq-82nqc").and.through("node-3/wg0");
      // Weighing a chain: probability(p) at its end.
      expect(cart).someBranch.to.reach("pod/shop/cart-hbbsh2xmmq-82nqc").and.through("node-3/wg0").probability(0.25);
      expect(cart).someBranch.to.be.delivered.and.not.through("node-3").probability(0.5);
      failsWith(
        () =>
          expect(cart).someBranch.to.reach("pod/shop/cart-hbbsh2xmmq-82nqc").and.through("node-3/wg0").probability(0.5),
        "expected branches to reach pod/shop/cart-hbbsh2xmmq-82nqc and pass through node-3/wg0 with total probability 0.5",
        "but those that do have 0.25",
      );
      // Each half holds for some branch, the two together for none.
      expect(cart).someBranch.to.reach("pod/shop/cart-hbbsh2xmmq-82nqc");
      expect(cart).someBranch.through("node-1");
      failsWith(
        () => expect(cart).someBranch.to.reach("pod/shop/cart-hbbsh2xmmq-82nqc").and.through("node-1"),
        "expected some branch to reach pod/shop/cart-hbbsh2xmmq-82nqc and pass through node-1",
        "none of the 4 does",
      );
    });
    it(".probability(p): the branches satisfying the chain add up to p", () => {
      expect(cart).probability(0.75).through("node-2/eth0");
      expect(cart).probability(0.5).not.through("node-3");
      expect(vip).probability(0.5).to.reach("pod/ingress-nginx/ingress-nginx-controller-svqqshm2zs-x5j98");
      expect(cart).probability(0).to.reach("svc/shop/api");
      expect(cart).probability(1).to.be.delivered;
    });
    it("a wrong probability shows the sum and which branches did and did not satisfy it", () => {
      failsWith(
        () => expect(cart).probability(0.5).through("node-2/eth0"),
        "expected branches to pass through node-2/eth0 with total probability 0.5 (client/client -> https://shop.example.com/api/cart), but those that do have 0.75; satisfied by:",
        "not by:\n  branch 4 of 4 (probability 0.25): passes through client/client",
      );
      expect(() => expect(cart).probability(2)).to.throw(TypeError, /expected a number 0-1/);
    });
  });

  it("a custom message is kept in front", () => {
    failsWith(
      () => expect(cart, "cart via ingress").to.reach("svc/shop/api"),
      /^cart via ingress: expected every branch to reach svc\/shop\/api/,
    );
  });

  it("refuses what is not a trace", () => {
    failsWith(
      () => expect({ nope: 1 }).to.be.delivered,
      "expected a kubehop trace (from cluster.trace() or cluster.curl())",
    );
  });

  it("cluster.trace() and cluster.curl() return the --json data", () => {
    const json = JSON.parse(JSON.stringify(cart));
    expect(json).to.deep.equal(cart);
    expect(cart.branches[0]!.http).to.include({
      status: 200,
      ingress: "shop/shop",
      path: "/api/cart",
      pod: "shop/cart-hbbsh2xmmq-82nqc",
      clientIP: "198.51.100.10",
    });
    expect(traceJson).to.be.a("function");
  });
});
