// How big a topology may be, in one place: the control plane refuses inputs past these, and
// `kubehop generate` never writes one.

/**
 * Kubernetes' documented scalability thresholds ("Considerations for large clusters": 5,000 nodes,
 * 150,000 pods) and kubelet's default maxPods; Services get twice SIG-Scalability's 10,000, which
 * kubehop's benchmarks run at. Each EndpointSlice bound is the API server's (discovery validation).
 */
export const LIMITS = {
  nodes: 5000,
  pods: 150_000,
  services: 20_000,
  /** kubelet's --max-pods default: more needs the node configured for it. */
  podsPerNodeDefault: 110,
  /** kubehop's own bound for a node that says it takes more (a /22 podCIDR holds 1,022 pods). */
  podsPerNodeCap: 1000,
  endpointsPerSlice: 1000,
  portsPerSlice: 100,
  addressesPerEndpoint: 100,
} as const;
