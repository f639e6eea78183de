// A node's IPVS table as plain data: what `ipvsadm-save -n` (or `ipvsadm -Ln`) printed on a node
// whose kube-proxy runs in IPVS mode. kube-proxy binds every Service address to the dummy
// interface kube-ipvs0 and makes one virtual service per address, port and protocol; IPVS, not
// iptables, then rewrites the destination to one of its real servers (lib/dataplane/devices/ipvs.ts).
import type { Ipv4 } from "./address.ts";
import type { Origin } from "./origin.ts";

export interface IpvsRealServer {
  readonly ip: Ipv4;
  readonly port: number;
  /** A real server of weight 0 takes no new connections (kube-proxy's graceful termination). */
  readonly weight: number;
  /** masq (NAT, what kube-proxy uses), route (direct routing) or tunnel. */
  readonly forward: "masq" | "route" | "tunnel";
  readonly origin: Origin;
}

export interface IpvsService {
  readonly proto: "tcp" | "udp" | "sctp";
  readonly ip: Ipv4;
  readonly port: number;
  /** rr, wrr, lc, wlc, sh, ... as ipvsadm names it. */
  readonly scheduler: string;
  /** `-p`: persistence (kube-proxy's ClientIP session affinity), in seconds. */
  readonly persistent?: number;
  readonly reals: readonly IpvsRealServer[];
  readonly origin: Origin;
}

export interface IpvsTable {
  readonly file: string;
  readonly services: readonly IpvsService[];
}

/** kube-proxy's IPVS mode on a node: what says so, and its table when the node's dump has it. */
export interface IpvsMode {
  /** `ipvsadm.txt`, `--match-set KUBE-CLUSTER-IP (iptables-save.txt:12)`, `kube-ipvs0 in ip-addr.txt`. */
  readonly evidence: string;
  readonly table?: IpvsTable;
}
