// The small server each pod runs (`node -e`), on the pod's declared ports. A TCP connection whose
// first bytes are an HTTP request gets 200 and a JSON body echoing what it received, like the Gateway
// API conformance echo backend: {server, peer, method, host, path, proto, headers} (header names
// lower-case), so verify can compare the request a proxy sent on; any other bytes, or none within
// 200 ms, get one line, `NAME PEER_IP:PEER_PORT`, and the connection is closed. A UDP datagram gets
// the line back. It prints `ready` once every port is settled and one listens (else it exits 1), and
// exits when its parent asks or its namespace goes away.
import type { ChildProcess } from "node:child_process";
import type { Pod } from "../model/cluster.ts";
import { start } from "./runner.ts";

export const ECHO_SERVER_SCRIPT =
  `
const net = require("net"), dgram = require("dgram");
const cfg = JSON.parse(process.argv[1]);
let pending = cfg.tcp.length + cfg.udp.length, listening = 0;
// Ready once every port is settled; a port another process holds is said on stderr and the rest
// still serve, but with none listening the server exits 1 (whenReady then says why).
const settled = () => {
  if (--pending > 0) return;
  if (listening > 0) process.stdout.write("ready\\n");
  else process.exit(1);
};
const up = () => { listening++; settled(); };
function http(c, head) {
  const lines = head.split("\\r\\n");
  const [method, path, proto] = lines[0].split(" ");
  const headers = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(":");
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  const body = JSON.stringify({ server: cfg.name, peer: c.remoteAddress + ":" + c.remotePort, method, ` +
  `host: headers.host || "", path, proto, headers }) + "\\n";
  c.end("HTTP/1.1 200 OK\\r\\nContent-Type: application/json\\r\\nContent-Length: " + Buffer.byteLength(body) + ` +
  `"\\r\\nConnection: close\\r\\n\\r\\n" + body);
}
function serve(c) {
  c.on("error", () => {});
  let buf = "", done = false;
  const line = () => { if (done) return; done = true; clearTimeout(timer); c.end(cfg.name + " " + c.remoteAddress + ` +
  `":" + c.remotePort + "\\n"); };
  const timer = setTimeout(line, 200);
  c.on("data", (d) => {
    if (done) return;
    buf += d.toString("latin1");
    if (/^[A-Z]*$/.test(buf)) return;
    if (!/^[A-Z]+ /.test(buf)) return line();
    const end = buf.indexOf("\\r\\n\\r\\n");
    if (end < 0) { if (buf.length > 65536) line(); return; }
    done = true; clearTimeout(timer); http(c, buf.slice(0, end));
  });
  c.on("end", line);
}
for (const port of cfg.tcp) {
  const s = net.createServer(serve);
  s.on("error", (e) => { process.stderr.write("tcp " + port + ": " + e.message + "\\n"); settled(); });
  s.listen({ port, host: "0.0.0.0", backlog: 511 }, up);
}
for (const port of cfg.udp) {
  const s = dgram.createSocket("udp4");
  s.on("message", (m, r) => s.send(cfg.name + " " + r.address + ":" + r.port + "\\n", r.port, r.address));
  s.on("error", (e) => { process.stderr.write("udp " + port + ": " + e.message + "\\n"); settled(); });
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

/**
 * Resolves when the server printed `ready`, rejects on exit or after the timeout. It waits for `close`, not `exit`:
 * output still in the pipe when `exit` fires (a `ready`, or why no port listens) is read first.
 */
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
    child.on("close", (code) => {
      clearTimeout(timer);
      if (!out.includes("ready")) reject(new Error(`${what}: server exited (${code}) ${err.trim()}`));
    });
  });
}
