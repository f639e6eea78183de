// The commands (`kubehop collect` prints them, never runs them) that gather a cluster's objects and
// each node's iptables-save (and nft list ruleset in kube-proxy's nftables mode), routes, addresses
// and WireGuard peers into the layout `kubehop trace -t DIR` and `kubehop drift -t DIR` read
// (lib/nodedump/load.ts). Deterministic text.

export interface CollectOptions {
  readonly nodes?: readonly string[];
  readonly dir?: string;
  readonly via?: "debug" | "ssh";
}

/** Small, has chroot; the commands themselves run from the node's own filesystem (/host). */
export const DEBUG_IMAGE = "busybox:1.36";

/** The private key is the 2nd field of an interface line (5 fields with `all`): replaced before it is saved. */
const REDACT = `awk 'BEGIN{FS=OFS="\\t"} NF==5{$2="(hidden)"} {print}'`;

/**
 * One word of the script for a POSIX shell: bare when plainly safe, else single-quoted. A word that
 * starts with '-' gets `./` so no command reads it as an option; a control character (a newline would
 * be a line of the script) is refused: the command line checks for it first, so this is a bug.
 */
export function shellWord(s: string): string {
  if (/\p{Cc}/u.test(s))
    throw new Error(`internal: a control character in a word of the collect script: ${JSON.stringify(s)}`);
  const word = s.startsWith("-") ? `./${s}` : s;
  return /^[A-Za-z0-9_./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export function collectScript(options: CollectOptions = {}): string {
  const via = options.via ?? "debug";
  const q = shellWord;
  const d = q(options.dir ?? "kubehop-dump");
  const out: string[] = [
    "# kubehop collect: commands to run on your cluster; kubehop runs none of them. Read them first.",
    `# They fill ${d}/ with what kubehop reads; then: kubehop trace -t ${d} --dumps ${d}/nodes ...`,
    `# and  kubehop drift -t ${d} --dumps ${d}/nodes  (a nodes/ folder is read only when named)`,
    "",
    "# 1. The objects. Needs: get and list on nodes, pods, services, endpointslices (discovery.k8s.io),",
    "#    ingresses and ingressclasses (networking.k8s.io) in all namespaces: a cluster-reader role, e.g.",
    '#    the built-in "view" ClusterRole bound cluster-wide plus get/list on nodes and ingressclasses.',
    `mkdir -p ${d}/nodes`,
    `kubectl get nodes,pods,services,endpointslices,ingresses,ingressclasses -A -o yaml > ${d}/cluster.yaml`,
    "",
    "# 2. kube-proxy's settings (KubeProxyConfiguration). Needs: get configmaps in kube-system.",
    `kubectl get -n kube-system configmap kube-proxy -o yaml > ${d}/kube-proxy.yaml`,
    "",
  ];
  if (via === "debug") {
    out.push(
      "# 3. Per node, as root on the node, through a debugging pod in the node's namespaces with the node's",
      "#    filesystem at /host (kubectl debug node/...; --profile=sysadmin makes it privileged, which",
      "#    iptables-save and wg need). Needs: create pods and pods/attach in the current namespace, get",
      "#    nodes, and a namespace whose Pod Security admission allows privileged pods. (Debugging a pod",
      "#    instead would need patch on pods/ephemeralcontainers; node debugging creates a new pod.)",
      "#    -i without -t: a terminal would add carriage returns to the saved output.",
      "#    Each debugging pod (node-debugger-NODE-...) stays until deleted: kubectl delete pod NAME.",
    );
  } else {
    out.push(
      "# 3. Per node, as root on the node, over ssh. Needs: ssh to each node (by its name or address) as a",
      "#    user who may run sudo; ip route and ip addr need no root.",
    );
  }
  out.push(
    "#    wg show all dump prints each interface's PRIVATE KEY (2nd field of the interface line): the",
    "#    awk below replaces it with (hidden) before it is saved. kubehop never reads that field; if you",
    "#    gather the file another way, redact it yourself. Every file is optional; an empty one (wg on a",
    "#    node without WireGuard) is ignored. nft-list-ruleset.txt is kept only on nodes whose kube-proxy",
    "#    runs in nftables mode (its table ip kube-proxy exists).",
  );
  const run = (node: string, cmd: string, root: boolean) =>
    via === "debug"
      ? `kubectl debug node/${node} -q -i --profile=sysadmin --image=${DEBUG_IMAGE} -- chroot /host ${cmd}`
      : `ssh ${node} ${root ? "sudo " : ""}${cmd}`;
  // A node in kube-proxy's nftables mode keeps its Service rules in nft's own table, which
  // iptables-save does not print; elsewhere nft's listing would only repeat iptables-nft's tables.
  const nft = "sh -c 'nft list table ip kube-proxy >/dev/null 2>&1 && nft list ruleset'";
  const nftRun = (node: string) => (via === "debug" ? run(node, nft, true) : `ssh ${node} "sudo ${nft}"`);
  const perNode = (node: string, dest: string, indent: string) => [
    `${indent}mkdir -p ${dest}`,
    `${indent}${run(node, "iptables-save", true)} > ${dest}/iptables-save.txt`,
    `${indent}${nftRun(node)} > ${dest}/nft-list-ruleset.txt`,
    `${indent}[ -s ${dest}/nft-list-ruleset.txt ] || rm ${dest}/nft-list-ruleset.txt`,
    `${indent}${run(node, "ip route show table main", false)} > ${dest}/ip-route.txt`,
    `${indent}${run(node, "ip -o -4 addr", false)} > ${dest}/ip-addr.txt`,
    `${indent}${run(node, "wg show all dump", true)} | ${REDACT} > ${dest}/wg-show.txt`,
  ];
  if (options.nodes && options.nodes.length > 0) {
    for (const n of options.nodes) out.push(...perNode(q(n), `${d}/nodes/${q(n)}`, ""));
  } else {
    out.push(
      `for NODE in $(kubectl get nodes -o jsonpath='{.items[*].metadata.name}'); do`,
      ...perNode("$NODE", `${d}/nodes/$NODE`, "  "),
      "done",
    );
  }
  out.push(
    "",
    "# 4. Check what was gathered (exit 2 names the file, line and column of anything unreadable):",
    `kubehop validate -t ${d} --dumps ${d}/nodes`,
    `kubehop drift -t ${d} --dumps ${d}/nodes`,
  );
  return `${out.join("\n")}\n`;
}
