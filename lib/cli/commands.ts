// Every command kubehop has: what it does, its flags and real examples, and where its code is.
// Nothing here imports the simulator: `kubehop --help`, completion and did-you-mean stay instant, and
// a command loads only its own modules when it runs.
import { type CommandSpec, type OptionSpec, STRICT_OPTION } from "./command.ts";
import { CURL_OPTIONS } from "./curl-args.ts";

const T = "topologies/default.yaml";

const json: OptionSpec = { type: "boolean", help: "print JSON (the same as -o json)" };
const output: OptionSpec = { type: "string", short: "o", value: "FORMAT", help: "text (default), json or yaml" };
const picks: Record<string, OptionSpec> = {
  all: { type: "boolean", help: "print every branch in full" },
  branch: { type: "string", value: "K", help: "print branch K (1-based) in full" },
  seed: {
    type: "string",
    value: "N",
    help: "sample one branch by its probability, seeded: the same N picks the same branch",
  },
};
const traceOutput: Record<string, OptionSpec> = {
  output: {
    type: "string",
    short: "o",
    value: "FORMAT",
    help: "text (default), wide (every step), json, yaml or mermaid",
  },
  json,
  format: { type: "string", value: "FORMAT", help: "text, json or mermaid (older spelling of -o)" },
  verbose: {
    type: "boolean",
    short: "v",
    help: "every step of every hop, with the deciding rule and the header changes",
  },
  svg: { type: "string", value: "FILE", help: "also draw the shown branches over the cluster into FILE (SVG)" },
  view: {
    type: "string",
    value: "cluster|path",
    help: "with --svg: the path over the whole cluster (default) or only the devices it crosses",
  },
  "no-reply": { type: "boolean", help: "leave the reply out of the drawing and the Mermaid diagram" },
};

export const COMMANDS: Record<string, CommandSpec> = {
  trace: {
    summary: "follow one packet from a location to a destination, hop by hop, and its reply",
    usage:
      "-f TOPO --from LOC --to DEST [-n NS] [--proto tcp|udp|icmp|sctp] [--src IP] [--all|--branch K|--seed N] [-o " +
      "text|wide|json|yaml|mermaid]",
    topology: true,
    namespaced: true,
    options: {
      from: {
        type: "string",
        value: "LOC",
        help: "where it starts: pod/[NS/]NAME, deploy/NAME, sts/NAME, ds/NAME, node/NAME, node/NAME:IFACE, client/NAME",
      },
      to: {
        type: "string",
        value: "DEST",
        help: "IP:PORT, svc/[NS/]NAME[:PORT], pod/[NS/]NAME:PORT, deploy/NAME:PORT, node/NAME:PORT or client/NAME:PORT",
      },
      proto: { type: "string", value: "PROTO", help: "tcp (default), udp, icmp or sctp" },
      src: { type: "string", value: "IP", help: "override the source address at the start" },
      sport: { type: "string", value: "N", help: "source port (default 40000)" },
      size: { type: "string", value: "BYTES", help: "packet size in bytes (default 60)" },
      ...picks,
      ...traceOutput,
    },
    examples: [
      `kubehop trace -f ${T} --from pod/shop/db-0 --to svc/shop/api:80`,
      `kubehop trace -f ${T} -n shop --from deploy/web --to svc/api --branch 1`,
      `kubehop trace -f ${T} --from client/client --to 203.0.113.10:443 -o json`,
    ],
    load: () => import("./trace-command.ts"),
  },
  curl: {
    summary: "an HTTP(S) request as curl would send it, through DNS, the LB, kube-proxy, the ingress and back",
    usage: "-f TOPO [--from LOC] [curl's flags] URL [--all|--branch K|--seed N] [-o text|json|yaml|mermaid]",
    topology: true,
    namespaced: true,
    rawArgs: true,
    options: CURL_OPTIONS,
    examples: [
      `kubehop curl -f ${T} https://shop.example.com/api/cart --branch 1`,
      `kubehop curl -f ${T} -s -v -d '{"item":1}' https://shop.example.com/api/cart --branch 1`,
      `kubehop curl -f ${T} --from pod/shop/db-0 http://api.shop.svc.cluster.local/ -o json`,
    ],
    load: () => import("./curl-command.ts"),
  },
  get: {
    summary: "list what the topology holds, kubectl-style: derived names, IPs, nodes and endpoints",
    usage: "pods|svc|nodes|ingress|endpoints -f TOPO [-n NS|-A] [-o wide|json|yaml]",
    topology: true,
    namespaced: true,
    positionals: { min: 1, max: 1, name: "RESOURCE" },
    options: {
      "all-namespaces": { type: "boolean", short: "A", help: "every namespace (adds a NAMESPACE column)" },
      output: { type: "string", short: "o", value: "FORMAT", help: "wide, json or yaml (default: a table)" },
    },
    examples: [
      `kubehop get pods -f ${T} -n shop -o wide`,
      `kubehop get svc -f ${T} -A`,
      `kubehop get endpoints -f ${T} -n shop -o yaml`,
    ],
    load: () => import("./get-command.ts"),
  },
  validate: {
    summary: "load a topology, check it, and summarise the cluster kubehop built from it",
    usage: "-f TOPO [-o text|json]",
    topology: true,
    options: { output, json },
    examples: [
      `kubehop validate -f ${T}`,
      "kubehop validate -f topologies/dumps-example",
      `kubehop validate -f ${T} -o json`,
    ],
    load: () => import("./validate-command.ts"),
  },
  check: {
    summary: "run routing expectations (the Topology's expect: list and FILE's) and print pass/fail",
    usage: "-f TOPO [EXPECTATIONS.yaml] [--junit FILE]",
    topology: true,
    positionals: { min: 0, max: 1, name: "EXPECTATIONS.yaml" },
    options: { junit: { type: "string", value: "FILE", help: "also write a JUnit XML report to FILE" } },
    examples: [`kubehop check -f ${T}`, `kubehop check -f ${T} --junit kubehop-junit.xml`],
    load: () => import("./check-command.ts"),
  },
  diff: {
    summary: "the requests whose outcome changes between two topologies, with both traces",
    usage: "-f BEFORE -f AFTER [--requests EXPECTATIONS.yaml] [--brief]",
    topology: true,
    multipleTopologies: true,
    options: {
      requests: {
        type: "string",
        value: "FILE",
        help: "compare these requests (a kind: Expectations file) instead of every Service port and Ingress rule",
      },
      brief: { type: "boolean", help: "list the changes without their traces" },
    },
    examples: [`kubehop diff -f ${T} -f topologies/hard-cases/local-policy.yaml --brief`],
    load: () => import("./diff-command.ts"),
  },
  migrate: {
    summary: "will every request still go where it went? an Ingress world against its Gateway API conversion",
    usage: "-f INGRESS_WORLD --to GATEWAY_WORLD [-o text|json] [--junit FILE] [--limit N]",
    topology: true,
    options: {
      to: {
        type: "string",
        value: "FILE",
        help:
          "the Gateway world: ingress2gateway's output (laid over -f without its Ingresses: `ingress2gateway print " +
          "--providers=ingress-nginx --input-file INGRESS_WORLD > GATEWAY_WORLD`), or a whole topology",
      },
      json,
      output,
      junit: {
        type: "string",
        value: "FILE",
        help: "also write a JUnit XML report to FILE (one testcase per request)",
      },
      limit: { type: "string", value: "N", help: "refuse to run more than N requests (default 1000)" },
    },
    // The user's own files: the package ships no Ingress world and its conversion
    // (spec/cli-help runs no example of it).
    examples: [
      "kubehop migrate -f my-ingresses.yaml --to my-gateway-api.yaml",
      "kubehop migrate -f my-ingresses.yaml --to my-gateway-api.yaml -o json --junit migrate.xml",
    ],
    load: () => import("./migrate-command.ts"),
  },
  netfilter: {
    summary: "one packet through one node's iptables-save rules: every branch, DNAT, marks and verdict",
    usage:
      "--rules FILE|- --src IP --dst IP --dport N [--sport N] [--proto tcp|udp|sctp] [--local-ip IP ...] [--ipsets " +
      "FILE] [--hook prerouting|output]",
    options: {
      rules: { type: "string", value: "FILE", help: 'iptables-save text of one node ("-" reads stdin)' },
      src: { type: "string", value: "IP", help: "source address" },
      dst: { type: "string", value: "IP", help: "destination address" },
      dport: { type: "string", value: "N", help: "destination port" },
      sport: { type: "string", value: "N", help: "source port (default 40000)" },
      proto: { type: "string", value: "PROTO", help: "tcp (default), udp or sctp" },
      "local-ip": {
        type: "string",
        multiple: true,
        value: "IP",
        help: "an address of the node (repeatable); the first one is the MASQUERADE address",
      },
      hook: {
        type: "string",
        value: "HOOK",
        help: "prerouting (default): arrives on --in-iface; output: a process on the node sends it",
      },
      "in-iface": { type: "string", value: "NAME", help: "the interface it arrives on (default eth0)" },
      "out-iface": { type: "string", value: "NAME", help: "the interface it leaves by (default eth0)" },
      ipsets: {
        type: "string",
        value: "FILE",
        help: "the node's `ipset save` (or `ipset list`) output, for -m set --match-set; without it sets are unknown",
      },
      "assume-kube-jumps": {
        type: "boolean",
        help:
          "add the jumps kube-proxy installs into its chains (PREROUTING/OUTPUT -> KUBE-SERVICES, ...) when " +
          "none are there, as in its iptables-restore text",
      },
      strict: STRICT_OPTION,
      json,
    },
    examples: [
      "kubehop netfilter --rules topologies/dumps-example/nodes/node-1/iptables-save.txt --src 198.51.100.10 --dst " +
        "10.96.0.20 --dport 80 --local-ip 192.168.10.11",
    ],
    load: () => import("./netfilter-command.ts"),
  },
  "iptables-save": {
    summary: "a node's iptables rules as kube-proxy and the overlay agent leave them, as iptables-save prints them",
    usage: "-f TOPO --node NAME [--table nat|filter]",
    topology: true,
    options: {
      node: { type: "string", value: "NAME", help: "the node whose rules to print" },
      table: { type: "string", value: "TABLE", help: "only this table (iptables-save's -t TABLE)" },
    },
    examples: [
      `kubehop iptables-save -f ${T} --node node-1`,
      `kubehop iptables-save -f ${T} --node node-2 --table nat`,
    ],
    load: () => import("./iptables-save-command.ts"),
  },
  ruleset: {
    summary:
      "a node's kube-proxy rules as the node's own tool prints them: iptables-save text, or nft list ruleset text " +
      "in nftables mode",
    usage: "-f TOPO --node NAME",
    topology: true,
    options: {
      node: { type: "string", value: "NAME", help: "the node whose rules to print" },
    },
    examples: ["kubehop ruleset -f topologies/nftables.yaml --node node-1", `kubehop ruleset -f ${T} --node node-1`],
    load: () => import("./ruleset-command.ts"),
  },
  diagram: {
    summary: "draw the cluster as an SVG: nodes, bridge0, wg0, the overlay, Services and Ingresses",
    usage: "-f TOPO [-o FILE.svg]",
    topology: true,
    options: {
      output: { type: "string", short: "o", value: "FILE", help: "write the SVG to FILE (default: standard output)" },
    },
    examples: [`kubehop diagram -f ${T} -o cluster.svg`],
    load: () => import("./diagram-command.ts"),
  },
  report: {
    summary: "one HTML page: the cluster's diagram and a curl through every Ingress host and path",
    usage: "-f TOPO [-o FILE.html]",
    topology: true,
    options: {
      output: { type: "string", short: "o", value: "FILE", help: "write the HTML to FILE (default: standard output)" },
    },
    examples: [`kubehop report -f ${T} -o report.html`],
    load: () => import("./report-command.ts"),
  },
  drift: {
    summary: "where nodes' dumps (iptables-save, ip route, wg show) differ from what the objects derive",
    usage: "-f TOPO [-o text|json]",
    topology: true,
    options: { output, json },
    examples: ["kubehop drift -f topologies/dumps-example", "kubehop drift -f topologies/dumps-example -o json"],
    load: () => import("./drift-command.ts"),
  },
  collect: {
    summary: "print (never run) the commands that gather a cluster's objects and node dumps for kubehop",
    usage: "[--nodes a,b] [-o DIR] [--via debug|ssh]",
    options: {
      nodes: { type: "string", value: "A,B", help: "the nodes to dump (default: every node kubectl lists)" },
      output: { type: "string", short: "o", value: "DIR", help: "the folder the commands fill (default kubehop-dump)" },
      via: { type: "string", value: "HOW", help: "debug (kubectl debug node/..., default) or ssh" },
    },
    examples: ["kubehop collect --nodes node-1,node-2", "kubehop collect --via ssh -o dump"],
    load: () => import("./collect-command.ts"),
  },
  generate: {
    summary: "write a valid topology of a given size, for benchmarks and for trying kubehop at Kubernetes' limits",
    usage: "--nodes N [--pods-per-node P] [--services S] [--endpoints E] [-o FILE]",
    options: {
      nodes: { type: "string", value: "N", help: "number of nodes (1-5000)" },
      "pods-per-node": {
        type: "string",
        value: "P",
        help: "pods per node (default 10; at most 110, kubelet's default)",
      },
      services: { type: "string", value: "S", help: "number of Services (default 0; at most 20000)" },
      endpoints: { type: "string", value: "E", help: "endpoints per Service (default 1; at most 1000)" },
      output: { type: "string", short: "o", value: "FILE", help: "write to FILE (default: standard output)" },
    },
    examples: [
      "kubehop generate --nodes 3 --pods-per-node 5 --services 4 --endpoints 2",
      "kubehop generate --nodes 500 --pods-per-node 30 --services 1000 --endpoints 15 -o big.yaml",
    ],
    load: () => import("./generate-command.ts"),
  },
  emulate: {
    summary: "build the topology for real in network namespaces (root): bridges, wg0, kube-proxy's rules",
    usage: "-f TOPO [--keep] [--shell NAME] | --clean [--force]",
    topology: true,
    options: {
      keep: { type: "boolean", help: "leave it running after the command ends (remove it with --clean)" },
      shell: { type: "string", value: "NAME", help: "open a shell in node/NAME, pod/NS/NAME or client/NAME" },
      clean: {
        type: "boolean",
        help: "remove the kept emulations and the leftovers of dead runs (not those of a running kubehop)",
      },
      force: { type: "boolean", help: "with --clean: also remove the runs of kubehop processes still running" },
    },
    examples: [`kubehop emulate -f ${T} --shell pod/shop/db-0`, "kubehop emulate --clean"],
    load: () => import("./emulate-command.ts"),
  },
  verify: {
    summary: "the simulator against the real kernel: real connections through the emulation, compared",
    usage:
      "-f TOPO [--repeat N] [--request 'FROM TO [PROTO] [SIZE]' ...] [--only] [--alpha A] [--allow-skip] [-o " +
      "text|json]",
    topology: true,
    options: {
      repeat: { type: "string", value: "N", help: "connections per request (default 30)" },
      request: {
        type: "string",
        multiple: true,
        value: "REQ",
        help: "also check 'FROM TO [PROTO] [SIZE]' (repeatable)",
      },
      only: { type: "boolean", help: "check only the --request ones" },
      alpha: { type: "string", value: "A", help: "the run's family-wise significance (default 0.001)" },
      timeout: { type: "string", value: "MS", help: "per connection (default 1000)" },
      "allow-skip": {
        type: "boolean",
        help: "exit 0 when nothing could be verified (not root, no network namespaces); without it, exit 1",
      },
      output,
      json,
    },
    examples: [
      `kubehop verify -f ${T} --repeat 20`,
      `kubehop verify -f ${T} --only --request 'pod/shop/db-0 svc/shop/api:80'`,
    ],
    load: () => import("./verify-command.ts"),
  },
  completion: {
    summary: "print a shell completion script: kubehop completion bash|zsh|fish",
    usage: "bash|zsh|fish",
    positionals: { min: 1, max: 1, name: "SHELL" },
    options: {},
    examples: [
      "kubehop completion bash > /etc/bash_completion.d/kubehop",
      'kubehop completion zsh > "${fpath[1]}/_kubehop"',
      "kubehop completion fish > ~/.config/fish/completions/kubehop.fish",
    ],
    // The completion scripts are made from this table, handed over (completion.ts does not import it).
    load: async () => ({ run: (await import("./completion.ts")).completionRun(COMMANDS) }),
  },
};
