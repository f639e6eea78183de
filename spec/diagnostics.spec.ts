// One kind of diagnostic: every code in the registry is produced here by the input that causes it,
// with its severity, source and message; the README's table is the registry; lib/ uses no code the
// registry lacks; --strict turns warnings into exit 2; JSON diagnostics validate against the schemas.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { InputError } from "../lib/input/errors.ts";
import { DIAGNOSTIC_CODES, type Diagnostic, type DiagnosticCode, formatDiagnostic } from "../lib/model/diagnostic.ts";
import { NetfilterParseError } from "../lib/netfilter/errors.ts";
import { NetfilterWorkError } from "../lib/netfilter/work-limits.ts";
import { parseIptablesSave } from "../lib/netfilter/parser.ts";
import { assumptionDiagnostics } from "../lib/netfilter/assumptions.ts";
import { walkNode } from "../lib/netfilter/node-walk.ts";
import { interfaceMap } from "../lib/nodedump/interfaces.ts";
import { parseIpAddr } from "../lib/nodedump/ip-addr.ts";
import { parseIpRoute } from "../lib/nodedump/ip-route.ts";
import { parseWgShow } from "../lib/nodedump/wg-show.ts";
import { ipsetDiagnostics } from "../lib/netfilter/ipset-match.ts";
import { parseIpsets } from "../lib/nodedump/ipset.ts";
import { bothRulesets } from "../lib/nodedump/nft.ts";
import { NftEngine } from "../lib/netfilter/nft/engine.ts";
import { parseNftRuleset } from "../lib/netfilter/nft/reader.ts";
import { loadTopologySync } from "../lib/topology.ts";
import { runCli } from "./support/cli.ts";
import { expectSchemaValid } from "./support/schemas.ts";

const TOPO = "apiVersion: kubehop.io/v1alpha1\nkind: Topology\nmetadata: {name: t}\nspec: {nodeCount: 1}\n";
const deploy = (extra: string, pod = "{}") =>
  "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n" +
  `${extra}  template:\n    metadata: {labels: {app: web}}\n    spec: ${pod}\n`;
const svc = (name: string, spec: string) =>
  `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}, namespace: shop}\nspec: {${spec}}\n`;
const ingress = (meta: string) =>
  "apiVersion: networking.k8s.io/v1\nkind: Ingress\n" +
  `metadata: {name: web, namespace: shop${meta}}\n` +
  "spec:\n  rules:\n    - host: shop.example.com\n      http:\n        paths:\n" +
  "          - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}\n";
const WEB = `${svc("web", "selector: {app: web}, ports: [{port: 80}]")}---\n`;
const GATEWAY_ROUTE =
  "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: shop}\nspec:\n" +
  "  gatewayClassName: c\n  listeners: [{name: tcp, port: 9000, protocol: TCP}, {name: http, port: 80, protocol: HTTP}]\n" +
  "---\napiVersion: gateway.networking.k8s.io/v1beta1\nkind: HTTPRoute\nmetadata: {name: web, namespace: shop}\n" +
  "spec: {parentRefs: [{name: gw}, {name: gw, sectionName: nope}], rules: [{filters: [{type: RequestMirror, " +
  "requestMirror: {backendRef: {name: web, port: 80}}}], backendRefs: [{name: web, port: 80}]}]}\n";
/** An ingress-nginx controller Deployment (in namespace `ns`) whose container runs with `args`. */
const controller = (ns: string, args: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ingress-nginx-controller, namespace: ${ns}}\nspec:\n` +
  "  template:\n    metadata: {labels: {app.kubernetes.io/name: ingress-nginx, app.kubernetes.io/component: controller}}\n" +
  `    spec: {containers: [{name: controller, args: [${args}]}]}\n`;
const wgNodes = () => loadTopologySync(TOPO).cluster.nodes;

/** The diagnostics an InputError or a NetfilterParseError carries. */
function errorsOf(e: unknown): Diagnostic[] {
  if (e instanceof InputError) return [...e.diagnostics];
  if (e instanceof NetfilterParseError) return [e.diagnostic];
  throw e;
}
const topo = (yaml: string) => () => loadTopologySync(yaml).cluster.diagnostics;
const iptables = (text: string) => () => parseIptablesSave(text, "r.txt").diagnostics;

/** Per code: what produces it, and the diagnostic as the command line prints it. */
const CASES: Record<DiagnosticCode, [() => unknown, string]> = {
  "input-file": [
    topo("/no/such/kubehop/topology.yaml"),
    "/no/such/kubehop/topology.yaml:1:1: error[input-file]: no such file or folder; give a YAML file or a folder of .yaml files (or kubectl's -o json output)",
  ],
  "input-syntax": [
    topo("apiVersion: v1\nkind: Pod\nmetadata: {name: [}\n"),
    "<input>:3:19: error[input-syntax]: YAML syntax:",
  ],
  "document-shape": [
    topo("apiVersion: v1\nkind: List\nitems: 3\n"),
    "<input>:3:8: error[document-shape]: a List needs items: a sequence of Kubernetes objects",
  ],
  "unknown-field": [
    topo(`${TOPO.replace("nodeCount: 1", "clusterCidr: 10.0.0.0/16")}`),
    '<input>:4:8: error[unknown-field]: Topology: spec.clusterCidr: unknown field "clusterCidr"; did you mean "clusterCIDR"?',
  ],
  "invalid-field": [
    topo(svc("web", "ports: [{port: 70000}]")),
    "<input>:4:23: error[invalid-field]: Service: spec.ports[0].port: expected a port number 1-65535",
  ],
  "invalid-value": [
    topo(`${TOPO.replace("nodeCount: 1", "nodeCount: 2, nodes: [{name: a}]")}`),
    "<input>:4:19: error[invalid-value]: nodeCount is 2 but 1 nodes are defined; drop nodeCount or make them agree",
  ],
  duplicate: [
    topo(`${WEB}${svc("web", "ports: [{port: 81}]")}`),
    "<input>:8:18: error[duplicate]: duplicate Service shop/web (first at <input>:1); Service names must be unique",
  ],
  "dangling-reference": [
    topo(deploy("", "{nodeName: node-9}")),
    "<input>:7:22: error[dangling-reference]: pod shop/web-",
  ],
  "address-outside": [
    topo(
      `${TOPO.replace("nodeCount: 1", "serviceCIDR: 10.96.0.0/12")}---\n${svc("web", "clusterIP: 10.1.0.1, ports: [{port: 80}]")}`,
    ),
    "<input>:9:19: error[address-outside]: Service shop/web: clusterIP 10.1.0.1 is outside the serviceCIDR 10.96.0.0/12",
  ],
  "address-conflict": [
    topo(
      `${svc("a", "clusterIP: 10.96.0.50, ports: [{port: 80}]")}---\n${svc("b", "clusterIP: 10.96.0.50, ports: [{port: 80}]")}`,
    ),
    "<input>:9:19: error[address-conflict]: Service shop/b: clusterIP 10.96.0.50 is already Service shop/a's",
  ],
  "address-exhausted": [
    topo(`${TOPO.replace("nodeCount: 1", "nodeCount: 1, nodeCIDRMaskSize: 30")}---\n${deploy("  replicas: 2\n")}`),
    "<input>:10:13: error[address-exhausted]: node node-1's podCIDR 10.244.0.0/30 has no address left for pod shop/web-",
  ],
  "too-large": [
    topo(deploy("  replicas: 200000\n")),
    "<input>:5:13: error[too-large]: Deployment shop/web asks for 200,000 pods, more than the 150,000 pods Kubernetes",
  ],
  "node-port": [
    topo(svc("web", "type: NodePort, ports: [{port: 80, nodePort: 80}]")),
    "<input>:4:53: error[node-port]: Service shop/web: nodePort 80 is outside the node-port range 30000-32767",
  ],
  "invalid-request": [
    async () =>
      (await runCli(["check", "-t", "topologies/default.yaml", "spec/fixtures/check/bad-unknown-pod.yaml"])).stderr,
    'spec/fixtures/check/bad-unknown-pod.yaml:4:5: error[invalid-request]: Expectations: expect[0]: pod/shop/nope-0 -> svc/shop/api: no pod "shop/nope-0"',
  ],
  "wrong-kind": [
    async () => (await runCli(["check", "-t", "topologies/default.yaml", "spec/fixtures/check/bad-kind.yaml"])).stderr,
    "spec/fixtures/check/bad-kind.yaml:2:7: error[wrong-kind]: kind Service: an expectations file holds kind: Expectations documents",
  ],
  "dump-syntax": [
    () => parseIpAddr("2: eth0 inet 10.0.0.300/24\n", "a.txt").warnings,
    'a.txt:1:14: warning[dump-syntax]: expected an IPv4 address with its prefix length, e.g. 10.42.0.1/24, found "10.0.0.300/24"',
  ],
  "iptables-syntax": [
    iptables("apiVersion: v1\nkind: Pod\n"),
    "r.txt:1:1: error[iptables-syntax]: no iptables rules here: expected iptables-save output",
  ],
  "unmodelled-kind": [
    topo("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: shop}\nspec: {}\n"),
    "<input>:1:1: warning[unmodelled-kind]: NetworkPolicy shop/deny: kubehop does not enforce NetworkPolicies: traces may show traffic this policy would block",
  ],
  "service-proxy-name": [
    topo(
      svc("web", "ports: [{port: 80}]").replace(
        "namespace: shop",
        "namespace: shop, labels: {service.kubernetes.io/service-proxy-name: cilium}",
      ),
    ),
    '<input>:1:1: warning[service-proxy-name]: Service shop/web is handled by proxy "cilium"',
  ],
  "kube-proxy-mode": [
    topo("apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: kernelspace\n"),
    '<input>:3:7: warning[kube-proxy-mode]: kube-proxy mode "kernelspace": kubehop simulates iptables mode; the rules on the nodes differ',
  ],
  "ingress-controller-flag": [
    topo(
      `${WEB}${ingress("")}---\n${controller("ingress-nginx", "/nginx-ingress-controller, --enable-ssl-passthrough")}`,
    ),
    "<input>:22:78: warning[ingress-controller-flag]: Deployment ingress-nginx/ingress-nginx-controller: " +
      "--enable-ssl-passthrough is not simulated: TLS is taken to end at nginx for every host, ssl-passthrough " +
      "Ingresses included",
  ],
  "ingress-controller-configmap": [
    topo(
      `${WEB}${ingress("")}---\n${controller("ingress-nginx", "--configmap=$(POD_NAMESPACE)/ingress-nginx-controller")}`,
    ),
    "<input>:22:51: info[ingress-controller-configmap]: Deployment ingress-nginx/ingress-nginx-controller: " +
      "--configmap=$(POD_NAMESPACE)/ingress-nginx-controller: the ConfigMap is not in the input; a trace takes " +
      "ingress-nginx's defaults for its settings (ssl-redirect, proxy-body-size, ...)",
  ],
  "ingress-configmap-key": [
    topo(
      `${WEB}${ingress("")}---\n${controller("ingress-nginx", "--configmap=ingress-nginx/cfg")}---\n` +
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, namespace: ingress-nginx}\n" +
        'data: {compute-full-forwarded-for: "true", proxy-read-timeout: "60"}\n',
    ),
    "<input>:27:8: warning[ingress-configmap-key]: ConfigMap ingress-nginx/cfg: compute-full-forwarded-for is not " +
      "simulated: a trace takes ingress-nginx's default for it",
  ],
  "ingress-controllers-differ": [
    topo(
      `${WEB}${ingress("")}---\n${controller("a", "--ingress-class=a")}---\n${controller("b", "--ingress-class=b")}`,
    ),
    "<input>:24:1: info[ingress-controllers-differ]: ingress-nginx controllers run with different flags " +
      "(Deployment a/ingress-nginx-controller: --controller-class=k8s.io/ingress-nginx --ingress-class=a; " +
      "Deployment b/ingress-nginx-controller: --controller-class=k8s.io/ingress-nginx --ingress-class=b): " +
      "each controller's pods serve as their own flags say",
  ],
  "ingress-not-served": [
    topo(`${WEB}${ingress("").replace("spec:\n", "spec:\n  ingressClassName: traefik\n")}`),
    "<input>:6:1: warning[ingress-not-served]: Ingress shop/web is of class traefik, which no controller here serves: there is no IngressClass named traefik",
  ],
  "ingress-annotation": [
    topo(`${WEB}${ingress(", annotations: {nginx.ingress.kubernetes.io/limit-rps: '5'}")}`),
    "<input>:8:54: warning[ingress-annotation]: nginx.ingress.kubernetes.io/limit-rps is not simulated; traces do not take it into account",
  ],
  "regex-unsupported": [
    topo(
      `${WEB}apiVersion: networking.k8s.io/v1\nkind: Ingress\n` +
        'metadata: {name: web, namespace: shop, annotations: {nginx.ingress.kubernetes.io/use-regex: "true"}}\n' +
        "spec:\n  rules:\n    - host: shop.example.com\n      http:\n        paths:\n" +
        '          - {path: "/api(?!/internal)", pathType: ImplementationSpecific, ' +
        "backend: {service: {name: web, port: {number: 80}}}}\n",
    ),
    '<input>:14:20: warning[regex-unsupported]: path "/api(?!/internal)" uses a lookahead, which nginx\'s PCRE has ' +
      "and kubehop's RE2 engine does not; in a trace it matches no request (hint: write the path without it (RE2 " +
      "syntax), or check this route by hand)",
  ],
  "ingress-annotation-partial": [
    topo(`${WEB}${ingress(", annotations: {nginx.ingress.kubernetes.io/custom-http-errors: '503'}")}`),
    "<input>:8:54: info[ingress-annotation-partial]: nginx.ingress.kubernetes.io/custom-http-errors is simulated in part: backends are assumed to answer 200",
  ],
  "pod-pending": [topo(deploy("", "{nodeSelector: {disk: ssd}}")), "<input>:1:1: warning[pod-pending]: pod shop/web-"],
  "max-pods": [
    topo(`${TOPO}---\n${deploy("  replicas: 120\n")}`),
    "<input>:4:19: warning[max-pods]: node node-1 runs 120 pods, more than kubelet's default maxPods 110",
  ],
  "zero-replicas": [
    topo(deploy("  replicas: 0\n")),
    "<input>:1:1: info[zero-replicas]: Deployment shop/web has 0 replicas: no pods",
  ],
  "any-port": [topo(deploy("  replicas: 2\n")), "<input>:1:1: info[any-port]: pod shop/web-"],
  "dump-empty": [
    inDumpFolder("{nodeCount: 1, nodeDumps: {dir: nodes}}"),
    "/nodes/node-1/wg-show.txt:1:1: warning[dump-empty]: empty; ignored (the node's WireGuard peers are derived)",
  ],
  "dump-skipped": [
    () => parseIpRoute("10.0.0.0/8 dev eth0 table 220\n", "r.txt", interfaceMap(wgNodes()[0]!, [])).warnings,
    "r.txt:1:1: warning[dump-skipped]: route of table 220 skipped: only the main and local tables are read",
  ],
  "dump-approximated": [
    () => parseIpRoute("prohibit 10.9.0.0/16\n", "r.txt", interfaceMap(wgNodes()[0]!, [])).warnings,
    "r.txt:1:1: warning[dump-approximated]: prohibit route treated as unreachable (the sender gets an ICMP error either way)",
  ],
  "dump-unknown-peer": [
    () => parseWgShow(WG_PEER, "w.txt", interfaceMap(wgNodes()[0]!, []), wgNodes()).warnings,
    "w.txt:1:1: warning[dump-unknown-peer]: peer TrMvSoP4... (endpoint 203.0.113.9:51820) is no node's",
  ],
  "dump-private-key": [
    () => parseWgShow(WG_KEY, "w.txt", interfaceMap(wgNodes()[0]!, []), wgNodes()).warnings,
    "w.txt:1:1: warning[dump-private-key]: the interface line holds wg0's private key; kubehop ignores it (hint: redact it",
  ],
  "dump-prompt": [
    () => parseIpRoute("[root@node3 dev]# ip route\n", "r.txt", interfaceMap(wgNodes()[0]!, [])).warnings,
    'r.txt:1:1: info[dump-prompt]: "[root@node3 dev]# ip route" is a shell prompt or an echoed command; skipped',
  ],
  "dump-rules-both": [
    () => [bothRulesets("n.txt", "i.txt")],
    "n.txt:1:1: warning[dump-rules-both]: the node's rules are dumped twice: traces walk this nft ruleset",
  ],
  "nft-unreadable": [
    () => parseNftRuleset("chain c {\n}\n", "n.nft").diagnostics,
    "n.nft:1:1: warning[nft-unreadable]: a chain outside any table (the paste starts inside one)",
  ],
  "nft-unsupported": [
    () => parseNftRuleset("table ip t {\n chain c {\n  tcp flags syn drop\n }\n}\n", "n.nft").diagnostics,
    'n.nft:3:3: warning[nft-unsupported]: chain c: "tcp" "flags": an expression kubehop does not simulate',
  ],
  "nft-family-not-run": [
    () =>
      new NftEngine(parseNftRuleset("table ip6 t {\n chain c { type filter hook input priority 0; }\n}\n", "n.nft"))
        .diagnostics,
    "n.nft:1:1: warning[nft-family-not-run]: table ip6 t: kubehop traces IPv4 packets, which ip6 tables never see",
  ],
  "nft-missing": [
    () => new NftEngine(parseNftRuleset("table ip t {\n chain c {\n  jump nowhere\n }\n}\n", "n.nft")).diagnostics,
    'n.nft:3:1: warning[nft-missing]: chain "nowhere" does not exist in table ip t: never matches',
  ],
  "path-outside": [
    inDumpFolder("{nodeCount: 1, nodeDumps: {nodes: [{name: node-1, ipRoute: /etc/passwd}]}}"),
    '/topology.yaml:4:66: error[path-outside]: "/etc/passwd" is an absolute path; expected a path inside the ' +
      "topology's folder",
  ],
  "node-dumps-ignored": [inDumpFolder("{nodeCount: 1}"), "/nodes:1:1: warning[node-dumps-ignored]: "],
  "ipset-unknown": [
    () =>
      ipsetDiagnostics(
        parseIptablesSave("*nat\n:X - [0:0]\n-A X -m set --match-set S dst -j ACCEPT\nCOMMIT\n", "r.txt"),
        undefined,
      ),
    "r.txt:3:1: warning[ipset-unknown]: --match-set S: no ipsets were given; the rule testing it takes it as empty",
  ],
  "ipset-unsupported": [
    () => parseIpsets("create M hash:mac\n", "s.txt").warnings,
    "s.txt:1:1: warning[ipset-unsupported]: set M: its type hash:mac is not one kubehop tests",
  ],
  "iptables-table-ignored": [
    iptables("*security\n:INPUT ACCEPT [0:0]\n-A INPUT -j ACCEPT\nCOMMIT\n"),
    "r.txt:1:1: warning[iptables-table-ignored]: table security is not simulated; its 1 rules are ignored",
  ],
  "iptables-undeclared-chain": [
    iptables("*filter\n-A KUBE-X -j ACCEPT\nCOMMIT\n"),
    'r.txt:2:1: warning[iptables-undeclared-chain]: chain KUBE-X has no ":KUBE-X - [0:0]" line in table filter; assuming a user chain',
  ],
  "iptables-missing-chain": [
    iptables("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j KUBE-NOWHERE\nCOMMIT\n"),
    "r.txt:3:1: warning[iptables-missing-chain]: cannot interpret -j KUBE-NOWHERE (no chain KUBE-NOWHERE in table filter",
  ],
  "iptables-unsupported-match": [
    iptables("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m physdev --physdev-in eth0 -j DROP\nCOMMIT\n"),
    "r.txt:3:1: warning[iptables-unsupported-match]: cannot interpret -m physdev (bridge port matches are not simulated); the rule is treated as not matching",
  ],
  "iptables-unsupported-target": [
    iptables("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j TCPMSS --clamp-mss-to-pmtu\nCOMMIT\n"),
    "r.txt:3:1: warning[iptables-unsupported-target]: cannot interpret -j TCPMSS (a target kubehop does not simulate)",
  ],
  "iptables-approximated": [
    iptables(
      "*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -m statistic --mode nth --every 3 --packet 0 -j ACCEPT\nCOMMIT\n",
    ),
    "r.txt:3:1: warning[iptables-approximated]: -m statistic --mode nth --every 3 --packet 0 is approximated as probability 1/3",
  ],
  "iptables-listing": [
    iptables("# iptables -nL\nChain INPUT (policy DROP)\ntarget     prot opt source               destination\n"),
    "r.txt:2:1: error[iptables-listing]: lines 2-3: iptables -L output of table filter (chains INPUT), which leaves out",
  ],
  "iptables-unreadable-line": [
    iptables("*filter\n:INPUT ACCEPT [0:0]\ntion 10.131.0.45:443\nCOMMIT\n"),
    'r.txt:3:1: warning[iptables-unreadable-line]: "tion" does not start a line of iptables-save or iptables -S output',
  ],
  "iptables-unreadable-rule": [
    iptables("*nat\n:KUBE-SEP-X - [0:0]\n-A KUBE-SEP-X -p tcp -j DNAT --to-destination  --random\nCOMMIT\n"),
    "r.txt:3:48: warning[iptables-unreadable-rule]: --to-destination needs a value: IP[:PORT], e.g. 10.244.1.5:8080; the rule is kept in chain KUBE-SEP-X and never matches",
  ],
  "netfilter-work": [
    () => {
      const marks = Array.from({ length: 12 }, (_, i) => `0x${(1 << i).toString(16)}`);
      const rules = [
        ...marks.map((m) => `-A INPUT -m statistic --mode random --probability 0.5 -j MARK --set-xmark ${m}/${m}\n`),
        ...Array.from({ length: 1300 }, () => "-A INPUT -m mark --mark 0x80000000/0x80000000 -j DROP\n"),
      ];
      const text = `*filter\n:INPUT ACCEPT [0:0]\n${rules.join("")}COMMIT\n`;
      try {
        const packet = {
          proto: "tcp",
          src: 1,
          sport: 1,
          dst: 2,
          dport: 80,
          size: 60,
          ttl: 64,
          df: true,
          mark: 0,
        } as const;
        walkNode(parseIptablesSave(text, "r.txt"), packet, { hook: "prerouting", localIps: [2] });
      } catch (e) {
        if (e instanceof NetfilterWorkError) return [e.diagnostic];
        throw e;
      }
      return [];
    },
    "r.txt:266:1: error[netfilter-work]: a packet's walk through the INPUT hook visits more than 5,000,000 rules, " +
      "kubehop's fixed limit for one hook; the walk stops at this rule (hint: look for statistic rules whose matched " +
      "branches go on through the rest of the chain)",
  ],
  "iptables-deep-jumps": [
    iptables(
      `*filter\n:INPUT ACCEPT [0:0]\n${Array.from({ length: 16 }, (_, i) => `:C${i} - [0:0]\n`).join("")}` +
        `-A INPUT -j C0\n${Array.from({ length: 15 }, (_, i) => `-A C${i} -j C${i + 1}\n`).join("")}COMMIT\n`,
    ),
    "r.txt:19:1: warning[iptables-deep-jumps]: jumps from filter INPUT nest 16 chains deep; iptables-nft (nf_tables) " +
      'refuses a table whose jumps nest 16 deep (NFT_JUMP_STACK_SIZE, "Too many links"), iptables-legacy loads it: ' +
      "the rules are walked as the legacy kernel walks them",
  ],
  "iptables-paste-noise": [
    iptables("root@node-1:~# iptables-save -t nat\n-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000\n"),
    'r.txt:1:1: info[iptables-paste-noise]: a shell prompt with the command "iptables-save -t nat" (table nat); skipped',
  ],
  "iptables-elided": [
    iptables("*nat\n:PREROUTING ACCEPT [0:0]\n...\nCOMMIT\n"),
    'r.txt:3:1: warning[iptables-elided]: "...": the paste leaves rules out here; the rest is read as given',
  ],
  "iptables-table-inferred": [
    iptables("-A KILO-NAT -d 10.4.0.1/32 -j RETURN\n-A KILO-NAT -j MASQUERADE\n"),
    "r.txt:1:1: warning[iptables-table-inferred]: lines 1-2 have no *nat line: chain KILO-NAT read as table nat (NAT chains of the CNI, MASQUERADE targets)",
  ],
  "iptables-policy-assumed": [
    iptables("*filter\n:INPUT - [0:0]\nCOMMIT\n"),
    "r.txt:2:1: info[iptables-policy-assumed]: :INPUT - keeps the chain's current policy, which the text does not give; ACCEPT, the kernel's default, is assumed",
  ],
  "iptables-merged": [
    iptables("*nat\nCOMMIT\n*nat\nCOMMIT\n"),
    "r.txt:3:1: info[iptables-merged]: table nat again (first at line 1): its chains and rules are added to the first's",
  ],
  "iptables-no-kube-jumps": [
    iptables("*nat\n:KUBE-SERVICES - [0:0]\n-A KUBE-SERVICES -d 10.96.0.1/32 -j RETURN\nCOMMIT\n"),
    "r.txt:1:1: warning[iptables-no-kube-jumps]: no built-in chain jumps to kube-proxy's chains (nat OUTPUT -> KUBE-SERVICES, nat PREROUTING -> KUBE-SERVICES)",
  ],
  "iptables-kube-jumps-assumed": [
    () =>
      parseIptablesSave("*nat\n:KUBE-SERVICES - [0:0]\n-A KUBE-SERVICES -d 10.96.0.1/32 -j RETURN\nCOMMIT\n", "r.txt", {
        assumeKubeJumps: true,
      }).diagnostics,
    "r.txt:1:1: info[iptables-kube-jumps-assumed]: --assume-kube-jumps: added kube-proxy's jumps nat OUTPUT -> KUBE-SERVICES, nat PREROUTING -> KUBE-SERVICES, first in their built-in chains",
  ],
  "interface-assumed": [
    () => {
      const t = loadTopologySync("spec/fixtures/local-addresses/rules-only");
      return t.network.addresses(t.network.node("node-1")).assumed;
    },
    "spec/fixtures/local-addresses/rules-only/nodes/node-1/iptables-save.txt:5:1: warning[interface-assumed]: -i cni0: node-1's interfaces are not dumped, so kubehop gives it lo, eth0, bridge0, wg0; no packet is taken to pass cni0, so this test never matches",
  ],
  "netfilter-assumed": [
    () => {
      const rules = parseIptablesSave(
        "*nat\n:POSTROUTING ACCEPT [0:0]\n-A POSTROUTING -o eth0 -j ACCEPT\nCOMMIT\n",
        "r.txt",
      );
      const packet = {
        proto: "tcp",
        src: 1,
        sport: 1,
        dst: 2,
        dport: 80,
        size: 60,
        ttl: 64,
        df: true,
        mark: 0,
      } as const;
      return assumptionDiagnostics(walkNode(rules, packet, { hook: "output", localIps: [3] }), "r.txt");
    },
    "r.txt:3:1: warning[netfilter-assumed]: nat POSTROUTING rule 1 tests -o eth0 in POSTROUTING; the packet's outgoing interface is not given, so eth0 was assumed (hint: give it with --out-iface NAME)",
  ],
  "trace-dns-skipped": [
    () => loadTopologySync("topologies/default.yaml").curl("http://shop.example.com/", { traceDns: true }).diagnostics,
    "warning[trace-dns-skipped]: --trace-dns: only a pod's query goes to cluster DNS",
  ],
  "curl-option-ignored": [
    async () => (await runCli(["curl", "-f", "topologies/default.yaml", "-s", "http://shop.example.com/"])).stderr,
    "info[curl-option-ignored]: not modelled, no effect on the path: -s",
  ],
  "pasted-text": [
    topo(`$ kubectl get svc web -o yaml\n${WEB}`),
    '<input>:1:1: info[pasted-text]: shell prompt "$ kubectl get svc web -o yaml": not YAML, skipped; the YAML after it is read',
  ],
  "kubectl-warning": [
    topo(`Warning: policy/v1beta1 PodSecurityPolicy is deprecated\n${WEB}`),
    "<input>:1:1: warning[kubectl-warning]: kubectl printed a warning from the API server: policy/v1beta1 PodSecurityPolicy is deprecated",
  ],
  "ip-leading-zero": [
    topo(svc("web", "clusterIP: 10.96.0.010, ports: [{port: 80}]")),
    '<input>:4:19: warning[ip-leading-zero]: Service shop/web: "10.96.0.010" has leading zeros: Kubernetes reads it as 10.96.0.10 (decimal)',
  ],
  "deprecated-api": [
    topo(deploy("").replace("apps/v1", "extensions/v1beta1")),
    "<input>:1:13: warning[deprecated-api]: extensions/v1beta1 Deployment is not served since Kubernetes 1.16",
  ],
  "gateway-api-version": [
    topo(GATEWAY_ROUTE),
    "<input>:8:13: info[gateway-api-version]: gateway.networking.k8s.io/v1beta1 HTTPRoute is an older version",
  ],
  "gateway-listener-not-served": [
    topo(GATEWAY_ROUTE),
    "<input>:6:15: warning[gateway-listener-not-served]: Gateway shop/gw listener tcp: Accepted False (UnsupportedProtocol)",
  ],
  "gateway-route-not-accepted": [
    topo(GATEWAY_ROUTE),
    "<input>:8:1: warning[gateway-route-not-accepted]: HTTPRoute shop/web: parent Gateway shop/gw does not accept it (NoMatchingParent): Gateway shop/gw has no listener named nope",
  ],
  "gateway-backend-unresolved": [
    topo(GATEWAY_ROUTE),
    "<input>:8:1: warning[gateway-backend-unresolved]: HTTPRoute shop/web: ResolvedRefs False (BackendNotFound): Service shop/web is not in the input",
  ],
  "gateway-filter-not-modelled": [
    topo(GATEWAY_ROUTE),
    "<input>:8:1: warning[gateway-filter-not-modelled]: HTTPRoute shop/web: filter RequestMirror is not modelled",
  ],
  "gateway-field-not-modelled": [
    topo(GATEWAY_ROUTE.replace("rules: [{filters:", "rules: [{timeouts: {request: 10s}, filters:")),
    "<input>:11:74: warning[gateway-field-not-modelled]: HTTPRoute shop/web: rules[0].timeouts is not modelled; " +
      "kubehop answers as if it were not set",
  ],
  "gateway-address-unusable": [
    topo(GATEWAY_ROUTE.replace("  listeners:", "  addresses: [{type: Hostname, value: gw.example.com}]\n  listeners:")),
    "<input>:1:1: warning[gateway-address-unusable]: Gateway shop/gw: spec.addresses gw.example.com is of type Hostname",
  ],
  "gateway-host-conflict": [
    topo(
      `${WEB}${ingress("")}---\n${GATEWAY_ROUTE.replace("protocol: HTTP}", "protocol: HTTP, hostname: shop.example.com}")}`,
    ),
    "<input>:16:1: warning[gateway-host-conflict]: shop.example.com is served by Ingress shop/web and by Gateway shop/gw: " +
      "DNS resolves it to the Ingress's VIP 203.0.113.10, so curl reaches the Gateway only with --resolve " +
      "shop.example.com:80:203.0.113.11",
  ],
  "job-pods": [
    topo(deploy("  parallelism: 2\n").replace("apps/v1\nkind: Deployment", "batch/v1\nkind: Job")),
    "<input>:1:1: warning[job-pods]: Job shop/web: its 2 pods are taken to be running",
  ],
  "cronjob-no-pods": [
    topo("apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: nightly}\nspec: {schedule: '0 3 * * *'}\n"),
    '<input>:1:1: info[cronjob-no-pods]: CronJob default/nightly has no pod: it creates a Job on its schedule "0 3 * * *"',
  ],
  "default-range-moved": [
    topo(`${TOPO.replace("nodeCount: 1", "clusterCIDR: 192.168.0.0/16")}`),
    "info[default-range-moved]: the default underlay 192.168.10.0/24 overlaps 192.168.0.0/16, which the cluster uses: kubehop takes 172.31.10.0/24 instead",
  ],
  "dangling-backend": [
    topo(ingress("")),
    "<input>:9:67: warning[dangling-backend]: Ingress shop/web: backend Service shop/web does not exist: ingress-nginx answers 503 for it",
  ],
  "selector-no-match": [
    topo(svc("web", "selector: {app: nothing}, ports: [{port: 80}]")),
    "<input>:4:18: warning[selector-no-match]: Service shop/web: selector app=nothing matches no pod in namespace shop",
  ],
  "target-port-unresolved": [
    topo(
      `${svc("web", "selector: {app: web}, ports: [{port: 80, targetPort: http}]")}---\n${deploy("", "{containers: [{name: c, ports: [{containerPort: 8080}]}]}")}`,
    ),
    '<input>:4:61: warning[target-port-unresolved]: Service shop/web port 80: targetPort "http" names no TCP container port of the 1 selected pod',
  ],
  "no-ready-endpoints": [
    topo(svc("web", "ports: [{port: 80}]")),
    "<input>:4:16: warning[no-ready-endpoints]: Service shop/web port 80 has no ready endpoint: it has no selector, and no Endpoints or EndpointSlice",
  ],
  "lb-pending": [
    topo(svc("web", "type: LoadBalancer, selector: {app: web}, ports: [{port: 80}]")),
    "<input>:4:14: warning[lb-pending]: Service shop/web is a LoadBalancer with no address yet",
  ],
};

const WG_KEY =
  "wg0\tyAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\txTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\t51820\toff\n";
const WG_PEER =
  "wg0\tTrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0=\t(none)\t203.0.113.9:51820\t10.9.0.0/16\t0\t0\t0\toff\n";

/** The diagnostics of a topology in a folder with an empty nodes/node-1/wg-show.txt, paths from the folder. */
function inDumpFolder(spec: string): () => unknown {
  return () => {
    const dir = mkdtempSync(join(tmpdir(), "kubehop-diag-"));
    try {
      writeFileSync(join(dir, "topology.yaml"), TOPO.replace("{nodeCount: 1}", spec));
      mkdirSync(join(dir, "nodes", "node-1"), { recursive: true });
      writeFileSync(join(dir, "nodes", "node-1", "wg-show.txt"), "");
      const relative = (d: Diagnostic): Diagnostic =>
        d.source && "file" in d.source ? { ...d, source: { ...d.source, file: d.source.file.slice(dir.length) } } : d;
      try {
        return loadTopologySync(dir).cluster.diagnostics.map(relative);
      } catch (e) {
        throw e instanceof InputError ? new InputError(e.diagnostics.map(relative)) : e;
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

/** What a case printed, or the diagnostics it reported or threw, one a line as the command line prints them. */
async function linesOf(make: () => unknown): Promise<string[]> {
  let value: unknown;
  try {
    value = await make();
  } catch (e) {
    value = errorsOf(e);
  }
  if (typeof value === "string") return value.trimEnd().split("\n");
  return Array.isArray(value) ? (value as Diagnostic[]).map(formatDiagnostic) : [];
}

describe("diagnostics", () => {
  describe("every code, produced by what causes it, with its severity, source and message", () => {
    for (const [code, [make, want]] of Object.entries(CASES)) {
      it(code, async () => {
        const lines = await linesOf(make);
        const hit = lines.find((l) => l.includes(`[${code}]`));
        expect(hit, lines.join("\n")).to.be.a("string");
        expect(hit!.startsWith(want), `${hit}\n  should start with\n${want}`).to.equal(true);
        expect(hit).to.include(`${DIAGNOSTIC_CODES[code as DiagnosticCode].severity}[${code}]: `);
      });
    }
  });

  it("a case for every code of the registry", () => {
    expect(Object.keys(CASES).sort()).to.deep.equal(Object.keys(DIAGNOSTIC_CODES).sort());
  });

  it("lib/ names only codes of the registry, and every code is used in lib/", () => {
    const used = new Set<string>();
    const call =
      /\b(?:diagnostic|problem|warn|InputError\.at)\(\s*"([a-z0-9-]+)"|\bcode(?:: \w+)? === "([a-z0-9-]+)"|"([a-z]+(?:-[a-z0-9]+)+)"/g;
    const files = readdirSync("lib", { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"));
    for (const f of files) {
      const text = readFileSync(join("lib", f), "utf8");
      for (const m of text.matchAll(call)) {
        const name = m[1] ?? m[2] ?? m[3]!;
        if (name in DIAGNOSTIC_CODES) used.add(name);
        else if (m[1]) expect.fail(`${f}: code "${name}" is not in DIAGNOSTIC_CODES`);
      }
    }
    // The registry itself names every code once: count only uses outside it.
    const outside = new Set<string>();
    for (const f of files.filter((f) => f !== join("model", "diagnostic.ts"))) {
      const text = readFileSync(join("lib", f), "utf8");
      for (const code of Object.keys(DIAGNOSTIC_CODES)) if (text.includes(`"${code}"`)) outside.add(code);
    }
    // input-file is the default code of InputError.at, which the file readers use.
    outside.add("input-file");
    expect(Object.keys(DIAGNOSTIC_CODES).filter((c) => !outside.has(c))).to.deep.equal([]);
  });

  it("the README's table of codes is the registry, row for row", () => {
    const readme = readFileSync("README.md", "utf8");
    const section = readme.slice(readme.indexOf("## Diagnostics"));
    const rows = [...section.matchAll(/^\| `([a-z0-9-]+)` \| (\w+) \| (.*) \|$/gm)].map((m) => [m[1], m[2], m[3]]);
    expect(rows).to.deep.equal(Object.entries(DIAGNOSTIC_CODES).map(([c, e]) => [c, e.severity, e.meaning]));
  });

  describe("--strict", () => {
    const KUBECTL = "spec/fixtures/kubectl/cluster.yaml";

    it("validate: warnings are printed and exit 0; with --strict they are errors and exit 2", async () => {
      const loose = await runCli(["validate", "-f", KUBECTL]);
      expect(loose.code).to.equal(0);
      expect(loose.stderr).to.include(
        `${KUBECTL}:882:3: warning[unmodelled-kind]: NetworkPolicy shop/api-from-ingress`,
      );
      const strict = await runCli(["validate", "-f", KUBECTL, "--strict"]);
      expect(strict.code).to.equal(2);
      expect(strict.stdout).to.equal("");
      expect(strict.stderr.trimEnd().split("\n")).to.deep.equal([
        `${KUBECTL}:882:3: error[unmodelled-kind]: NetworkPolicy shop/api-from-ingress: kubehop does not enforce NetworkPolicies: traces may show traffic this policy would block`,
        `${KUBECTL}:625:7: error[no-ready-endpoints]: Service shop/web port http has no ready endpoint: none of the 1 endpoint its Endpoints or EndpointSlices list is ready`,
        `${KUBECTL}:714:7: error[selector-no-match]: Service kube-system/kube-dns: selector k8s-app=kube-dns matches no pod in namespace kube-system: it has no endpoints (hint: check the selector against the pods' labels (kubectl get pods --show-labels))`,
        `${KUBECTL}:902:3: error[gateway-route-not-accepted]: HTTPRoute shop/api-canary: parent Gateway shop/shop-gateway does not accept it (NoMatchingParent): no Gateway shop/shop-gateway in the input`,
      ]);
    });

    it("a topology without warnings passes --strict; info stays info", async () => {
      expect((await runCli(["validate", "-f", "topologies/default.yaml", "--strict"])).code).to.equal(0);
      const rs = "spec/fixtures/real/manifests/k8s-website/replicaset-frontend.yaml";
      const r = await runCli(["validate", "-f", rs, "--strict"]);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stderr).to.match(
        /^spec\/fixtures\/real\/manifests\/k8s-website\/replicaset-frontend\.yaml:1:1: info\[any-port\]: /,
      );
    });

    it("trace, get and diagram refuse the same topology under --strict, and run without it", async () => {
      for (const argv of [
        ["get", "pods", "-f", KUBECTL],
        ["diagram", "-f", KUBECTL],
      ]) {
        expect((await runCli(argv)).code, argv.join(" ")).to.equal(0);
        const strict = await runCli([...argv, "--strict"]);
        expect(strict.code, argv.join(" ")).to.equal(2);
        expect(strict.stderr).to.match(/^spec\/fixtures\/kubectl\/cluster\.yaml:882:3: error\[unmodelled-kind\]/);
      }
    });

    it("netfilter: a rule it cannot interpret is a warning, and an error under --strict", async () => {
      const rules = "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m physdev --physdev-in eth0 -j DROP\nCOMMIT\n";
      const argv = ["netfilter", "--rules", "-", "--src", "10.0.0.1", "--dst", "10.0.0.2", "--dport", "80"];
      const loose = await runCli(argv, { stdin: rules });
      expect(loose.code).to.equal(0);
      expect(loose.stdout).to.include("<stdin>:3:1: warning[iptables-unsupported-match]: cannot interpret -m physdev");
      const strict = await runCli([...argv, "--strict"], { stdin: rules });
      expect(strict.code).to.equal(2);
      expect(strict.stdout).to.equal("");
      expect(strict.stderr).to.equal(
        "<stdin>:3:1: error[iptables-unsupported-match]: cannot interpret -m physdev (bridge port matches are not simulated); the rule is treated as not matching\n",
      );
    });

    it("curl: the trace's own warnings count too (--trace-dns with no query to send)", async () => {
      const argv = ["curl", "-f", "topologies/default.yaml", "--trace-dns", "http://shop.example.com/"];
      expect((await runCli(argv)).code).to.equal(0);
      const strict = await runCli([...argv, "--strict"]);
      expect(strict.code).to.equal(2);
      expect(strict.stderr).to.equal(
        "error[trace-dns-skipped]: --trace-dns: only a pod's query goes to cluster DNS; outside the cluster the name comes from the Topology's zone\n",
      );
    });
  });

  it("trace --json lists diagnostics with their codes, valid against the published schema", async () => {
    const r = await runCli([
      "curl",
      "-f",
      "spec/fixtures/topologies/curl-failures.yaml",
      "-o",
      "json",
      "https://store.example.com/shop",
    ]);
    const json = JSON.parse(r.stdout);
    expectSchemaValid("trace", json);
    expect(json.diagnostics).to.deep.include({
      code: "ingress-not-served",
      severity: "warning",
      source: { file: "spec/fixtures/topologies/curl-failures.yaml", line: 119, col: 1 },
      message:
        "Ingress store/foreign is of class traefik, which no controller here serves: IngressClass traefik names controller traefik.io/ingress-controller, not k8s.io/ingress-nginx",
    });
  });
});
