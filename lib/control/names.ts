// Stable stand-ins for the random names Kubernetes and CNI plugins generate, so output is deterministic.
import { createHash } from "node:crypto";

/** The alphabet Kubernetes uses for generated name suffixes (no vowels, no look-alike digits). */
const K8S_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

export function stableSuffix(seed: string, length: number): string {
  const digest = createHash("sha256").update(seed).digest();
  let out = "";
  for (let i = 0; i < length; i++) out += K8S_ALPHABET[digest[i]! % K8S_ALPHABET.length];
  return out;
}

/** Host end of a pod's veth pair: `veth` + 8 hex digits, the shape the bridge CNI plugin uses. */
export function vethName(namespace: string, pod: string): string {
  return `veth${createHash("sha256").update(`${namespace}/${pod}`).digest("hex").slice(0, 8)}`;
}

/** A WireGuard public key stand-in: 32 bytes base64, derived from the node name (no real keys offline). */
export function wireGuardKey(node: string): string {
  return createHash("sha256").update(`wg:${node}`).digest("base64");
}
