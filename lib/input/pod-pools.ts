// Where a CNI's IPAM takes pod addresses from, when the input says so in the CNI's own objects:
// Calico's operator Installation (spec.calicoNetwork.ipPools) and Calico IPPools. Read leniently:
// these are not kubehop's kinds, so a field it does not understand is skipped, never an error.
import { isPlainObject, type SourceObject } from "./source-object.ts";

export interface PodPool {
  /** As written (an IPv6 pool is kept too; the ranges code takes the first IPv4 one). */
  readonly cidr: string;
  /** The prefix length of the blocks IPAM hands each node (Calico's blockSize, default /26). */
  readonly blockSize?: number;
}

export function podPools(src: SourceObject): PodPool[] {
  const apiVersion = String(src.value.apiVersion ?? "");
  const spec = isPlainObject(src.value.spec) ? src.value.spec : {};
  if (src.kind === "Installation" && apiVersion.startsWith("operator.tigera.io/")) {
    const network = isPlainObject(spec.calicoNetwork) ? spec.calicoNetwork : {};
    const pools = Array.isArray(network.ipPools) ? network.ipPools : [];
    return pools.flatMap(pool);
  }
  if (src.kind === "IPPool" && /projectcalico\.org\//.test(apiVersion)) return pool(spec);
  return [];
}

function pool(p: unknown): PodPool[] {
  if (!isPlainObject(p) || typeof p.cidr !== "string") return [];
  const blockSize = typeof p.blockSize === "number" ? p.blockSize : undefined;
  return [{ cidr: p.cidr, ...(blockSize !== undefined ? { blockSize } : {}) }];
}
