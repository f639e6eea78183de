// One kind of report for everything kubehop says about its input: bad input (errors), what it reads
// but does not simulate or only approximates (warnings), and assumptions worth knowing (info).
// Codes are stable: scripts and CI match on them, so a code is never renamed or reused; wording of
// messages may improve. The README's table of codes is checked against DIAGNOSTIC_CODES.
import type { Origin } from "./origin.ts";

export type Severity = "error" | "warning" | "info";

/** The Kubernetes object a diagnostic is about, where no file position says it better. */
export interface ObjectRef {
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

/** A rule of a ruleset kubehop generated (kube-proxy's, the CNI's), which has no file to point into. */
export interface RuleSource {
  /** Names the ruleset, e.g. `kube-proxy on node-1`. */
  readonly ruleset: string;
  readonly table: string;
  readonly chain: string;
  /** 1-based position in the chain. */
  readonly index: number;
}

/**
 * A position in a file, an object, or a generated iptables rule; absent when the diagnostic is about
 * the request as a whole.
 */
export type DiagnosticSource = Origin | { readonly object: ObjectRef } | { readonly rule: RuleSource };

export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  readonly source?: DiagnosticSource;
  readonly message: string;
  /** What to do about it, where the fix is known. */
  readonly hint?: string;
}

interface CodeEntry {
  readonly severity: Severity;
  readonly meaning: string;
}

/** Every code kubehop reports, with its severity and what it means. */
export const DIAGNOSTIC_CODES = {
  "input-file": {
    severity: "error",
    meaning: "a file or folder cannot be read: missing, too large, binary, not UTF-8",
  },
  "input-syntax": { severity: "error", meaning: "YAML or JSON that does not parse, or holds no documents" },
  "document-shape": { severity: "error", meaning: "a document is not a mapping with apiVersion and kind" },
  "unknown-field": { severity: "error", meaning: "a field the kind does not have (often a misspelling)" },
  "invalid-field": { severity: "error", meaning: "a field's value is not of the form the kind allows" },
  "invalid-value": { severity: "error", meaning: "values that are well-formed but cannot hold together" },
  duplicate: { severity: "error", meaning: "two objects with one name, or a second of a kind there is one of" },
  "dangling-reference": { severity: "error", meaning: "a name that refers to no node, Service, pod or file" },
  "address-outside": { severity: "error", meaning: "an address or prefix outside the range it must be in" },
  "address-conflict": { severity: "error", meaning: "addresses or prefixes that overlap or are taken twice" },
  "address-exhausted": { severity: "error", meaning: "a range with no address or prefix left to give" },
  "too-large": { severity: "error", meaning: "a topology past a size limit Kubernetes has (nodes, pods, Services)" },
  "node-port": { severity: "error", meaning: "a nodePort outside the node-port range, or allocated twice" },
  "invalid-request": { severity: "error", meaning: "an expectation's request names what the topology lacks" },
  "wrong-kind": { severity: "error", meaning: "a kind the command does not take in that file" },
  "dump-syntax": {
    severity: "warning",
    meaning: "a node dump line that is not what the command prints: skipped, the rest is read",
  },
  "iptables-syntax": { severity: "error", meaning: "iptables-save text that iptables-restore would refuse" },
  "unmodelled-kind": { severity: "warning", meaning: "an object of a kind that can change traffic, not simulated" },
  "service-proxy-name": { severity: "warning", meaning: "a Service handed to another proxy than kube-proxy" },
  "kube-proxy-mode": { severity: "warning", meaning: "kube-proxy in a mode other than iptables" },
  "ingress-not-served": { severity: "warning", meaning: "an Ingress that no controller in the input serves" },
  "ingress-annotation": {
    severity: "warning",
    meaning: "an ingress-nginx annotation kubehop does not simulate, or a value the controller cannot read",
  },
  "ingress-controller-flag": {
    severity: "warning",
    meaning: "an ingress-nginx controller flag kubehop does not simulate or know, or a value the controller refuses",
  },
  "ingress-controller-configmap": {
    severity: "info",
    meaning: "the ConfigMap an ingress-nginx controller's --configmap names is not in the input: defaults are taken",
  },
  "ingress-configmap-key": {
    severity: "warning",
    meaning: "an ingress-nginx ConfigMap key kubehop does not simulate, or a value the controller cannot read",
  },
  "ingress-controllers-differ": {
    severity: "info",
    meaning: "ingress-nginx controllers with different flags: each one's pods are simulated with their own",
  },
  "regex-unsupported": {
    severity: "warning",
    meaning: "a user regex with a PCRE feature RE2 lacks (lookaround, backreference): matches nothing in a trace",
  },
  "ingress-annotation-partial": {
    severity: "info",
    meaning: "an ingress-nginx annotation simulated in part, or one that cannot change the path",
  },
  "pod-pending": { severity: "warning", meaning: "a pod no node can take: it stays Pending" },
  "max-pods": { severity: "warning", meaning: "a node runs more pods than kubelet's default maxPods (110)" },
  "zero-replicas": { severity: "info", meaning: "a workload with 0 replicas: it has no pods" },
  "any-port": { severity: "info", meaning: "pods that declare no containerPorts are taken to listen on any port" },
  "dump-empty": { severity: "warning", meaning: "an empty node dump file: that part of the node is derived" },
  "dump-skipped": { severity: "warning", meaning: "dumped routes, addresses, devices or peers kubehop does not model" },
  "dump-approximated": { severity: "warning", meaning: "a dumped route simulated by a close equivalent" },
  "dump-unknown-peer": { severity: "warning", meaning: "a dumped WireGuard peer that is no node's" },
  "dump-private-key": { severity: "warning", meaning: "a dump holds a WireGuard private key: redact it" },
  "dump-prompt": { severity: "info", meaning: "a shell prompt or an echoed command in a dump: skipped" },
  "dump-rules-both": {
    severity: "warning",
    meaning:
      "a node dumped as nft-list-ruleset.txt (without kube-proxy's table) and iptables-save.txt: traces walk the " +
      "nft ruleset",
  },
  "path-outside": {
    severity: "error",
    meaning: "a path a topology names that leaves its folder (absolute, .. or a symbolic link out)",
  },
  "node-dumps-ignored": {
    severity: "warning",
    meaning: "a nodes/ folder beside the topology that it does not name: not read",
  },
  "nft-unreadable": {
    severity: "warning",
    meaning: "nft text kubehop cannot place (outside a table, an unclosed block, a command it does not run): skipped",
  },
  "nft-unsupported": {
    severity: "warning",
    meaning: "an nft expression or statement kubehop cannot simulate: its rule never matches",
  },
  "nft-family-not-run": {
    severity: "warning",
    meaning: "an nft table of a family kubehop does not run for IPv4 packets (ip6, arp, bridge, netdev): read only",
  },
  "nft-missing": { severity: "warning", meaning: "a jump, goto or @set naming what the table lacks: never matches" },
  "ipset-unknown": {
    severity: "warning",
    meaning: "a --match-set on a set kubehop was not given: taken as empty, the result uncertain",
  },
  "ipset-unsupported": { severity: "warning", meaning: "an ipset type or member kubehop cannot test: taken as empty" },
  "iptables-table-ignored": {
    severity: "warning",
    meaning: "a table kubehop does not simulate; its rules are ignored",
  },
  "iptables-undeclared-chain": { severity: "warning", meaning: "a rule in a chain with no declaration line" },
  "iptables-missing-chain": { severity: "warning", meaning: "a jump to a chain that does not exist: never matches" },
  "iptables-unsupported-match": { severity: "warning", meaning: "a match kubehop cannot simulate: never matches" },
  "iptables-unsupported-target": { severity: "warning", meaning: "a target kubehop cannot simulate: never matches" },
  "iptables-approximated": { severity: "warning", meaning: "a rule simulated with a stated approximation" },
  "iptables-listing": {
    severity: "error",
    meaning: "iptables -L output, which cannot say where a packet goes: run iptables-save or iptables -S",
  },
  "iptables-unreadable-line": {
    severity: "warning",
    meaning: "a line that is neither iptables text nor a known part of a paste: skipped, the rest is read",
  },
  "iptables-unreadable-rule": {
    severity: "warning",
    meaning: "a rule that cannot be read (garbled, cut, a jump loop): kept in its chain, never matches",
  },
  "netfilter-work": {
    severity: "error",
    meaning: "a packet's walk through one hook visits or keeps more than kubehop's fixed limit: refused",
  },
  "iptables-deep-jumps": {
    severity: "warning",
    meaning: "jumps nest 16 or more chains deep, which iptables-nft refuses: walked as iptables-legacy does",
  },
  "iptables-paste-noise": {
    severity: "info",
    meaning: "a shell prompt, an echoed command, a message or other output in pasted rules: skipped",
  },
  "iptables-elided": {
    severity: "warning",
    meaning: "the paste leaves rules out (`...`, a table without COMMIT): what is there is read",
  },
  "iptables-table-inferred": {
    severity: "warning",
    meaning: "chains with no *table line: the table is inferred from their names and targets",
  },
  "iptables-policy-assumed": {
    severity: "info",
    meaning: "a built-in chain whose policy the text does not give (`-`, no declaration): ACCEPT assumed",
  },
  "iptables-merged": { severity: "info", meaning: "a table or chain given twice: read as one, in order" },
  "iptables-no-kube-jumps": {
    severity: "warning",
    meaning: "kube-proxy's chains with no jump into them from a built-in chain (its restore text)",
  },
  "iptables-kube-jumps-assumed": {
    severity: "info",
    meaning: "--assume-kube-jumps added the jumps kube-proxy installs into its chains",
  },
  "interface-assumed": {
    severity: "warning",
    meaning: "a node's rules are dumped, its interfaces not: a rule testing another name than kubehop's never matches",
  },
  "netfilter-assumed": {
    severity: "warning",
    meaning: "rules read alone: a node's address or interface they test was not given; the stated default was used",
  },
  "trace-dns-skipped": { severity: "warning", meaning: "--trace-dns asked, but there is no query to trace" },
  "curl-option-ignored": { severity: "info", meaning: "a curl option with no effect on the path, or a file not read" },
  "pasted-text": {
    severity: "info",
    meaning: "a shell prompt, command output or table pasted around the YAML: skipped",
  },
  "kubectl-warning": {
    severity: "warning",
    meaning: "a kubectl `Warning:` line pasted with the YAML: the API server's warning",
  },
  "ip-leading-zero": {
    severity: "warning",
    meaning: "an IPv4 address with leading zeros, read as decimal as kube-proxy does",
  },
  "deprecated-api": {
    severity: "warning",
    meaning: "an apiVersion that Kubernetes no longer serves (removed in a release)",
  },
  "gateway-api-version": { severity: "info", meaning: "a Gateway API object of an older version, read as v1" },
  "gateway-route-not-accepted": {
    severity: "warning",
    meaning: "an HTTPRoute or GRPCRoute parentRef that a Gateway does not accept: that parent does not serve it",
  },
  "gateway-backend-unresolved": {
    severity: "warning",
    meaning: "a route's backendRef that does not resolve: its share of requests answers 500",
  },
  "gateway-listener-not-served": {
    severity: "warning",
    meaning: "a Gateway listener kubehop does not serve: a protocol it does not model, or a conflict",
  },
  "gateway-filter-not-modelled": {
    severity: "warning",
    meaning: "a route filter kubehop names but does not apply (RequestMirror, ExtensionRef, ...)",
  },
  "gateway-field-not-modelled": {
    severity: "warning",
    meaning:
      "a Gateway API field that changes answers but kubehop does not model (a rule's timeouts, retry, " +
      "sessionPersistence; a Gateway's spec.tls)",
  },
  "gateway-address-unusable": {
    severity: "warning",
    meaning: "a Gateway address kubehop cannot give its LoadBalancer Service: the LB pool's next one is used",
  },
  "gateway-host-conflict": {
    severity: "warning",
    meaning: "a host name both an Ingress and a Gateway serve: DNS resolves it to one of them only",
  },
  "job-pods": {
    severity: "warning",
    meaning: "a Job's pods are taken to be running; in the cluster they may have completed",
  },
  "cronjob-no-pods": { severity: "info", meaning: "a CronJob has no pod until it creates a Job on its schedule" },
  "default-range-moved": {
    severity: "info",
    meaning: "a default address range was moved clear of a range the input uses",
  },
  "dangling-backend": {
    severity: "warning",
    meaning: "an Ingress backend that names a missing Service or Service port",
  },
  "selector-no-match": { severity: "warning", meaning: "a Service whose selector matches no pod" },
  "target-port-unresolved": { severity: "warning", meaning: "a named targetPort that no selected pod declares" },
  "no-ready-endpoints": {
    severity: "warning",
    meaning: "a Service port with no ready endpoint: kube-proxy rejects it",
  },
  "lb-pending": { severity: "warning", meaning: "a LoadBalancer Service with no address yet: reach it by a NodePort" },
} as const satisfies Record<string, CodeEntry>;

export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;

/** A diagnostic with its code's severity; `source` undefined for one about the request as a whole. */
export function diagnostic(
  code: DiagnosticCode,
  source: DiagnosticSource | undefined,
  message: string,
  hint?: string,
): Diagnostic {
  return {
    code,
    severity: DIAGNOSTIC_CODES[code].severity,
    ...(source ? { source } : {}),
    message,
    ...(hint ? { hint } : {}),
  };
}

/** `FILE:LINE:COL`, `Kind ns/name`, or "" for the request. */
export function sourceText(source: DiagnosticSource | undefined): string {
  if (!source) return "";
  if ("object" in source) {
    const o = source.object;
    return `${o.kind} ${o.namespace ? `${o.namespace}/` : ""}${o.name}`;
  }
  if ("rule" in source) {
    const r = source.rule;
    return `${r.ruleset}: ${r.table} ${r.chain} rule ${r.index}`;
  }
  return `${source.file}:${source.line}:${source.col}`;
}

/**
 * The one text form, for the command line and for errors' messages:
 * `FILE:LINE:COL: warning[CODE]: MESSAGE (hint: HINT)`.
 */
export function formatDiagnostic(d: Diagnostic): string {
  const where = sourceText(d.source);
  return `${where ? `${where}: ` : ""}${d.severity}[${d.code}]: ${d.message}${d.hint ? ` (hint: ${d.hint})` : ""}`;
}

/** `--strict`: every warning becomes an error; info stays info. */
export function strictly(list: readonly Diagnostic[]): Diagnostic[] {
  return list.map((d) => (d.severity === "warning" ? { ...d, severity: "error" } : d));
}

/** In the order they stand in the files, whatever order the checks ran in; objects and the request last. */
export function byPosition(list: readonly Diagnostic[]): Diagnostic[] {
  const key = (d: Diagnostic): [string, number, number] => {
    const s = d.source;
    if (!s) return ["\uffff\uffff", 0, 0];
    if (!("file" in s)) return [`\uffff${sourceText(s)}`, 0, 0];
    return [s.file, s.line, s.col];
  };
  return [...list].sort((a, b) => {
    const [fa, la, ca] = key(a);
    const [fb, lb, cb] = key(b);
    return fa < fb ? -1 : fa > fb ? 1 : la - lb || ca - cb;
  });
}
