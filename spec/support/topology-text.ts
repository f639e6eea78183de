// Small topologies for specs, written as a user would write them.
export interface SpecNode {
  name: string;
  extra?: string;
}

export function topologyText(
  opts: { nodes?: number; spec?: string; nodeExtras?: Record<string, string>; pods?: string } = {},
): string {
  const count = opts.nodes ?? 2;
  const nodes = Array.from({ length: count }, (_, i) => {
    const name = `node-${i + 1}`;
    const extra = opts.nodeExtras?.[name] ?? "";
    return `    - name: ${name}\n      ip: 192.168.10.${11 + i}\n${extra}`;
  }).join("");
  return `apiVersion: kubehop.io/v1alpha1
kind: Topology
metadata: {name: spec}
spec:
${opts.spec ?? ""}  nodes:
${nodes}---
${opts.pods ?? ""}`;
}

/** A bare pod pinned to a node, listening on the given ports. */
export function pod(name: string, node: string, ports: number[] = [8080], extra = ""): string {
  const p = ports.map((n) => `{containerPort: ${n}}`).join(", ");
  return `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: default}
spec:
  nodeName: ${node}
  containers: [{name: c, ports: [${p}]}]
${extra}---
`;
}
