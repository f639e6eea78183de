// `kubehop get`'s tables, in kubectl's layout: upper-case headers, columns three spaces apart,
// `<none>` for an empty value, long lists cut after a few with "+ N more...", all of them in -o wide.
// kubectl's AGE column is left out: a topology has no clock, and kubehop answers the same whenever it runs.
import {
  type EndpointsRow,
  type IngressRow,
  type Inventory,
  type NodeRow,
  order,
  type PodRow,
  type ServiceRow,
} from "./inventory.ts";

interface Column<R> {
  readonly header: string;
  /** Shown only with -o wide. */
  readonly wide?: boolean;
  readonly cell: (row: R, wide: boolean) => string;
}

export interface TableOptions {
  readonly wide: boolean;
  /** -A: a NAMESPACE column first (nodes have none). */
  readonly namespaces: boolean;
}

const NONE = "<none>";

const POD_COLUMNS: Column<PodRow>[] = [
  { header: "NAME", cell: (p) => p.name },
  // The pod's Ready condition, not kubectl's ready/total containers: the model keeps readiness per pod.
  { header: "READY", cell: (p) => `${p.ready ? "True" : "False"}${p.terminating ? ", terminating" : ""}` },
  { header: "IP", cell: (p) => p.ip },
  { header: "NODE", cell: (p) => p.node },
  { header: "OWNER", wide: true, cell: (p) => p.owner ?? NONE },
  { header: "VETH", wide: true, cell: (p) => p.veth ?? "<host network>" },
  { header: "BRIDGE0", wide: true, cell: (p) => p.gateway ?? "<host network>" },
];

const SERVICE_COLUMNS: Column<ServiceRow>[] = [
  { header: "NAME", cell: (s) => s.name },
  { header: "TYPE", cell: (s) => s.type },
  { header: "CLUSTER-IP", cell: (s) => (s.headless ? "None" : (s.clusterIps[0] ?? NONE)) },
  {
    header: "EXTERNAL-IP",
    cell: (s) => [...s.loadBalancerIps, ...s.externalIps].join(",") || (s.type === "LoadBalancer" ? "<pending>" : NONE),
  },
  {
    header: "PORT(S)",
    cell: (s) =>
      s.ports.map((p) => `${p.port}${p.nodePort !== undefined ? `:${p.nodePort}` : ""}/${p.protocol}`).join(",") ||
      NONE,
  },
  { header: "SELECTOR", wide: true, cell: (s) => labelsText(s.selector) },
];

const NODE_COLUMNS: Column<NodeRow>[] = [
  { header: "NAME", cell: (n) => n.name },
  { header: "INTERNAL-IP", cell: (n) => n.internalIp },
  { header: "POD-CIDR", cell: (n) => n.podCidr },
  { header: "PODS", cell: (n) => String(n.pods) },
  { header: "BRIDGE0", wide: true, cell: (n) => n.bridgeIp },
  { header: "WG0", wide: true, cell: (n) => n.wg.address ?? NONE },
  { header: "WG-PEERS", wide: true, cell: (n) => String(n.wg.peers) },
];

const INGRESS_COLUMNS: Column<IngressRow>[] = [
  { header: "NAME", cell: (i) => i.name },
  { header: "CLASS", cell: (i) => i.className ?? NONE },
  { header: "HOSTS", cell: (i, wide) => cut(i.hosts, wide ? Infinity : 4) || "*" },
  // Empty for an Ingress the controller ignores: nothing publishes an address for it.
  { header: "ADDRESS", cell: (i) => i.addresses.join(",") },
  { header: "PORTS", cell: (i) => (i.tls.length > 0 ? "80, 443" : "80") },
];

const ENDPOINTS_COLUMNS: Column<EndpointsRow>[] = [
  { header: "NAME", cell: (e) => e.name },
  { header: "ENDPOINTS", cell: (e, wide) => cut(readyEndpoints(e), wide ? Infinity : 3) || NONE },
];

export function inventoryTable(inv: Inventory, options: TableOptions): string {
  switch (inv.resource) {
    case "pods":
      return table(inv.rows, namespaced(POD_COLUMNS, options.namespaces), options.wide);
    case "services":
      return table(inv.rows, namespaced(SERVICE_COLUMNS, options.namespaces), options.wide);
    case "nodes":
      return table(inv.rows, NODE_COLUMNS, options.wide);
    case "ingresses":
      return table(inv.rows, namespaced(INGRESS_COLUMNS, options.namespaces), options.wide);
    case "endpoints":
      return table(inv.rows, namespaced(ENDPOINTS_COLUMNS, options.namespaces), options.wide);
  }
}

/** What the Endpoints object lists as addresses: ready ones only, each with each port (`IP:PORT`). */
export function readyEndpoints(e: EndpointsRow): string[] {
  return e.subsets.flatMap((s) => {
    const ready = s.addresses.filter((a) => a.ready);
    return s.ports.length === 0
      ? ready.map((a) => a.ip)
      : s.ports.flatMap((p) => ready.map((a) => `${a.ip}:${p.port}`));
  });
}

function namespaced<R extends { namespace: string }>(columns: Column<R>[], on: boolean): Column<R>[] {
  return on ? [{ header: "NAMESPACE", cell: (r) => r.namespace }, ...columns] : columns;
}

function table<R>(rows: readonly R[], all: readonly Column<R>[], wide: boolean): string {
  const columns = all.filter((c) => wide || !c.wide);
  const cells = [columns.map((c) => c.header), ...rows.map((r) => columns.map((c) => c.cell(r, wide)))];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => line[i]!.length)));
  return `${cells
    .map((line) =>
      line
        .map((cell, i) => (i === line.length - 1 ? cell : cell.padEnd(widths[i]! + 3)))
        .join("")
        .trimEnd(),
    )
    .join("\n")}\n`;
}

/** kubectl's cut of a long list: the first `max`, then how many more. */
function cut(items: readonly string[], max: number): string {
  if (items.length <= max) return items.join(",");
  return `${items.slice(0, max).join(",")} + ${items.length - max} more...`;
}

function labelsText(labels: Readonly<Record<string, string>> | undefined): string {
  const pairs = Object.entries(labels ?? {}).sort(([a], [b]) => order(a, b));
  return pairs.map(([k, v]) => `${k}=${v}`).join(",") || NONE;
}
