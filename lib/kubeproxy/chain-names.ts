// kube-proxy's chain names: a 16-character RFC 4648 base32 prefix of a sha256, so names fit
// iptables' 28-character limit and stay stable across restarts (proxier.go portProtoHash).
import { createHash } from "node:crypto";
import type { Protocol } from "../model/cluster.ts";

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** The first 16 base32 characters of sha256(text): exactly the first 10 bytes (80 bits). */
export function hash16(text: string): string {
  const digest = createHash("sha256").update(text).digest();
  let out = "";
  for (let i = 0; i < 10; i += 5) {
    // 5 bytes = 40 bits = 8 characters; split so the arithmetic stays within 32-bit safe ranges.
    const hi = (digest[i]! << 12) | (digest[i + 1]! << 4) | (digest[i + 2]! >> 4);
    const lo = ((digest[i + 2]! & 15) << 16) | (digest[i + 3]! << 8) | digest[i + 4]!;
    for (let s = 15; s >= 0; s -= 5) out += BASE32[(hi >> s) & 31];
    for (let s = 15; s >= 0; s -= 5) out += BASE32[(lo >> s) & 31];
  }
  return out;
}

/** ServicePortName.String(): `ns/name`, plus `:port` only when the port has a name. */
export function servicePortName(namespace: string, name: string, portName: string): string {
  return portName === "" ? `${namespace}/${name}` : `${namespace}/${name}:${portName}`;
}

export function protocolName(protocol: Protocol): string {
  return protocol.toLowerCase();
}

export interface ServiceChains {
  readonly svc: string;
  readonly svl: string;
  readonly ext: string;
  readonly fw: string;
}

/** All four per-service chains share one hash of the service port name and protocol. */
export function serviceChains(spn: string, proto: string): ServiceChains {
  const h = hash16(spn + proto);
  return { svc: `KUBE-SVC-${h}`, svl: `KUBE-SVL-${h}`, ext: `KUBE-EXT-${h}`, fw: `KUBE-FW-${h}` };
}

/** `endpoint` is net.JoinHostPort(ip, port), e.g. `10.180.0.1:80`. */
export function endpointChain(spn: string, proto: string, endpoint: string): string {
  return `KUBE-SEP-${hash16(spn + proto + endpoint)}`;
}
