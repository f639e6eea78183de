// Which Service port a packet is for, by the addresses kube-proxy matches (ClusterIP, external IP,
// load-balancer IP) and then by NodePort: the port kube-proxy's REJECT for "no endpoints" was about.
import type { Ipv4 } from "../model/address.ts";
import type { Cluster, Service, ServicePort } from "../model/cluster.ts";
import type { L4 } from "../model/packet.ts";

export function servicePortFor(
  cluster: Cluster,
  dst: Ipv4,
  dport: number,
  proto: L4,
): { service: Service; port: ServicePort } | undefined {
  const protocol = proto.toUpperCase();
  const hit = (test: (s: Service, p: ServicePort) => boolean) => {
    for (const service of cluster.services) {
      const port = service.ports.find((p) => p.protocol === protocol && test(service, p));
      if (port) return { service, port };
    }
    return undefined;
  };
  return (
    hit(
      (s, p) =>
        p.port === dport &&
        (s.clusterIPs.includes(dst) || s.externalIPs.includes(dst) || s.loadBalancerIngress.includes(dst)),
    ) ?? hit((_, p) => p.nodePort === dport)
  );
}
