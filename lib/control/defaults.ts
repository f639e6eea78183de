// The documented defaults (README "Input format"): what a file holding only workloads gets.
export const DEFAULTS = {
  clusterCidr: "10.244.0.0/16",
  serviceCidr: "10.96.0.0/12",
  nodeCidrMaskSize: 24,
  nodeCount: 3,
  nodeNamePrefix: "node-",
  underlayCidr: "192.168.10.0/24",
  /** Node n (1-based) gets underlay network address + firstNodeHost + n - 1. */
  firstNodeHost: 11,
  underlayMtu: 1500,
  wgListenPort: 51820,
  /** 1500 - 80, as wg-quick and flannel set it (IPv6-safe overhead). */
  wgMtu: 1420,
  overlayStyle: "kilo" as const,
  client: { name: "client", ip: "198.51.100.10" },
  /** What listens on every node unless the Topology says otherwise. */
  nodeListeners: [
    { port: 22, protocol: "TCP" as const, process: "sshd" },
    { port: 10250, protocol: "TCP" as const, process: "kubelet" },
  ],
  namespace: "default",
} as const;
