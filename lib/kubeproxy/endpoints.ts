// The endpoints kube-proxy sees for one service port, read from EndpointSlices the way
// pkg/proxy/endpointslicecache.go does, and split per node as pkg/proxy/topology.go does.
import { formatIpv4, type Ipv4 } from "../model/address.ts";
import type { EndpointSlice, Protocol } from "../model/cluster.ts";

export interface ProxyEndpoint {
  readonly ip: Ipv4;
  readonly port: number;
  /** net.JoinHostPort(ip, port): the sort key, the hash input and the DNAT target. */
  readonly hostPort: string;
  readonly nodeName: string;
  readonly ready: boolean;
  readonly serving: boolean;
  readonly terminating: boolean;
}

/**
 * All endpoints of the port named `portName`/`protocol` across the service's slices: one per
 * ip:port (the first slice wins), sorted by the ip:port string as kube-proxy sorts them, so
 * `10.1.1.11:80` comes before `10.1.1.1:80`.
 */
export function servicePortEndpoints(
  slices: readonly EndpointSlice[],
  portName: string,
  protocol: Protocol,
): ProxyEndpoint[] {
  const byHostPort = new Map<string, ProxyEndpoint>();
  for (const slice of slices) {
    for (const port of slice.ports) {
      if (port.name !== portName || port.protocol !== protocol || port.port === 0) continue;
      for (const ep of slice.endpoints) {
        const hostPort = `${formatIpv4(ep.ip)}:${port.port}`;
        if (byHostPort.has(hostPort)) continue;
        byHostPort.set(hostPort, {
          ip: ep.ip,
          port: port.port,
          hostPort,
          nodeName: ep.nodeName ?? "",
          ready: ep.ready,
          serving: ep.serving,
          terminating: ep.terminating,
        });
      }
    }
  }
  return [...byHostPort.values()].sort((a, b) => (a.hostPort < b.hostPort ? -1 : a.hostPort > b.hostPort ? 1 : 0));
}

/** Ready endpoints, or if there are none, the serving-and-terminating ones (graceful fallback). */
export function clusterEndpoints<T extends ProxyEndpoint>(all: readonly T[]): T[] {
  const ready = all.filter((ep) => ep.ready);
  return ready.length > 0 ? ready : all.filter((ep) => ep.serving && ep.terminating);
}

/** The same choice restricted to endpoints on `nodeName`, made independently of the cluster set. */
export function localEndpoints<T extends ProxyEndpoint>(all: readonly T[], nodeName: string): T[] {
  const local = all.filter((ep) => ep.nodeName === nodeName);
  return clusterEndpoints(local);
}

/** Whether any endpoint anywhere can take traffic: ready, or serving while terminating. */
export function anyUsable(all: readonly ProxyEndpoint[]): boolean {
  return all.some((ep) => ep.ready || (ep.serving && ep.terminating));
}
