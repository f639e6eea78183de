// Issue 14, item 2: no rule injection. Names are validated as the API server validates them, and every
// output that could take a name (iptables-restore text, the collect script, the terminal, SVG) keeps
// a hostile one from starting a line, an escape sequence or markup of its own, even past the input check.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { diagramSvg } from "../lib/diagram/index.ts";
import { mermaidText } from "../lib/diagram/mermaid.ts";
import { type DriftReport, driftText } from "../lib/drift/index.ts";
import { InputError } from "../lib/input/errors.ts";
import { kubeProxyRules } from "../lib/kubeproxy/index.ts";
import { parseIptablesSave } from "../lib/netfilter/parser.ts";
import { printRuleset } from "../lib/netfilter/ruleset-text.ts";
import { collectScript } from "../lib/nodedump/collect.ts";
import { diagnostic } from "../lib/model/diagnostic.ts";
import { formatDiagnostic } from "../lib/output/diagnostics.ts";
import { safe } from "../lib/output/terminal.ts";
import { loadTopologySync } from "../lib/topology.ts";
import { cluster, node, pod, service, slice } from "./support/cluster-fixture.ts";
import { runCli } from "./support/cli.ts";
import { parseSvg } from "./diagram-helpers.ts";

const INJECTED = "\n-A INPUT -j ACCEPT";

/** A small cluster whose names are the parameters; everything else valid. */
function topology(n: Partial<Record<keyof typeof VALID, string>> = {}): string {
  const v = { ...VALID, ...n };
  return `apiVersion: kubehop.io/v1alpha1
kind: Topology
spec:
  nodes:
    - {name: ${v.node}, ip: 192.168.10.11}
  clients:
    - {name: client, ip: 198.51.100.10}
---
apiVersion: v1
kind: Pod
metadata: {name: ${v.pod}, namespace: ${v.namespace}, labels: {${v.labelKey}: ${v.labelValue}}, annotations: {${v.annotationKey}: x}}
spec:
  nodeName: ${v.node}
  containers: [{name: ${v.container}, ports: [{name: ${v.containerPort}, containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: ${v.service}, namespace: ${v.namespace}}
spec:
  type: NodePort
  selector: {${v.labelKey}: ${v.labelValue}}
  ports: [{name: ${v.servicePort}, port: 80, targetPort: ${v.targetPort}}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: ${v.ingress}, namespace: ${v.namespace}}
spec:
  rules:
    - host: ${v.host}
      http:
        paths:
          - {path: ${v.path}, pathType: ImplementationSpecific, backend: {service: {name: ${v.service}, port: {number: 80}}}}
`;
}

const VALID = {
  node: "node-1",
  pod: "web-1",
  namespace: "shop",
  labelKey: "app",
  labelValue: "web",
  annotationKey: "note",
  container: "web",
  containerPort: "http",
  service: "web",
  servicePort: "http",
  targetPort: "http",
  ingress: "web",
  host: "shop.example.com",
  path: "/",
};

/** Unusual but valid: the longest names, dots, digits first where allowed, a 15-character port name. */
const UNUSUAL = {
  node: `0node.${"n".repeat(60)}.example`,
  pod: `${"9".repeat(10)}.web-1.${"p".repeat(230)}`,
  namespace: `0${"n".repeat(61)}9`,
  labelKey: `example.com/${"A".repeat(10)}_b.c-${"k".repeat(46)}`,
  labelValue: `Z${"v".repeat(61)}_`.replace(/_$/, "9"),
  annotationKey: "kubernetes.io/Some_Key.x",
  container: `9${"c".repeat(62)}`,
  containerPort: "a23456789-12345",
  service: `s${"v".repeat(61)}0`,
  servicePort: `0${"p".repeat(62)}`,
  targetPort: "a23456789-12345",
  ingress: `0.${"i".repeat(60)}`,
  host: `"*.${"h".repeat(63)}.example.com"`,
  path: `"/a<b>&c'\\"d"`,
};

/** The input error's diagnostics as printed, or a failure when the input loaded. */
function refused(yaml: string): string[] {
  try {
    loadTopologySync(yaml);
  } catch (e) {
    if (e instanceof InputError)
      return e.diagnostics.map((d) => `${d.source && "line" in d.source ? d.source.line : "?"}: ${d.message}`);
    throw e;
  }
  throw new Error("the topology loaded; expected it refused");
}

describe("hostile names: validated as the API server does", () => {
  it("a Service port name with a newline is refused at its position, the name shown escaped", () => {
    const problems = refused(topology({ servicePort: JSON.stringify(`http${INJECTED}`) }));
    expect(problems).to.include(
      `22: Service: spec.ports[0].name: "http\\n-A INPUT -j ACCEPT" is not a DNS-1123 label: use lower-case ` +
        "letters, digits and '-', starting and ending with a letter or digit, e.g. my-name",
    );
  });

  it("the CLI exits 2 with one line per problem; no line of stderr is the injected rule", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kh-names-"));
    try {
      const file = join(dir, "t.yaml");
      writeFileSync(file, topology({ containerPort: JSON.stringify(`http${INJECTED}`) }));
      const r = await runCli(["validate", "-t", file]);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.equal(
        `${file}:14:43: error[invalid-field]: Pod: spec.containers[0].ports[0].name: port name ` +
          `"http\\n-A INPUT -j ACCEPT" may hold only lower-case letters, digits and '-' (an IANA service name, e.g. ` +
          "http or metrics-8080)\n",
      );
      expect(r.stderr.split("\n").filter((l) => l.startsWith("-A"))).to.deep.equal([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const cases: [string, Partial<typeof VALID>, string][] = [
    ["namespace not a label", { namespace: "Shop_1" }, '"Shop_1" is not a DNS-1123 label'],
    ["namespace over 63", { namespace: "n".repeat(64) }, "is 64 characters; a DNS-1123 label is at most 63"],
    ["Service name starting with a digit", { service: "1web" }, '"1web" is not a DNS-1035 label'],
    ["Pod name with an empty part", { pod: "web..1" }, '"web..1" is not a DNS-1123 subdomain'],
    ["Pod name over 253", { pod: "p".repeat(254) }, "is 254 characters; a DNS-1123 subdomain is at most 253"],
    ["node name with upper case", { node: "Node-1" }, '"Node-1" is not a DNS-1123 subdomain'],
    ["container name with a dot", { container: "web.1" }, '"web.1" is not a DNS-1123 label'],
    ["container port name of 16", { containerPort: "a234567890123456" }, "is 16 characters; a port name is 1-15"],
    ["container port name of digits", { containerPort: '"8080"' }, 'port name "8080" needs at least one letter'],
    ["container port name with --", { containerPort: "a--b" }, "must not contain '--'"],
    ["named targetPort ending in -", { targetPort: "http-" }, "must start and end with a letter or digit"],
    ["label key with an empty name", { labelKey: "example.com/" }, "the name after the prefix is 1-63 characters"],
    ["label key with an empty prefix", { labelKey: '"/app"' }, "has an empty prefix before '/'"],
    ["label key prefix not a subdomain", { labelKey: "Example.com/app" }, "its prefix"],
    ["label value with a space", { labelValue: '"web server"' }, 'label value "web server" may hold letters'],
    ["label value over 63", { labelValue: "v".repeat(64) }, "is 64 characters; at most 63"],
    ["annotation key with a space", { annotationKey: '"my note"' }, 'annotation key "my note"'],
    ["Ingress host with a newline", { host: JSON.stringify(`a.example${INJECTED}`) }, "is not a valid DNS name"],
  ];
  for (const [what, names, message] of cases) {
    it(`refuses: ${what}`, () => {
      expect(refused(topology(names)).join("\n")).to.include(message);
    });
  }

  it("an Ingress backend's port name is an IANA service name: upper case is refused", () => {
    const yaml = topology().replace("port: {number: 80}", "port: {name: HTTP}");
    expect(refused(yaml).join("\n")).to.include('port name "HTTP" may hold only lower-case letters');
  });

  it("an ExternalName is a DNS-1123 subdomain, a trailing dot allowed", () => {
    const external = (name: string) =>
      `${topology()}---\napiVersion: v1\nkind: Service\nmetadata: {name: db}\n` +
      `spec: {type: ExternalName, externalName: ${name}}\n`;
    expect(() => loadTopologySync(external("db.example.com."))).not.to.throw();
    expect(refused(external('"db.example.com\\n-A INPUT"')).join("\n")).to.include(
      '"db.example.com\\n-A INPUT" is not a DNS-1123 subdomain',
    );
  });

  it("Service port names are DNS-1123 labels, up to 63 (validateServicePort), not IANA service names", () => {
    const topo = loadTopologySync(topology({ servicePort: `0${"p".repeat(62)}` }));
    const web = topo.cluster.services.find((svc) => svc.name === "web");
    expect(web!.ports[0]!.name).to.have.length(63);
  });
});

describe("hostile names: generated rules", () => {
  it("unusual but valid names load, and kube-proxy's rules for them parse back", () => {
    const topo = loadTopologySync(topology(UNUSUAL));
    const text = topo.iptablesSave(UNUSUAL.node);
    expect(text).to.include(`-m comment --comment "${UNUSUAL.namespace}/${UNUSUAL.service}:${UNUSUAL.servicePort}`);
    expect(() => parseIptablesSave(text)).not.to.throw();
  });

  it("a name that bypassed validation cannot start a rule line: control characters become ?", () => {
    const name = `web${INJECTED}`;
    const c = cluster({
      pods: [pod("default", "web-1", { ip: "10.0.0.5", labels: { app: name } })],
      services: [service("default", name, { clusterIP: "172.30.0.7", ports: [{ name: `http${INJECTED}`, port: 80 }] })],
      endpointSlices: [slice("default", name, [{ name: `http${INJECTED}`, port: 8080 }], [{ ip: "10.0.0.5" }])],
    });
    const text = kubeProxyRules(c, "test-node");
    const lines = text.split("\n");
    expect(lines.filter((l) => /^-A INPUT -j ACCEPT/.test(l))).to.deep.equal([]);
    expect(lines.filter((l) => l !== "" && !/^(\*|:|-A |#|COMMIT$)/.test(l))).to.deep.equal([]);
    expect(text).to.include('--comment "default/web?-A INPUT -j ACCEPT:http?-A INPUT -j ACCEPT cluster IP"');
    expect(() => parseIptablesSave(text)).not.to.throw();
  });

  it("a quote, a backslash and an apostrophe in a comment are escaped as iptables-save escapes them", () => {
    const name = `a"b\\c'd`;
    const c = cluster({
      services: [service("default", name, { clusterIP: "172.30.0.7", ports: [{ port: 80 }] })],
    });
    expect(kubeProxyRules(c, "test-node")).to.include(`--comment "default/a\\"b\\\\c\\'d has no endpoints"`);
  });

  it("emulate's ruleset text names its file on one line whatever the path holds", () => {
    const ruleset = parseIptablesSave("*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n", `dump${INJECTED}.txt`);
    const lines = printRuleset(ruleset).split("\n");
    expect(lines[0]).to.equal("# Printed by kubehop from dump?-A INPUT -j ACCEPT.txt");
    expect(lines.filter((l) => l.startsWith("-A INPUT"))).to.deep.equal([]);
  });

  describe("iptables-restore --test accepts them (root with iptables only)", () => {
    const netns = `kh-spec-names-${process.pid}`;
    let why: string | undefined;
    before(() => {
      why =
        process.getuid?.() !== 0
          ? "not running as root (iptables-restore --test runs in a throwaway network namespace)"
          : spawnSync("sh", ["-c", "command -v iptables-restore && command -v ip"]).status !== 0
            ? "iptables-restore or ip is not installed (apt-get install -y iptables iproute2)"
            : undefined;
      if (why === undefined) execFileSync("ip", ["netns", "add", netns]);
    });
    after(() => {
      if (why === undefined) spawnSync("ip", ["netns", "del", netns]);
    });
    const restoreTest = (text: string) =>
      spawnSync("ip", ["netns", "exec", netns, "iptables-restore", "--test"], { input: text, encoding: "utf8" });

    it("the unusual-but-valid topology's rules", function () {
      if (why !== undefined) this.skip();
      const text = loadTopologySync(topology(UNUSUAL)).iptablesSave(UNUSUAL.node);
      const r = restoreTest(text);
      expect(r.stderr).to.equal("");
      expect(r.status).to.equal(0);
    });

    it("the rules of names that bypassed validation", function () {
      if (why !== undefined) this.skip();
      const name = `a"b\\c'd${INJECTED}\u001b[2J`;
      const c = cluster({
        services: [service("default", name, { clusterIP: "172.30.0.7", ports: [{ name, port: 80 }] })],
        endpointSlices: [slice("default", name, [{ name, port: 8080 }], [{ ip: "10.0.0.5" }])],
      });
      const r = restoreTest(kubeProxyRules(c, "test-node"));
      expect(r.stderr).to.equal("");
      expect(r.status).to.equal(0);
    });
  });
});

describe("hostile names: collect", () => {
  it("-o with a newline is a usage error, exit 2, and no script is printed", async () => {
    const r = await runCli(["collect", "-o", "dump\nrm -rf ~"]);
    expect(r.code).to.equal(2);
    expect(r.stdout).to.equal("");
    expect(r.stderr).to.include('-o "dump\\nrm -rf ~": a folder name cannot hold a control character');
  });

  it("the library refuses a control character in any word rather than write it", () => {
    expect(() => collectScript({ dir: "a\nb" })).to.throw(/control character/);
    expect(() => collectScript({ nodes: ["a\rb"] })).to.throw(/control character/);
  });

  it("a folder with quotes, spaces or a leading '-' stays one word, never an option, also in the comments", () => {
    const text = collectScript({ dir: "-it's; rm -rf ~ #", nodes: ["node-1"] });
    expect(text).to.include("mkdir -p './-it'\\''s; rm -rf ~ #'/nodes\n");
    expect(text).to.include("# They fill './-it'\\''s; rm -rf ~ #'/ with what kubehop reads");
    expect(text.split("\n").filter((l) => l.includes("rm -rf") && !l.includes("'./-it'"))).to.deep.equal([]);
  });
});

describe("hostile names: the terminal", () => {
  it("safe() escapes control characters, ESC sequences and bidi overrides", () => {
    expect(safe("a\u001b[2Jb\nc\u202ed\u0085")).to.equal("a\\x1b[2Jb\\x0ac\\u202ed\\x85");
  });

  it("a diagnostic as every command prints it holds no control character, its file name included", () => {
    const d = diagnostic("input-file", { file: "a\u001b]0;title\u0007.yaml", line: 1, col: 1 }, "bad\rline");
    expect(formatDiagnostic(d)).to.equal("a\\x1b]0;title\\x07.yaml:1:1: error[input-file]: bad\\x0dline");
  });

  it("drift's text, which quotes other people's dumps, holds no control character", () => {
    const report: DriftReport = {
      drift: false,
      diagnostics: [],
      nodes: [
        {
          node: "node-1",
          files: [],
          differences: [],
          alsoBreaks: [],
          info: ["peer on \u001b[2Jwg0\nfake: line"],
          requestsTried: 0,
          requestsLeftOut: 0,
        },
      ],
    };
    expect(driftText(report)).to.equal(
      "node-1: no drift (0 requests tried)\n  info: peer on \\x1b[2Jwg0\\x0afake: line\n",
    );
  });

  it("check's results name each expectation as written, escaped", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kh-names-"));
    try {
      const file = join(dir, "expect.yaml");
      writeFileSync(
        file,
        "apiVersion: kubehop.io/v1alpha1\nkind: Expectations\nexpect:\n" +
          '  - {name: "web \\e[2Janswers\\nPASS  forged", from: pod/shop/db-1, to: svc/shop/api, reach: svc/shop/api}\n',
      );
      const r = await runCli(["check", "-t", "topologies/default.yaml", file]);
      expect(r.stdout.split("\n")).to.include("PASS  web \\x1b[2Janswers\\x0aPASS  forged");
      expect(r.stdout).not.to.include("\u001b");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("netfilter's text answer quotes a pasted rule's comment escaped: no ESC reaches the terminal", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kh-names-"));
    try {
      const file = join(dir, "rules.txt");
      writeFileSync(
        file,
        "*nat\n:PREROUTING ACCEPT [0:0]\n" +
          '-A PREROUTING -d 10.96.0.10/32 -m comment --comment "\u001b[2Jok" -j DNAT --to-destination 10.244.1.5:53\n' +
          "COMMIT\n",
      );
      const r = await runCli([
        "netfilter",
        "--rules",
        file,
        "--src",
        "10.244.2.7",
        "--dst",
        "10.96.0.10",
        "--dport",
        "53",
      ]);
      expect(r.stdout).to.include("10.244.1.5");
      expect(r.stdout).to.include("\\x1b[2Jok");
      expect(r.stdout).not.to.include("\u001b");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("an error quoting a name with ESC prints no ESC and no extra line", async () => {
    const r = await runCli(["\u001b[31mred\nnext"]);
    expect(r.code).to.equal(2);
    expect(r.stderr).not.to.match(/\p{Cc}(?!$)/u);
    expect(r.stderr).to.include('unknown command "\\x1b[31mred\\x0anext"');
    expect(r.stderr.split("\n")).to.have.length(2);
  });

  it("curl refuses a URL, a header and a --resolve value with a control character, naming it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kh-names-"));
    try {
      const file = join(dir, "t.yaml");
      writeFileSync(file, topology());
      const url = await runCli(["curl", "-t", file, "http://shop.example.com/\ta"]);
      expect(url.code).to.equal(2);
      expect(url.stderr).to.equal(
        'kubehop curl: the URL "http://shop.example.com/\\ta" holds a control character; remove it (percent-encode ' +
          "it in a URL, e.g. %0A)\n",
      );
      const header = await runCli(["curl", "-t", file, "-H", "X-A: b\r\nX-Injected: 1", "http://shop.example.com/"]);
      expect(header.code).to.equal(2);
      expect(header.stderr).to.include('the header (-H, -A, -e or -b) "X-A: b\\r\\nX-Injected: 1"');
      const resolve = await runCli([
        "curl",
        "-t",
        file,
        "--resolve",
        "shop.example.com\n:80:192.168.10.11",
        "http://shop.example.com/",
      ]);
      expect(resolve.code).to.equal(2);
      // The --resolve parser (lib/cli/curl-request.ts) or the trace's own check refuses it, quoted either way.
      expect(resolve.stderr).to.include('--resolve "shop.example.com\\n:80:192.168.10.11"');
      expect(resolve.stderr.split("\n")[0]).not.to.match(/\p{Cc}/u);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("hostile names: Mermaid", () => {
  it("a control character in a label becomes a space: it cannot end a statement or reach a terminal", () => {
    expect(mermaidText("a\n-->b\u001b[2J;<x>")).to.equal("a --#62;b [2J#59;#60;x#62;");
  });
});

describe("hostile names: SVG", () => {
  it("a topology of unusual names (an Ingress path with markup characters) draws well-formed XML", () => {
    const topo = loadTopologySync(topology(UNUSUAL));
    const svg = diagramSvg(topo.cluster);
    expect(() => parseSvg(svg)).not.to.throw();
    expect(svg).not.to.include("<b>");
  });

  it("names past validation with markup, control characters and a lone surrogate stay well-formed", () => {
    const name = `<svg onload="x">&amp;\u0001\u000b\ufffe\ud800${INJECTED}`;
    const c = cluster({
      nodes: [node(name, "192.168.0.2", "10.0.0.0/24")],
      pods: [pod(name, name, { ip: "10.0.0.5", node: name })],
      services: [service(name, name, { clusterIP: "172.30.0.7", ports: [{ port: 80 }] })],
    });
    const svg = diagramSvg(c);
    const doc = parseSvg(svg);
    expect(doc.documentElement.textContent).to.include('<svg onload="x">&amp;');
    for (const forbidden of ["\u0001", "\u000b", "\ufffe", "\ud800"]) expect(svg).not.to.include(forbidden);
  });
});
