// nftables mode's per-service and per-endpoint names (proxier.go servicePortChainNameBase and
// servicePortEndpointChainNameBase): readable `ns/name/proto/port` prefixed by 8 base32
// characters of its sha256, so chains that differ in one digit still look different.
import { hash16 } from "../chain-names.ts";
import { formatIpv4 } from "../../model/address.ts";
import type { ProxyEndpointInfo, ServicePortInfo } from "../service-ports.ts";

/** knftables.NameLengthMax (256) less the longest prefix, `endpoint-` and friends (16). */
const BASE_LENGTH_MAX = 240;

/**
 * What nft reads as one word of a name (its lexer's identifier characters). Valid names hold nothing
 * else; one that bypassed validation (a quote, a newline) must not end the word and start a statement.
 */
const NOT_IN_NAME = /[^A-Za-z0-9/_.-]/g;

function hashAndTruncate(name: string): string {
  const hashed = `${hash16(name).slice(0, 8)}-${name.replace(NOT_IN_NAME, "_")}`;
  return hashed.length > BASE_LENGTH_MAX ? `${hashed.slice(0, BASE_LENGTH_MAX - 3)}...` : hashed;
}

export interface ServicePortNames {
  readonly cluster: string;
  readonly local: string;
  readonly external: string;
  readonly firewall: string;
}

// Names depend on the Service alone, so every node shares them: hashed once per cluster, and kept
// per service port (one weak entry each, not one per endpoint).
const portNames = new WeakMap<ServicePortInfo, ServicePortNames>();
const endpointNamesOf = new WeakMap<ServicePortInfo, Map<ProxyEndpointInfo, EndpointNames>>();

/** The four chains of a service port: service-, local-, external- and firewall-HASH-ns/name/proto/port. */
export function servicePortNames(svc: ServicePortInfo): ServicePortNames {
  let names = portNames.get(svc);
  if (names === undefined) {
    const base = hashAndTruncate(`${svc.namespace}/${svc.serviceName}/${svc.proto}/${svc.portName}`);
    names = {
      cluster: `service-${base}`,
      local: `local-${base}`,
      external: `external-${base}`,
      firewall: `firewall-${base}`,
    };
    portNames.set(svc, names);
  }
  return names;
}

export interface EndpointNames {
  readonly chain: string;
  readonly affinitySet: string;
}

/** `endpoint-HASH-ns/name/proto/port__ip/port` and its affinity set, `affinity-` with the same base. */
export function endpointNames(svc: ServicePortInfo, ep: ProxyEndpointInfo): EndpointNames {
  let byEndpoint = endpointNamesOf.get(svc);
  if (byEndpoint === undefined) endpointNamesOf.set(svc, (byEndpoint = new Map()));
  let names = byEndpoint.get(ep);
  if (names === undefined) {
    const { namespace, serviceName, proto, portName } = svc;
    const base = hashAndTruncate(`${namespace}/${serviceName}/${proto}/${portName}__${formatIpv4(ep.ip)}/${ep.port}`);
    names = { chain: `endpoint-${base}`, affinitySet: `affinity-${base}` };
    byEndpoint.set(ep, names);
  }
  return names;
}
