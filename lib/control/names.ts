// Stable stand-ins for the random names Kubernetes and CNI plugins generate, so output is deterministic.
// crypto.hash, the one-shot form: at 150,000 pods (a name and a veth each) it is about half the cost
// of createHash().update().digest().
import { hash } from "node:crypto";

/** The alphabet Kubernetes uses for generated name suffixes (no vowels, no look-alike digits). */
const K8S_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

export function stableSuffix(seed: string, length: number): string {
  const digest = hash("sha256", seed, "buffer");
  let out = "";
  for (let i = 0; i < length; i++) out += K8S_ALPHABET[digest[i]! % K8S_ALPHABET.length];
  return out;
}

/** Host end of a pod's veth pair: `veth` + 8 hex digits, the shape the bridge CNI plugin uses. */
export function vethName(namespace: string, pod: string): string {
  return `veth${hash("sha256", `${namespace}/${pod}`, "hex").slice(0, 8)}`;
}

/** A WireGuard public key stand-in: 32 bytes base64, derived from the node name (no real keys offline). */
export function wireGuardKey(node: string): string {
  return hash("sha256", `wg:${node}`, "base64");
}
