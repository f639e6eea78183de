// Generated topologies for the benchmark: N nodes and P pods as Deployments spread by the scheduler.
export function clusterText(nodes: number, deployments: number, replicas: number): string {
  const docs = [
    `apiVersion: kubehop.io/v1alpha1
kind: Topology
metadata: {name: bench}
spec:
  clusterCIDR: 10.0.0.0/11
  serviceCIDR: 10.96.0.0/12
  underlay: {cidr: 172.16.0.0/16, gateway: 172.16.0.1}
  nodeCount: ${nodes}
`,
  ];
  for (let d = 0; d < deployments; d++) {
    docs.push(`apiVersion: apps/v1
kind: Deployment
metadata: {name: app-${d}, namespace: ns-${d % 50}}
spec:
  replicas: ${replicas}
  template:
    metadata: {labels: {app: app-${d}}}
    spec:
      containers: [{name: app, ports: [{name: http, containerPort: 8080}]}]
`);
  }
  return docs.join("---\n");
}
