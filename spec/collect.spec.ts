// kubehop collect: prints (never runs) the commands that gather a cluster's objects and node dumps
// into the layout kubehop reads. The text is exact and deterministic.
import { expect } from "chai";
import { collectScript } from "../lib/nodedump/collect.ts";
import { runCli } from "./support/cli.ts";

describe("kubehop collect", () => {
  it("by default: kubectl for the objects and kube-proxy's ConfigMap, kubectl debug node/... for every node", async () => {
    const r = await runCli(["collect"]);
    expect(r).to.deep.equal({ code: 0, stdout: DEFAULT, stderr: "" });
  });

  it("--nodes a,b -o DIR --via ssh: one block per node, over ssh with sudo where root is needed", async () => {
    const r = await runCli(["collect", "--nodes", "node-1,node-2", "-o", "my-cluster", "--via", "ssh"]);
    expect(r).to.deep.equal({ code: 0, stdout: SSH, stderr: "" });
  });

  it("the same options give the same text; folder names with spaces are quoted", () => {
    expect(collectScript({ nodes: ["a"] })).to.equal(collectScript({ nodes: ["a"] }));
    expect(collectScript({ dir: "my dumps", nodes: ["a"] })).to.include("mkdir -p 'my dumps'/nodes/a\n");
  });

  it("names the permissions each step needs, and the private key wg prints", () => {
    const text = collectScript();
    for (const needed of [
      "get and list on nodes, pods, services, endpointslices",
      "get configmaps in kube-system",
      "create pods and pods/attach",
      "pods/ephemeralcontainers",
      "PRIVATE KEY",
    ]) {
      expect(text).to.include(needed);
    }
    expect(collectScript({ via: "ssh" })).to.include("as a\n#    user who may run sudo");
  });

  it("bad options are usage errors, exit 2", async () => {
    expect(await runCli(["collect", "--via", "telnet"])).to.deep.equal({
      code: 2,
      stdout: "",
      stderr:
        "kubehop collect: --via telnet: expected debug (kubectl debug node/NAME) or ssh\nusage: kubehop collect [--nodes a,b] [-o DIR] [--via debug|ssh]\n",
    });
    expect((await runCli(["collect", "--nodes", "Node_1"])).code).to.equal(2);
  });
});

const DEFAULT = `# kubehop collect: commands to run on your cluster; kubehop runs none of them. Read them first.
# They fill kubehop-dump/ with what kubehop reads; then: kubehop trace -t kubehop-dump --dumps kubehop-dump/nodes ...
# and  kubehop drift -t kubehop-dump --dumps kubehop-dump/nodes  (a nodes/ folder is read only when named)

# 1. The objects. Needs: get and list on nodes, pods, services, endpointslices (discovery.k8s.io),
#    ingresses and ingressclasses (networking.k8s.io) in all namespaces: a cluster-reader role, e.g.
#    the built-in "view" ClusterRole bound cluster-wide plus get/list on nodes and ingressclasses.
mkdir -p kubehop-dump/nodes
kubectl get nodes,pods,services,endpointslices,ingresses,ingressclasses -A -o yaml > kubehop-dump/cluster.yaml

# 2. kube-proxy's settings (KubeProxyConfiguration). Needs: get configmaps in kube-system.
kubectl get -n kube-system configmap kube-proxy -o yaml > kubehop-dump/kube-proxy.yaml

# 3. Per node, as root on the node, through a debugging pod in the node's namespaces with the node's
#    filesystem at /host (kubectl debug node/...; --profile=sysadmin makes it privileged, which
#    iptables-save and wg need). Needs: create pods and pods/attach in the current namespace, get
#    nodes, and a namespace whose Pod Security admission allows privileged pods. (Debugging a pod
#    instead would need patch on pods/ephemeralcontainers; node debugging creates a new pod.)
#    -i without -t: a terminal would add carriage returns to the saved output.
#    Each debugging pod (node-debugger-NODE-...) stays until deleted: kubectl delete pod NAME.
#    wg show all dump prints each interface's PRIVATE KEY (2nd field of the interface line): the
#    awk below replaces it with (hidden) before it is saved. kubehop never reads that field; if you
#    gather the file another way, redact it yourself. Every file is optional; an empty one (wg on a
#    node without WireGuard) is ignored. nft-list-ruleset.txt is kept only on nodes whose kube-proxy
#    runs in nftables mode (its table ip kube-proxy exists).
for NODE in $(kubectl get nodes -o jsonpath='{.items[*].metadata.name}'); do
  mkdir -p kubehop-dump/nodes/$NODE
  kubectl debug node/$NODE -q -i --profile=sysadmin --image=busybox:1.36 -- chroot /host iptables-save > kubehop-dump/nodes/$NODE/iptables-save.txt
  kubectl debug node/$NODE -q -i --profile=sysadmin --image=busybox:1.36 -- chroot /host sh -c 'nft list table ip kube-proxy >/dev/null 2>&1 && nft list ruleset' > kubehop-dump/nodes/$NODE/nft-list-ruleset.txt
  [ -s kubehop-dump/nodes/$NODE/nft-list-ruleset.txt ] || rm kubehop-dump/nodes/$NODE/nft-list-ruleset.txt
  kubectl debug node/$NODE -q -i --profile=sysadmin --image=busybox:1.36 -- chroot /host ip route show table main > kubehop-dump/nodes/$NODE/ip-route.txt
  kubectl debug node/$NODE -q -i --profile=sysadmin --image=busybox:1.36 -- chroot /host ip -o -4 addr > kubehop-dump/nodes/$NODE/ip-addr.txt
  kubectl debug node/$NODE -q -i --profile=sysadmin --image=busybox:1.36 -- chroot /host wg show all dump | awk 'BEGIN{FS=OFS="\\t"} NF==5{$2="(hidden)"} {print}' > kubehop-dump/nodes/$NODE/wg-show.txt
done

# 4. Check what was gathered (exit 2 names the file, line and column of anything unreadable):
kubehop validate -t kubehop-dump --dumps kubehop-dump/nodes
kubehop drift -t kubehop-dump --dumps kubehop-dump/nodes
`;

const SSH = `# kubehop collect: commands to run on your cluster; kubehop runs none of them. Read them first.
# They fill my-cluster/ with what kubehop reads; then: kubehop trace -t my-cluster --dumps my-cluster/nodes ...
# and  kubehop drift -t my-cluster --dumps my-cluster/nodes  (a nodes/ folder is read only when named)

# 1. The objects. Needs: get and list on nodes, pods, services, endpointslices (discovery.k8s.io),
#    ingresses and ingressclasses (networking.k8s.io) in all namespaces: a cluster-reader role, e.g.
#    the built-in "view" ClusterRole bound cluster-wide plus get/list on nodes and ingressclasses.
mkdir -p my-cluster/nodes
kubectl get nodes,pods,services,endpointslices,ingresses,ingressclasses -A -o yaml > my-cluster/cluster.yaml

# 2. kube-proxy's settings (KubeProxyConfiguration). Needs: get configmaps in kube-system.
kubectl get -n kube-system configmap kube-proxy -o yaml > my-cluster/kube-proxy.yaml

# 3. Per node, as root on the node, over ssh. Needs: ssh to each node (by its name or address) as a
#    user who may run sudo; ip route and ip addr need no root.
#    wg show all dump prints each interface's PRIVATE KEY (2nd field of the interface line): the
#    awk below replaces it with (hidden) before it is saved. kubehop never reads that field; if you
#    gather the file another way, redact it yourself. Every file is optional; an empty one (wg on a
#    node without WireGuard) is ignored. nft-list-ruleset.txt is kept only on nodes whose kube-proxy
#    runs in nftables mode (its table ip kube-proxy exists).
mkdir -p my-cluster/nodes/node-1
ssh node-1 sudo iptables-save > my-cluster/nodes/node-1/iptables-save.txt
ssh node-1 "sudo sh -c 'nft list table ip kube-proxy >/dev/null 2>&1 && nft list ruleset'" > my-cluster/nodes/node-1/nft-list-ruleset.txt
[ -s my-cluster/nodes/node-1/nft-list-ruleset.txt ] || rm my-cluster/nodes/node-1/nft-list-ruleset.txt
ssh node-1 ip route show table main > my-cluster/nodes/node-1/ip-route.txt
ssh node-1 ip -o -4 addr > my-cluster/nodes/node-1/ip-addr.txt
ssh node-1 sudo wg show all dump | awk 'BEGIN{FS=OFS="\\t"} NF==5{$2="(hidden)"} {print}' > my-cluster/nodes/node-1/wg-show.txt
mkdir -p my-cluster/nodes/node-2
ssh node-2 sudo iptables-save > my-cluster/nodes/node-2/iptables-save.txt
ssh node-2 "sudo sh -c 'nft list table ip kube-proxy >/dev/null 2>&1 && nft list ruleset'" > my-cluster/nodes/node-2/nft-list-ruleset.txt
[ -s my-cluster/nodes/node-2/nft-list-ruleset.txt ] || rm my-cluster/nodes/node-2/nft-list-ruleset.txt
ssh node-2 ip route show table main > my-cluster/nodes/node-2/ip-route.txt
ssh node-2 ip -o -4 addr > my-cluster/nodes/node-2/ip-addr.txt
ssh node-2 sudo wg show all dump | awk 'BEGIN{FS=OFS="\\t"} NF==5{$2="(hidden)"} {print}' > my-cluster/nodes/node-2/wg-show.txt

# 4. Check what was gathered (exit 2 names the file, line and column of anything unreadable):
kubehop validate -t my-cluster --dumps my-cluster/nodes
kubehop drift -t my-cluster --dumps my-cluster/nodes
`;
