// The small server each pod runs (`node -e`), on the pod's declared ports: a TCP connection gets one
// line, `NAME PEER_IP:PEER_PORT`, and is closed; a UDP datagram gets the same line back. It prints
// `ready` once every port listens, and exits when its parent asks or its namespace goes away.
import type { ChildProcess } from "node:child_process";
import type { Pod } from "../model/cluster.ts";
import { start } from "./runner.ts";

export const ECHO_SERVER_SCRIPT =
  `
const net = require("net"), dgram = require("dgram");
const cfg = JSON.parse(process.argv[1]);
let pending = cfg.tcp.length + cfg.udp.length;
const up = () => { if (--pending === 0) process.stdout.write("ready\\n"); };
if (pending === 0) process.stdout.write("ready\\n");
for (const port of cfg.tcp) {
  const s = net.createServer((c) => { c.on("error", () => {}); c.end(cfg.name + " " + c.remoteAddress + ":" + ` +
  `c.remotePort + "\\n"); });
  s.on("error", (e) => { process.stderr.write("tcp " + port + ": " + e.message + "\\n"); up(); });
  s.listen({ port, host: "0.0.0.0", backlog: 511 }, up);
}
for (const port of cfg.udp) {
  const s = dgram.createSocket("udp4");
  s.on("message", (m, r) => s.send(cfg.name + " " + r.address + ":" + r.port + "\\n", r.port, r.address));
  s.on("error", (e) => { process.stderr.write("udp " + port + ": " + e.message + "\\n"); up(); });
  s.bind(port, "0.0.0.0", up);
}
`;

/**
 * A pod with no declared ports is assumed to listen everywhere: its server takes this port and the pod's nat PREROUTING
 * redirects every TCP port to it.
 */
export const CATCH_ALL_PORT = 65000;

export interface ServerSpec {
  readonly name: string;
  readonly tcp: readonly number[];
  readonly udp: readonly number[];
}

export function serverSpecOf(pod: Pod): ServerSpec {
  const name = `${pod.namespace}/${pod.name}`;
  if (pod.ports.length === 0) return { name, tcp: [CATCH_ALL_PORT], udp: [] };
  const uniq = (xs: number[]) => [...new Set(xs)].sort((a, b) => a - b);
  return {
    name,
    tcp: uniq(pod.ports.filter((p) => p.protocol === "TCP").map((p) => p.containerPort)),
    udp: uniq(pod.ports.filter((p) => p.protocol === "UDP").map((p) => p.containerPort)),
  };
}

/** Starts the server in `ns`, detached from our terminal (so Ctrl-C reaches kubehop, which cleans up). */
export function startServer(ns: string, spec: ServerSpec): ChildProcess {
  return start(process.execPath, ["-e", ECHO_SERVER_SCRIPT, JSON.stringify(spec)], { ns });
}

/** Resolves when the server printed `ready`, rejects on exit or after the timeout. */
export function whenReady(child: ChildProcess, what: string, timeoutMs = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    const timer = setTimeout(
      () => reject(new Error(`${what}: server not ready after ${timeoutMs} ms ${err}`)),
      timeoutMs,
    );
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString("utf8");
      if (out.includes("ready")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr?.on("data", (d: Buffer) => (err += d.toString("utf8")));
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${what}: server exited (${code}) ${err.trim()}`));
    });
  });
}
