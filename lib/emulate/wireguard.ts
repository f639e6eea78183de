// wg0 per node through wireguard-go (userspace, over /dev/net/tun): keys from `wg genkey`, peers,
// AllowedIPs and endpoints as kubehop derives them (peersOf), the overlay's MTU and listen port.
// wireguard-go names its control socket after the device (/var/run/wireguard/NAME.sock, shared by all
// namespaces), so each device is created under a run-unique name and then renamed wg0: `wg` talks to
// it by the original name.
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { formatIpv4 } from "../model/address.ts";
import type { Cluster, Node, WireGuardPeer } from "../model/cluster.ts";
import { peersOf, wireGuardAddress } from "../control/overlay.ts";
import type { Network } from "../dataplane/network.ts";
import { ipBatch, run, runAsync, tryRun } from "./runner.ts";
import { sleepMs } from "./cleanup.ts";

function waitFor(ok: () => boolean, ms: number, what: string): void {
  const until = performance.now() + ms;
  for (;;) {
    if (ok()) return;
    if (performance.now() > until) throw new Error(what);
    sleepMs(25);
  }
}

export interface WgKeys {
  readonly privateKey: string;
  readonly publicKey: string;
}

export function genKeys(): WgKeys {
  const privateKey = run("wg", ["genkey"]).trim();
  const publicKey = run("wg", ["pubkey"], { input: `${privateKey}\n` }).trim();
  return { privateKey, publicKey };
}

/** The peers wg0 gets: the node dump's when given, else kubehop's derivation. */
export function wgPeers(net: Network, node: Node): readonly WireGuardPeer[] {
  const c = net.cluster;
  return c.nodeDumps.get(node.name)?.wireguard?.peers ?? peersOf(node, c.nodes, c.overlay.style, c.overlay.listenPort);
}

export function startWireGuard(ns: string, device: string): void {
  // wireguard-go daemonises itself once the device exists; its banner goes to stderr.
  run("wireguard-go", [device], { ns, env: { WG_HIDE_BANNER: "1" } });
  // The daemon finishes setting up after the parent returns; renaming the device before its control
  // socket answers makes it lose the device and exit. Wait for `wg show`, then rename, then check.
  waitFor(() => tryRun("wg", ["show", device], { ns }).ok, 5000, `wireguard-go ${device} did not start in ${ns}`);
  ipBatch(ns, [["link", "set", device, "name", "wg0"]]);
  waitFor(
    () => tryRun("wg", ["show", device], { ns }).ok,
    2000,
    `wireguard-go ${device} exited after its device was renamed wg0 in ${ns}`,
  );
}

export function configureWireGuard(
  net: Network,
  node: Node,
  ns: string,
  device: string,
  keys: ReadonlyMap<string, WgKeys>,
  keyDir: string,
): WireGuardPeer[] {
  const c: Cluster = net.cluster;
  const own = keys.get(node.name)!;
  const peers = wgPeers(net, node);
  // `wg set` reads the private key from a file: a private one (0600 in the run's 0700 folder, which
  // the teardown removes on every way out), itself removed at once. "wx": never an existing file.
  const keyFile = join(keyDir, `${device}.key`);
  writeFileSync(keyFile, `${own.privateKey}\n`, { mode: 0o600, flag: "wx" });
  const args = ["set", device, "listen-port", String(c.overlay.listenPort), "private-key", keyFile];
  for (const p of peers) {
    // A peer that stands for a node of this emulation gets that node's generated key.
    args.push(
      "peer",
      keys.get(p.node)?.publicKey ?? p.publicKey,
      "allowed-ips",
      p.allowedIps.map((a) => a.text).join(","),
    );
    if (p.endpoint) args.push("endpoint", `${formatIpv4(p.endpoint.ip)}:${p.endpoint.port}`);
  }
  try {
    run("wg", args, { ns });
  } finally {
    rmSync(keyFile, { force: true });
  }
  const addr = wireGuardAddress(node, c.overlay.style);
  ipBatch(ns, [
    ["link", "set", "wg0", "mtu", String(c.overlay.mtu)],
    ...(addr !== undefined ? [["addr", "add", `${formatIpv4(addr)}/32`, "dev", "wg0"]] : []),
    ["link", "set", "wg0", "up"],
  ]);
  return [...peers];
}

/**
 * Brings every tunnel up before anything is measured: for each pair of nodes, the first pings the
 * second's bridge0 address through wg0, which makes wireguard-go handshake with that peer; only if
 * that gets no answer does the second try the other way. (Both ends initiating at once can cost a
 * 5 s handshake retry, and the first real connections would race it.) Best effort: a tunnel the
 * topology breaks on purpose (AllowedIPs) may answer in neither direction. Returns the pairs that did not.
 */
export async function warmUpTunnels(
  cluster: Cluster,
  nsOf: (node: string) => string,
): Promise<{ up: number; down: string[] }> {
  const pairs = cluster.nodes.flatMap((a, i) => cluster.nodes.slice(i + 1).map((b) => [a, b] as const));
  const ping = async (from: Node, to: Node) =>
    (
      await runAsync("ping", ["-n", "-q", "-c", "5", "-i", "0.2", "-w", "2", formatIpv4(to.bridgeIp)], {
        ns: nsOf(from.name),
        timeoutMs: 4000,
      })
    ).code === 0;
  const results = await Promise.all(
    pairs.map(async ([a, b]) => ({ ok: (await ping(a, b)) || (await ping(b, a)), pair: `${a.name}<->${b.name}` })),
  );
  return { up: results.filter((r) => r.ok).length, down: results.filter((r) => !r.ok).map((r) => r.pair) };
}
