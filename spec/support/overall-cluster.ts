// The Services and EndpointSlices of upstream TestOverallIPTablesRules (proxier_test.go), on a
// node named test-node with IP 192.168.0.2 and cluster CIDR 10.0.0.0/8 as upstream's fake proxier.
import { cluster, prefix, service, slice } from "./cluster-fixture.ts";

const p80 = [{ name: "p80", port: 80 }];

export function overallCluster() {
  return cluster({
    services: [
      service("ns1", "svc1", { clusterIP: "172.30.0.41", ports: p80 }),
      service("ns2", "svc2", {
        type: "LoadBalancer",
        externalTrafficPolicy: "Local",
        clusterIP: "172.30.0.42",
        ports: [{ name: "p80", port: 80, nodePort: 3001 }],
        loadBalancerIngress: [prefix("1.2.3.4/32").network],
        externalIPs: [prefix("192.168.99.22/32").network],
        healthCheckNodePort: 30000,
      }),
      service("ns3", "svc3", {
        type: "NodePort",
        clusterIP: "172.30.0.43",
        ports: [{ name: "p80", port: 80, nodePort: 3003 }],
      }),
      service("ns4", "svc4", {
        type: "NodePort",
        clusterIP: "172.30.0.44",
        externalIPs: [prefix("192.168.99.33/32").network],
        ports: p80,
      }),
      service("ns5", "svc5", {
        type: "LoadBalancer",
        clusterIP: "172.30.0.45",
        ports: [{ name: "p80", port: 80, nodePort: 3002 }],
        loadBalancerIngress: [prefix("5.6.7.8/32").network],
        healthCheckNodePort: 30000,
        loadBalancerSourceRanges: [prefix("203.0.113.0/25")],
        sessionAffinity: "ClientIP",
        sessionAffinityTimeoutSeconds: 10800,
      }),
      service("ns6", "svc6", { clusterIP: "172.30.0.46", ports: p80 }),
    ],
    endpointSlices: [
      slice("ns1", "svc1", p80, [{ ip: "10.180.0.1" }]),
      slice("ns2", "svc2", p80, [{ ip: "10.180.0.2" }]),
      slice("ns3", "svc3", p80, [{ ip: "10.180.0.3" }]),
      slice("ns4", "svc4", p80, [{ ip: "10.180.0.4" }, { ip: "10.180.0.5", nodeName: "test-node" }]),
      slice("ns5", "svc5", p80, [{ ip: "10.180.0.3" }]),
    ],
  });
}
