// The API server's NodePort allocator: one port number per Service cluster-wide (TCP and UDP share the
// numbers), inside the range kube-apiserver's --service-node-port-range gives (default 30000-32767).
import type { Origin } from "../model/cluster.ts";
import { type InputProblem, problem } from "../input/errors.ts";

export interface PortRange {
  readonly first: number;
  readonly last: number;
}

/** kube-apiserver's default --service-node-port-range. */
export const DEFAULT_NODE_PORTS: PortRange = { first: 30000, last: 32767 };

/** "30000-32767" (the flag's form; a single port is a range of one), or undefined when it is not one. */
export function parsePortRange(text: string): PortRange | undefined {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text.trim());
  if (!m) return undefined;
  const first = Number(m[1]);
  const last = Number(m[2] ?? m[1]);
  return first >= 1 && last <= 65535 && first <= last ? { first, last } : undefined;
}

export class NodePorts {
  private readonly owners = new Map<number, string>();
  private next: number;

  constructor(
    private readonly range: PortRange,
    private readonly problems: InputProblem[],
  ) {
    this.next = range.first;
  }

  /** A port the input gives: refused outside the range or when another Service holds it. */
  claim(port: number, owner: string, at: Origin): void {
    const { first, last } = this.range;
    if (port < first || port > last) {
      this.problems.push(
        problem(
          "node-port",
          at,
          `${owner}: nodePort ${port} is outside the node-port range ${first}-${last} (kube-apiserver ` +
            `--service-node-port-range); use a port in it, or leave nodePort out to have one allocated`,
        ),
      );
      return;
    }
    const holder = this.owners.get(port);
    if (holder !== undefined && holder !== owner)
      this.problems.push(
        problem(
          "node-port",
          at,
          `${owner}: nodePort ${port} is already allocated to ${holder}; the API server gives each nodePort to one ` +
            `Service (TCP and UDP alike): use another, or leave nodePort out`,
        ),
      );
    else this.owners.set(port, owner);
  }

  /** The lowest free port of the range (the API server picks at random; kubehop stays deterministic). */
  allocate(owner: string, at: Origin): number | undefined {
    while (this.owners.has(this.next)) this.next++;
    if (this.next > this.range.last) {
      this.problems.push(
        problem(
          "node-port",
          at,
          `${owner}: no nodePort left in the node-port range ${this.range.first}-${this.range.last}; use fewer ` +
            `NodePort Services or a larger Topology spec.serviceNodePortRange`,
        ),
      );
      return undefined;
    }
    this.owners.set(this.next, owner);
    return this.next++;
  }
}
