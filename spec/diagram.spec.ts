// kubehop diagram and the path drawing: self-contained, valid, escaped, deterministic SVG whose
// labels never overlap, for 3 nodes and for 50; hops, rewrites and failures on the picture.
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { diagramScene, diagramSvg } from "../lib/diagram/index.ts";
import { gridColumns } from "../lib/diagram/layout.ts";
import { MAX_PODS_SHOWN } from "../lib/diagram/node-box.ts";
import type { Cluster } from "../lib/model/cluster.ts";
import { loadTopologySync, type Topology } from "../lib/topology.ts";
import { clusterYaml, labelRects, overlapping, parseSvg } from "./diagram-helpers.ts";
import { runCli } from "./support/cli.ts";

const DEFAULT = "topologies/default.yaml";

function expectNoOverlap(
  cluster: Cluster,
  ...rest: Parameters<typeof diagramScene> extends [Cluster, ...infer R] ? R : never
): void {
  const scene = diagramScene(cluster, ...rest);
  const labels = labelRects(scene);
  const bad = overlapping(labels).map(([a, b]) => `"${a.text}" / "${b.text}"`);
  expect(bad, bad.slice(0, 5).join("\n")).to.deep.equal([]);
  for (const l of labels) {
    expect(l.rect.x, l.text).to.be.at.least(0);
    expect(l.rect.x + l.rect.w, l.text).to.be.at.most(scene.width + 0.5);
    expect(l.rect.y + l.rect.h, l.text).to.be.at.most(scene.height);
  }
}

describe("diagram: the cluster as SVG", () => {
  let topo: Topology;
  let svg: string;
  before(() => {
    topo = loadTopologySync(DEFAULT);
    svg = diagramSvg(topo.cluster);
  });

  it("is well-formed XML with a title, a description and its own style", () => {
    const doc = parseSvg(svg);
    const root = doc.documentElement;
    expect(root.namespaceURI).to.equal("http://www.w3.org/2000/svg");
    expect(root.querySelector("title")?.textContent).to.match(/3 nodes/);
    expect(root.querySelector("desc")?.textContent).to.contain("WireGuard");
    expect(root.getAttribute("aria-labelledby")).to.equal("title desc");
    expect(root.querySelector("style")?.textContent).to.contain("prefers-color-scheme: dark");
    expect(root.querySelector("style")?.textContent).to.contain("monospace");
    expect(root.querySelector("rect.bg"), "a background for light and dark pages").to.not.equal(null);
  });

  it("is self-contained: no external references, no scripts, no foreign fonts", () => {
    expect(svg).to.not.match(/href=|@import|<script|<image|<foreignObject/);
    for (const m of svg.matchAll(/url\(([^)]*)\)/g)) expect(m[1]).to.match(/^#/);
    expect(svg.match(/https?:\/\/[^"\s]*/g)).to.deep.equal(["http://www.w3.org/2000/svg"]);
  });

  it("draws what a network engineer expects: client and LB outside, each node's eth0, wg0, bridge0 and pods, the buses, the logical layer", () => {
    const doc = parseSvg(svg);
    const ids = new Set([...doc.querySelectorAll("[id]")].map((e) => e.id));
    for (const n of ["node-1", "node-2", "node-3"])
      for (const d of ["", "-eth0", "-wg0", "-stack", "-bridge0"]) expect(ids).to.include(`node-${n}${d}`);
    for (const id of ["client-client", "lb-edge", "router", "svc-shop-web", "ing-shop-shop"])
      expect(ids).to.include(id);
    const text = doc.documentElement.textContent!;
    for (const t of [
      "10.244.0.0/24",
      "192.168.10.11",
      "wg0 overlay",
      "full mesh of 3 nodes (6 peer entries)",
      "underlay 192.168.10.0/24",
      "shop.example.com/api/cart → cart:80",
    ])
      expect(text).to.contain(t);
    for (const p of topo.cluster.pods)
      expect(ids).to.include(`pod-${p.namespace}-${p.name}`.replace(/[^A-Za-z0-9_-]/g, "_"));
  });

  it("is byte-identical when drawn twice, and one element per line", () => {
    expect(diagramSvg(loadTopologySync(DEFAULT).cluster)).to.equal(svg);
    expect(svg.split("\n").every((l) => !/>\s*</.test(l))).to.equal(true);
  });

  it("escapes every user string: a pod named <script> is text", () => {
    const evil = "<script>alert(1)</script>";
    const c = topo.cluster;
    const cluster: Cluster = {
      ...c,
      pods: c.pods.map((p, i) => (i === 0 ? { ...p, name: evil, namespace: 'a&b"c' } : p)),
      nodes: c.nodes.map((n, i) =>
        i === 1 ? { ...n, name: "node-<b>", labels: { "topology.kubernetes.io/zone": "z\u0001&" } } : n,
      ),
    };
    const out = diagramSvg(cluster);
    expect(out).to.not.contain("<script");
    expect(out).to.contain("&lt;script&gt;alert(1)&lt;/script&gt;");
    const doc = parseSvg(out);
    expect(doc.getElementsByTagName("script").length).to.equal(0);
    expect(doc.documentElement.textContent).to.contain(evil);
    expect(doc.documentElement.textContent).to.contain("node-<b> · z?&");
  });

  it("labels never overlap: 3 nodes, 50 nodes, with and without paths (0.6 em monospace estimate)", () => {
    expectNoOverlap(topo.cluster);
    const curl = topo.curl("https://shop.example.com/api/cart");
    expectNoOverlap(topo.cluster, curl);
    expectNoOverlap(topo.cluster, curl, [3]);
    expectNoOverlap(topo.cluster, topo.trace({ from: "pod/shop/db-1", to: "10.244.9.9:80" }));
    const big = loadTopologySync(clusterYaml(50, 40, 12));
    expectNoOverlap(big.cluster);
    const first = big.cluster.pods[0]!;
    const last = big.cluster.pods.at(-1)!;
    expectNoOverlap(
      big.cluster,
      big.trace({ from: `pod/${first.namespace}/${first.name}`, to: `pod/${last.namespace}/${last.name}:8080` }),
    );
  });

  it("names are whole where they fit, with the full name in a tooltip; each Service's wires run on a track of their own", () => {
    const doc = parseSvg(svg);
    const texts = [...doc.querySelectorAll("text")].map((t) => t.textContent);
    expect(texts).to.include("svc ingress-nginx/ingress-nginx-controller");
    expect(doc.querySelector("rect#svc-ingress-nginx-ingress-nginx-controller > title")?.textContent).to.equal(
      "svc ingress-nginx/ingress-nginx-controller · endpoints on node-2, node-3",
    );
    expect(doc.querySelector("rect#lb-edge > title")?.textContent).to.equal(
      "lb/edge → ingress-nginx/ingress-nginx-controller",
    );
    const tracks = new Map<string, Set<number>>();
    for (const p of doc.querySelectorAll("path.selects")) {
      const ys = [...p.getAttribute("d")!.matchAll(/,(-?[\d.]+)/g)].map((m) => Number(m[1]));
      const service = p.getAttribute("data-service")!;
      tracks.set(service, new Set([...(tracks.get(service) ?? []), ys[ys.length - 2]!]));
    }
    expect(tracks.size, "every Service with endpoints on a node but default/kubernetes").to.equal(6);
    for (const [service, ys] of tracks) expect(ys.size, `${service}: one track`).to.equal(1);
    const all = [...tracks.values()].map((ys) => [...ys][0]);
    expect(new Set(all).size, "no two Services share a track").to.equal(all.length);
  });

  it("at 50 nodes: a grid of nodes on row buses, the mesh as one band, pods folded, pods on the path kept", () => {
    const big = loadTopologySync(clusterYaml(50, 40, 12));
    const first = big.cluster.pods[0]!;
    const last = big.cluster.pods.at(-1)!;
    const t = big.trace({
      from: `pod/${first.namespace}/${first.name}`,
      to: `pod/${last.namespace}/${last.name}:8080`,
    });
    const scene = diagramScene(big.cluster, t);
    expect(gridColumns(50)).to.equal(8);
    expect(scene.underlay.rows).to.have.length(7);
    const overlay = scene.lines.filter((l) => l.cls.includes("overlay"));
    expect(overlay.length, "overlay wires grow with n, not n²").to.be.below(50 * 3);
    expect(scene.labels.map((l) => l.text)).to.include(
      "wg0 overlay · WireGuard full mesh of 50 nodes (2,450 peer entries) · UDP 51820 · MTU 1420",
    );
    const more = scene.labels.filter((l) => /^\+\d+ more pods? in \d+ workloads?$/.test(l.text));
    expect(more.length).to.be.at.least(40);
    const shownPods = scene.boxes.filter((b) => b.cls === "pod").length;
    expect(shownPods).to.be.at.most(50 * MAX_PODS_SHOWN + 2);
    for (const p of [first, last])
      expect(scene.places.get(`pod/${p.namespace}/${p.name}`)?.rect.h, "a path's pods are drawn, not folded").to.equal(
        14,
      );
    expect(scene.labels.some((l) => l.text.startsWith("+") && l.text.endsWith("more Services"))).to.equal(true);
  });
});

describe("diagram: a trace drawn over the cluster", () => {
  let topo: Topology;
  before(() => {
    topo = loadTopologySync(DEFAULT);
  });

  it("a failing trace: numbered hops along its devices, the failure point ringed and labelled with its disposition", () => {
    const t = topo.trace({ from: "pod/shop/db-1", to: "10.244.9.9:80" });
    const doc = parseSvg(diagramSvg(topo.cluster, t));
    const badges = [...doc.querySelectorAll("text.badge-text")].map((e) => e.textContent);
    expect(badges.sort()).to.deep.equal(["1", "2", "3", "4", "5"]);
    expect(doc.querySelectorAll("path.path").length).to.equal(4 + 1); // 4 legs + the legend swatch
    expect(doc.querySelector("rect.fail-ring")).to.not.equal(null);
    expect(doc.querySelector("text.callout-text.fail")?.textContent).to.equal("FAILS here: WG_NO_PEER");
    expect(doc.documentElement.textContent).to.contain(
      "branch 1 · p 1 · WG_NO_PEER: no peer of node-1's wg0 has AllowedIPs containing 10.244.9.9",
    );
    expect(doc.querySelector("title")?.textContent).to.contain("path of pod/shop/db-1 -> 10.244.9.9:80");
  });

  it("curl: every branch with its probability, each NAT rewrite annotated where it happens", () => {
    const t = topo.curl("https://shop.example.com/api/cart");
    const doc = parseSvg(diagramSvg(topo.cluster, t));
    const text = doc.documentElement.textContent!;
    for (let k = 1; k <= 4; k++) expect(text).to.contain(`branch ${k} · p 0.25 · HTTP_RESPONSE`);
    const notes = [...doc.querySelectorAll("text.callout-text")].map((e) => e.textContent!);
    // The LB's choice is a fan-out (its NAT said there); the hops all branches share, one callout each.
    expect(notes).to.include.members(["branches part here (NAT):", "1+2 → p 0.5: round-robin picks node-2 (1 of 2)"]);
    const joined = notes.join(" ");
    expect(joined).to.contain("DNAT dst: 192.168.10.12→10.244.1.5, dport: 30443→443");
    expect(joined).to.match(/ENCAP udp 192\.168\.10\./);
    // The ingress controller's choice of upstream, and so its new connection, is the second fan-out.
    expect(notes).to.include("branches part here (PROXIED):");
    expect(joined).to.contain("1 → p 0.25: endpoint 1 of 2, 10.244.1.4:9100");
    const colours = new Set([...doc.querySelectorAll("path.path")].map((p) => p.getAttribute("class")));
    expect([...colours].sort()).to.deep.equal([
      "path b1",
      "path b2",
      "path b3",
      "path b4",
      "path reply b1",
      "path reply b2",
      "path reply b3",
      "path reply b4",
      "path shared",
    ]);
  });

  it("--branch K draws one branch, with its hop list in the legend", () => {
    const t = topo.curl("https://shop.example.com/api/cart");
    const doc = parseSvg(diagramSvg(topo.cluster, t, [2]));
    const classes = new Set([...doc.querySelectorAll("path.path")].map((p) => p.getAttribute("class")));
    expect([...classes]).to.deep.equal(["path b2", "path reply b2"]);
    const rows = [...doc.querySelectorAll("text.hop-row")].map((e) => e.textContent!);
    expect(rows).to.have.length(t.branches[1]!.hops.length);
    expect(rows[0]).to.match(/^ {2}1 {2}client\/client/);
  });
});

describe("diagram: command line", () => {
  it("kubehop diagram prints the SVG, or writes it whole with -o", async () => {
    const printed = await runCli(["diagram", "-t", DEFAULT]);
    expect(printed.code).to.equal(0);
    expect(printed.stdout).to.match(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<svg /);
    const dir = mkdtempSync(join(tmpdir(), "kubehop-diagram-"));
    const file = join(dir, "cluster.svg");
    expect((await runCli(["diagram", "-t", DEFAULT, "-o", file])).code).to.equal(0);
    expect(readFileSync(file, "utf8")).to.equal(printed.stdout);
    expect(readdirSync(dir)).to.deep.equal(["cluster.svg"]);
    const bad = await runCli(["diagram", "-t", DEFAULT, "-o", join(dir, "missing", "x.svg")]);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.match(/^kubehop diagram: cannot write .*missing\/x\.svg/);
  });

  it("trace --svg FILE and curl --svg FILE --branch K write the drawing; the text output is unchanged", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kubehop-diagram-"));
    const args = ["trace", "-t", DEFAULT, "--from", "pod/shop/db-1", "--to", "10.244.9.9:80"];
    const plain = await runCli(args);
    const withSvg = await runCli([...args, "--svg", join(dir, "t.svg")]);
    expect(withSvg.stdout).to.equal(plain.stdout);
    expect(readFileSync(join(dir, "t.svg"), "utf8")).to.contain("FAILS here: WG_NO_PEER");
    const curl = await runCli([
      "curl",
      "-t",
      DEFAULT,
      "https://shop.example.com/api/cart",
      "--branch",
      "3",
      "--svg",
      join(dir, "c.svg"),
    ]);
    expect(curl.code).to.equal(0);
    expect(readFileSync(join(dir, "c.svg"), "utf8")).to.contain('class="path b3"');
    expect(existsSync(join(dir, "c.svg"))).to.equal(true);
  });

  it("--view path draws only the devices crossed, 860 px wide; --no-reply leaves the reply out; --view needs --svg", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kubehop-diagram-"));
    const url = "https://shop.example.com/api/cart";
    const file = join(dir, "p.svg");
    const r = await runCli(["curl", "-t", DEFAULT, url, "--branch", "1", "--view", "path", "--svg", file]);
    expect([r.code, r.stderr]).to.deep.equal([0, `wrote ${file}\n`]);
    const doc = parseSvg(readFileSync(file, "utf8"));
    expect(doc.documentElement.getAttribute("width")).to.equal("860");
    const sizes = [...doc.querySelectorAll("text")].map((t) => Number(t.getAttribute("font-size")));
    expect(Math.min(...sizes), "no text under 11 px").to.be.at.least(11);
    const devices = [...doc.querySelectorAll("rect.hop-device")].map((e) => e.getAttribute("data-place"));
    expect(devices.slice(0, 5)).to.deep.equal(["client/client", "underlay", "lb/edge", "underlay", "node-2/eth0"]);
    expect(doc.querySelectorAll("rect.node").length, "no node the path does not cross").to.equal(2);
    expect(doc.querySelector('rect.hop-device[data-hop="1:r1"]')?.getAttribute("data-place")).to.equal(
      "pod/shop/cart-hbbsh2xmmq-82nqc",
    );
    const noReply = await runCli(["curl", "-t", DEFAULT, url, "--view", "path", "--no-reply", "--svg", file]);
    expect(noReply.code).to.equal(0);
    expect(readFileSync(file, "utf8")).to.not.contain(":r1");
    const mermaid = await runCli(["curl", "-t", DEFAULT, url, "-o", "mermaid", "--no-reply"]);
    expect(mermaid.stdout).to.not.contain("-->>");
    const bad = await runCli(["curl", "-t", DEFAULT, url, "--view", "path"]);
    expect([bad.code, bad.stderr.split("\n")[0]]).to.deep.equal([
      2,
      "kubehop curl: --view draws the SVG: give --svg FILE too",
    ]);
    const flat = await runCli([
      "trace",
      "-t",
      DEFAULT,
      "--from",
      "pod/shop/db-1",
      "--to",
      "10.244.9.9:80",
      "--view",
      "flat",
      "--svg",
      file,
    ]);
    expect(flat.code).to.equal(2);
    expect(flat.stderr).to.contain("--view flat: expected cluster");
  });

  it("Mermaid: the hops all branches share once, a note where they part, then one alt block each", async () => {
    const c = await runCli(["curl", "-t", DEFAULT, "https://shop.example.com/api/cart", "-o", "mermaid"]);
    const lines = c.stdout.split("\n");
    const alt = lines.indexOf("  alt branch 1 of 4, probability 0.25");
    expect(lines.slice(alt - 3, alt)).to.deep.equal([
      "  Note over P1: 1 FORWARDED",
      "  P1->>P2: 2 FORWARDED",
      "  Note over P3: branches part here: 1+2 → p 0.5: round-robin picks node-2 (1 of 2) / 3+4 → p 0.5: round-robin picks node-3 (2 of 2)",
    ]);
    expect(c.stdout.match(/P1->>P2: 2 FORWARDED/g)).to.have.length(1);
    expect(c.stdout).to.contain("branches part here: 1 → p 0.25: endpoint 1 of 2, 10.244.1.4:9100 / 2 → p 0.25");
  });

  it("--format mermaid prints a sequence diagram; --format with --json is refused", async () => {
    const r = await runCli([
      "trace",
      "-t",
      DEFAULT,
      "--from",
      "pod/shop/db-1",
      "--to",
      "10.244.9.9:80",
      "--format",
      "mermaid",
    ]);
    expect(r.stdout.split("\n").slice(0, 4)).to.deep.equal([
      "sequenceDiagram",
      "  title tcp pod/shop/db-1 to 10.244.9.9:80",
      "  participant P1 as pod/shop/db-1",
      "  participant P2 as node-1/veth584d7518",
    ]);
    expect(r.stdout).to.contain(
      "  P4->>P5: 5 NO_PEER\n  Note over P5: WG_NO_PEER: no peer of node-1's wg0 has AllowedIPs containing 10.244.9.9\n",
    );
    const c = await runCli(["curl", "-t", DEFAULT, "https://shop.example.com/api/cart", "--format", "mermaid"]);
    expect(c.stdout).to.contain("  alt branch 1 of 4, probability 0.25\n");
    expect(c.stdout).to.contain("  else branch 4 of 4, probability 0.25\n");
    expect(c.stdout).to.contain("Note over P3: NAT dst: 203.0.113.10→192.168.10.12, dport: 443→30443");
    expect(c.stdout).to.contain("-->>");
    expect(c.stdout.trimEnd().endsWith("  end")).to.equal(true);
    const both = await runCli(["curl", "-t", DEFAULT, "https://shop.example.com/", "--json", "--format", "mermaid"]);
    expect(both.code).to.equal(2);
    const bad = await runCli(["curl", "-t", DEFAULT, "https://shop.example.com/", "--format", "dot"]);
    expect(bad.stderr).to.contain("--format dot: expected text, json, yaml");
  });
});
