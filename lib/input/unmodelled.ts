// Objects kubehop reads but does not simulate, and what a trace therefore does not take into account.
// Kinds that never change a packet's path are skipped without a word.
export const INERT_KINDS = new Set([
  "ConfigMap",
  "Secret",
  "ServiceAccount",
  "Namespace",
  "Role",
  "RoleBinding",
  "ClusterRole",
  "ClusterRoleBinding",
  "PersistentVolumeClaim",
  "PersistentVolume",
  "Event",
  "Lease",
  "ControllerRevision",
  "HorizontalPodAutoscaler",
  "PodDisruptionBudget",
  "StorageClass",
  "CustomResourceDefinition",
  "PriorityClass",
  "LimitRange",
  "ResourceQuota",
  "CSIDriver",
  "CSINode",
  "VolumeAttachment",
  "ComponentStatus",
  // Admission webhooks decide what the API server accepts, not where a packet goes.
  "ValidatingWebhookConfiguration",
  "MutatingWebhookConfiguration",
]);

const GATEWAY_API = new Set([
  "Gateway",
  "GatewayClass",
  "HTTPRoute",
  "GRPCRoute",
  "TLSRoute",
  "TCPRoute",
  "UDPRoute",
  "ReferenceGrant",
]);

/** What the trace misses because of this object, in words a user can act on. */
export function unmodelledImpact(kind: string, apiVersion: string): string {
  if (kind === "NetworkPolicy")
    return "kubehop does not enforce NetworkPolicies: traces may show traffic this policy would block";
  if ((kind === "Installation" && apiVersion.startsWith("operator.tigera.io")) || kind === "IPPool")
    return (
      "Calico's own routing (VXLAN, IP-in-IP, BGP) and policy are not simulated: pods reach each other over " +
      "kubehop's wg0 overlay; its IPv4 pool is the cluster CIDR, each node a block of it (blockSize) as its " +
      "podCIDR"
    );
  if (apiVersion.startsWith("crd.projectcalico.org") || apiVersion.startsWith("projectcalico.org"))
    return "Calico policy is not enforced: traces may show traffic it would block";
  if (apiVersion.startsWith("cilium.io"))
    return "Cilium policy is not enforced: traces may show traffic it would block";
  if (GATEWAY_API.has(kind))
    return (
      "kubehop routes Gateway API HTTPRoutes and GRPCRoutes (gateway.networking.k8s.io v1, v1beta1, v1alpha2 " +
      "where they existed); this kind or version is not simulated"
    );
  if (kind === "EgressNetworkPolicy" || kind === "EgressFirewall") return "egress policy is not enforced";
  return "kind not modelled; the trace does not take it into account";
}
