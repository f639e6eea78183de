// What marks a pod as an ingress-nginx controller: the labels its Helm chart and manifests set.
export const CONTROLLER_LABELS = {
  "app.kubernetes.io/name": "ingress-nginx",
  "app.kubernetes.io/component": "controller",
} as const;

/** Is this pod an ingress-nginx controller (by the labels its Helm chart and manifests set)? */
export function isControllerLabels(labels: Readonly<Record<string, string>>): boolean {
  return (
    labels["app.kubernetes.io/name"] === "ingress-nginx" &&
    (labels["app.kubernetes.io/component"] ?? "controller") === "controller"
  );
}
