// The text a person reads: one line per hop that fits the terminal, every step behind verbose, the
// many-branch answer that says how to see the rest, colour only when asked, user strings escaped.
import { expect } from "chai";
import { stepChangesText } from "../lib/output/header-change.ts";
import { traceText, type TraceTextOptions } from "../lib/output/trace-text.ts";
import { visibleWidth } from "../lib/output/terminal.ts";
import { loadTopologySync, type Topology } from "../lib/topology.ts";
import type { Trace } from "../lib/trace/types.ts";

let topo: Topology;
/** web on node-1 to db-0 on node-3: through both bridges, both wg0s and the underlay. */
let crossNode: Trace;
/** curl through the LB, node-2's NodePort, the ingress controller and on to a cart pod. */
let cart: Trace;
let wgNoPeer: Trace;

const text = (t: Trace, show: number[], options: TraceTextOptions = {}) => traceText(t, show, options);
const lines = (s: string) => s.trimEnd().split("\n");
/** Hop lines of the default form: a right-aligned number, two spaces, a location. */
const hopLines = (s: string) => lines(s).filter((l) => /^[ \d]{3} {2}\S/.test(l));
/** Text without any whitespace, so a fact wrapped over several lines is still found whole. */
const squeezed = (s: string) => s.replace(/\s+/g, "");

describe("trace text", () => {
  before(() => {
    topo = loadTopologySync("topologies/default.yaml");
    crossNode = topo.trace({ from: "pod/shop/web-pwxfdbx72d-7ql9d", to: "pod/shop/db-0:5432" });
    cart = topo.curl("https://shop.example.com/api/cart");
    wgNoPeer = topo.trace({ from: "pod/shop/db-1", to: "10.244.9.9:80" });
  });

  describe("fits the width", () => {
    for (const columns of [60, 100, 160]) {
      for (const [name, trace] of [
        ["a cross-node trace", () => crossNode],
        ["a curl through ingress", () => cart],
      ] as const) {
        it(`${name} at ${columns} columns, default, verbose and in colour`, () => {
          const t = trace();
          for (const options of [{}, { verbose: true }, { color: true }, { verbose: true, color: true }]) {
            const out = text(t, [1], { columns, picked: true, ...options });
            for (const l of lines(out))
              expect(visibleWidth(l), `${JSON.stringify(options)}: ${l}`).to.be.at.most(columns);
          }
        });
      }
    }

    it("a terminal narrower than 40 columns gets 40-column lines rather than unreadable ones", () => {
      const out = text(cart, [1], { columns: 10, picked: true });
      expect(Math.max(...lines(out).map(visibleWidth))).to.equal(40);
    });

    it("cuts with an ellipsis and never wraps a hop line: one line per hop, request and reply", () => {
      const b = crossNode.branches[0]!;
      const out = text(crossNode, [1], { columns: 60, picked: true });
      expect(hopLines(out)).to.have.length(b.hops.length + b.reply!.hops.length);
      expect(out).to.include("…");
    });

    it("widens to show more at 160 columns than at 60", () => {
      const narrow = hopLines(text(cart, [1], { columns: 60, picked: true }));
      const wide = hopLines(text(cart, [1], { columns: 160, picked: true }));
      expect(wide.length).to.equal(narrow.length);
      expect(wide.join("").length).to.be.greaterThan(narrow.join("").length);
      expect(wide.join("\n")).to.include("pod/ingress-nginx/ingress-nginx-controller-svqqshm2zs-x5j98");
    });

    it("keeps a long location's distinctive end when it must cut it", () => {
      const out = text(cart, [1], { columns: 80, picked: true });
      const ingress = hopLines(out).find((l) => l.includes("HTTP_ROUTE"))!;
      expect(ingress).to.match(/pod\/ingress-\S*…\S*svqqshm2zs-x5j98 /);
    });
  });

  describe("one line per hop", () => {
    let out: string;
    before(() => {
      out = text(cart, [1], { columns: 160, picked: true });
    });

    it("shows the hop's deciding step, how many more steps it had, and what it changed in the headers", () => {
      const edge = hopLines(out).find((l) => l.includes("lb/edge"))!;
      expect(edge).to.match(
        /lb\/edge +NAT \+3 +dst 203\.0\.113\.10->192\.168\.10\.12:30443 {2}round-robin picks node-2/,
      );
      const node2 = hopLines(out).find((l) => /^ {2}6 {2}node-2 /.test(l))!;
      expect(node2).to.match(/DNAT \+3 +dst 192\.168\.10\.12->10\.244\.1\.5:443 {2}nat PREROUTING > KUBE-SERVICES/);
    });

    it("at the ingress controller: the matched route, and the new connection it opens", () => {
      const ingress = hopLines(out).find((l) => l.includes("HTTP_ROUTE"))!;
      expect(ingress).to.include("HTTP_ROUTE +4").and.include("new 10.244.1.5:41000->10.244.1.4:9100");
    });

    it("keeps the proxy's two connections and the reply path", () => {
      expect(lines(out).filter((l) => l.includes("-- connection"))).to.deep.equal([
        "     -- connection 1 --",
        "     -- connection 2 --",
        "     -- connection 2 --",
        "     -- connection 1 --",
      ]);
      expect(out).to.include("  reply  DELIVERED: reply delivered to client client");
      expect(hopLines(out).find((l) => /^ {2}9 {2}node-2 /.test(l))).to.match(
        /UN-NAT \+4 +src 10\.244\.1\.5->192\.168\.10\.12:30443/,
      );
    });

    it("over WireGuard: the peer choice speaks for wg0, with the tunnel's outer header", () => {
      const wg = hopLines(text(crossNode, [1], { columns: 160, picked: true })).filter((l) => /wg0 /.test(l));
      expect(wg[0]).to.match(
        /node-1\/wg0 +ENCRYPTED \+1 +encap udp 192\.168\.10\.11->192\.168\.10\.13:51820 {2}peer chosen by longest match/,
      );
      expect(wg[1]).to.match(
        /node-3\/wg0 +DECRYPTED \+2 +decap tcp 10\.244\.0\.2->10\.244\.2\.4:5432 {2}authenticated as peer node-1/,
      );
    });

    it("a failed branch shows the step that failed it, not what followed", () => {
      const last = hopLines(text(wgNoPeer, [1], { columns: 100 })).at(-1)!;
      expect(last).to.match(
        /node-1\/wg0 +NO_PEER \+1 +no peer of node-1's wg0 has AllowedIPs containing 10\.244\.9\.9/,
      );
    });
  });

  describe("verbose", () => {
    it("shows every step's reason, rule and header diff, wrapped rather than cut", () => {
      const b = cart.branches[0]!;
      for (const columns of [60, 100]) {
        const out = squeezed(text(cart, [1], { columns, verbose: true, picked: true }));
        for (const s of [...b.hops, ...b.reply!.hops].flatMap((h) => h.steps)) {
          expect(out).to.include(squeezed(s.reason));
          if (s.rule) expect(out).to.include(squeezed(`[${s.rule}]`));
          if (s.changes) expect(out).to.include(squeezed(`{${stepChangesText(s)}}`));
        }
        expect(out).to.not.include("…");
      }
    });

    it("prints the rule text whole when the line is wide enough", () => {
      const out = text(cart, [1], { columns: 400, verbose: true, picked: true });
      expect(out).to.include(
        '[-A KUBE-SEP-3YF47NPW5TSIDHZ5 -p tcp -m comment --comment "ingress-nginx/ingress-nginx-controller:https" -m tcp -j DNAT --to-destination 10.244.1.5:443]',
      );
    });

    it("columns: Infinity, for logs and reports: nothing cut or wrapped, one line per step", () => {
      const b = wgNoPeer.branches[0]!;
      const out = text(wgNoPeer, [1], { columns: Infinity, verbose: true });
      expect(out).to.not.include("…");
      expect(lines(out).filter((l) => /^ +[A-Z_-]+ {2,}\S/.test(l) || /^[ \d]{3} {2}\S/.test(l))).to.have.length(
        b.hops.flatMap((h) => h.steps).length,
      );
      expect(out).to.include("[10.244.0.0/16 dev wg0 proto static scope link src 192.168.10.11]  {ttl: 64 -> 63}");
    });

    it("gives a location too long for its column a line of its own instead of cutting it", () => {
      const out = lines(text(cart, [1], { columns: 100, verbose: true, picked: true }));
      expect(out).to.include("  9  pod/ingress-nginx/ingress-nginx-controller-svqqshm2zs-x5j98");
    });
  });

  describe("several branches", () => {
    it("without a choice: the table, the first branch, then how to see the others", () => {
      const out = text(cart, [1, 2, 3, 4], { columns: 100 });
      expect(out).to.include("4 branches:").and.include("branch 1 of 4");
      expect(out).to.not.include("branch 2 of 4");
      expect(lines(out).filter((l) => l.startsWith("> "))).to.have.length(1);
      expect(squeezed(out)).to.include(
        squeezed(
          "3 more branches are in the table above: --branch K shows branch K, --all every branch, --verbose every step",
        ),
      );
    });

    it("verbose already shows every step, so the hint leaves --verbose out", () => {
      const out = text(cart, [1, 2, 3, 4], { columns: 100, verbose: true });
      expect(squeezed(out)).to.include(squeezed("--all every branch")).and.not.include("--verbose");
    });

    it("--branch K: the table with K marked, then only branch K, and no hint", () => {
      const out = text(cart, [3], { columns: 100, picked: true });
      expect(out)
        .to.include("4 branches:")
        .and.include("branch 3 of 4")
        .and.not.include("branch 1 of 4")
        .and.not.include("--branch K");
      expect(lines(out).filter((l) => l.startsWith("> "))).to.deep.equal([
        lines(out).find((l) => l.startsWith(">  3.") || l.startsWith("> 3.")),
      ]);
    });

    it("--all: every branch in full, nothing marked", () => {
      const out = text(cart, [1, 2, 3, 4], { columns: 100, picked: true });
      for (const k of [1, 2, 3, 4]) expect(out).to.include(`branch ${k} of 4`);
      expect(lines(out).some((l) => l.startsWith("> "))).to.equal(false);
    });

    it("a single branch has no table and no hint", () => {
      const out = text(wgNoPeer, [1], { columns: 100 });
      expect(out).to.not.include("branches:").and.not.include("--branch");
    });
  });

  describe("colour", () => {
    it("never without being asked", () => {
      for (const verbose of [false, true])
        expect(text(cart, [1, 2, 3, 4], { columns: 100, verbose })).to.not.include("\x1b");
    });

    it("when asked: dispositions green or red, locations bold, reasons dim", () => {
      const ok = text(cart, [1], { columns: 100, color: true, picked: true });
      expect(ok)
        .to.include("\x1b[32mHTTP_RESPONSE:\x1b[0m")
        .and.include("\x1b[1mlb/edge\x1b[0m")
        .and.include("\x1b[2mthrough the internet");
      expect(text(wgNoPeer, [1], { columns: 100, color: true }))
        .to.include("\x1b[31mWG_NO_PEER:\x1b[0m")
        .and.include("\x1b[31mNO_PEER +1\x1b[0m");
    });

    it("changes nothing but the codes", () => {
      const painted = text(cart, [1], { columns: 100, color: true, picked: true });
      expect(painted.replace(/\x1b\[[0-9;]*m/g, "")).to.equal(text(cart, [1], { columns: 100, picked: true }));
    });
  });

  describe("user strings", () => {
    const hostile = "evil\x1b[2J\x1b]0;owned\x07\u202e\n";
    let t: Trace;
    before(() => {
      t = JSON.parse(JSON.stringify(wgNoPeer));
      t.branches[0]!.hops[0]!.location = `pod/shop/${hostile}`;
      t.branches[0]!.hops[0]!.steps[0]!.reason = `route for ${hostile}`;
      t.request.from = `pod/shop/${hostile}`;
    });

    it("print control characters and escape sequences escaped, in every mode", () => {
      for (const options of [{}, { verbose: true }, { color: true }, { verbose: true, color: true }]) {
        const out = text(t, [1], { columns: 200, ...options });
        expect(out.replace(/\x1b\[[0-9;]*m/g, ""), JSON.stringify(options)).to.not.match(
          /[\x00-\x09\x0b-\x1f\x7f\u202e]/,
        );
        expect(out).to.include("evil\\x1b[2J\\x1b]0;owned\\x07\\u202e\\x0a");
      }
    });

    it("cannot break a hop into two lines", () => {
      expect(hopLines(text(t, [1], { columns: 200 }))).to.have.length(wgNoPeer.branches[0]!.hops.length);
    });
  });

  it("is the same text every time", () => {
    expect(text(cart, [1, 2, 3, 4], { columns: 100 })).to.equal(
      text(topo.curl("https://shop.example.com/api/cart"), [1, 2, 3, 4], { columns: 100 }),
    );
  });
});
