// An Ingress as the router needs it: plain data, no Kubernetes wrapping, no behaviour; and which
// Ingresses the controller serves (lib/ingress/classes.ts decides it).
import type { Origin } from "./origin.ts";

export type PathType = "Exact" | "Prefix" | "ImplementationSpecific";

/** A Service in the Ingress's namespace; port is ServicePort.port (number) or ServicePort.name (text). */
export interface ServiceBackend {
  readonly kind: "service";
  readonly service: string;
  readonly port: number | string;
}

/** A TypedLocalObjectReference; ingress-nginx cannot proxy to it and uses its default backend. */
export interface ResourceBackend {
  readonly kind: "resource";
  readonly apiGroup?: string;
  readonly resourceKind: string;
  readonly name: string;
}

export type IngressBackend = ServiceBackend | ResourceBackend;

export interface IngressPath {
  /** As written; "" when left out. */
  readonly path: string;
  readonly pathType: PathType;
  readonly backend: IngressBackend;
}

export interface IngressRule {
  /** Lower-case DNS name or `*.suffix`; undefined = any host. */
  readonly host?: string;
  /** undefined = the rule has no http block (the host then goes to the Ingress's defaultBackend). */
  readonly paths?: readonly IngressPath[];
}

export interface IngressTLS {
  readonly hosts: readonly string[];
  readonly secretName?: string;
}

export interface Ingress {
  readonly namespace: string;
  readonly name: string;
  /** spec.ingressClassName as written (the legacy annotation stays in annotations). */
  readonly className?: string;
  /** RFC 3339; ingress-nginx processes older Ingresses first. */
  readonly creationTimestamp?: string;
  readonly annotations: Readonly<Record<string, string>>;
  readonly defaultBackend?: IngressBackend;
  readonly rules: readonly IngressRule[];
  readonly tls: readonly IngressTLS[];
  readonly origin?: Origin;
}

export interface IngressClass {
  readonly name: string;
  readonly controller: string;
  /** ingressclass.kubernetes.io/is-default-class: "true" */
  readonly isDefault: boolean;
  readonly creationTimestamp?: string;
  readonly origin?: Origin;
}

export function ingressKey(ing: Pick<Ingress, "namespace" | "name">): string {
  return `${ing.namespace}/${ing.name}`;
}

export function backendText(b: IngressBackend | undefined): string {
  if (!b) return "the controller's default backend";
  return b.kind === "service" ? `${b.service}:${b.port}` : `${b.resourceKind}/${b.name}`;
}

// Which Ingresses the ingress-nginx controller serves, as lib/ingress/classes.ts selects them.

export interface ServedIngress {
  readonly ingress: Ingress;
  /** The class it was accepted under ("_" when accepted without any class). */
  readonly className: string;
  readonly how: string;
}

export interface IgnoredIngress {
  readonly ingress: Ingress;
  readonly className?: string;
  /** Ready for a warning or a trace step. */
  readonly reason: string;
}

/** The ingress-nginx controller's flags that decide what it serves and where (lib/ingress/controller-flags.ts). */
export interface ControllerConfig {
  /** --controller-class */
  readonly controller: string;
  /** --ingress-class: the only legacy annotation value accepted. */
  readonly ingressClass: string;
  /** --watch-ingress-without-class */
  readonly watchWithoutClass: boolean;
  /** --ingress-class-by-name: the IngressClass named as --ingress-class is watched whatever its controller. */
  readonly ingressClassByName: boolean;
  /** --watch-namespace: the only namespace whose Ingresses the controller sees; undefined for all. */
  readonly watchNamespace: string | undefined;
  /** --http-port and --https-port: where nginx serves plain HTTP and HTTPS. */
  readonly httpPort: number;
  readonly httpsPort: number;
  /** --configmap, `namespace/name` with $(POD_NAMESPACE) expanded: the controller's global settings. */
  readonly configMap: string | undefined;
}

export interface ClassSelection {
  readonly served: readonly ServedIngress[];
  readonly ignored: readonly IgnoredIngress[];
  /** The classes in effect, ASSUMED_CLASS (lib/ingress/classes.ts) included when it was assumed. */
  readonly classes: readonly IngressClass[];
  readonly assumedDefaultClass: boolean;
  /** The controller's flags the selection was made with: also where nginx serves HTTP and HTTPS. */
  readonly controller: ControllerConfig;
}

/**
 * The controller's global settings, from the ConfigMap its --configmap names: the values of the keys
 * kubehop simulates, as written (parsed as the annotations that override them are, lib/ingress/annotations.ts).
 */
export interface ControllerSettings {
  /** `namespace/name` of the ConfigMap the values come from; undefined when none was read. */
  readonly configMap: string | undefined;
  readonly values: Readonly<Record<string, string>>;
}

export const NO_SETTINGS: ControllerSettings = { configMap: undefined, values: {} };

/** One ingress-nginx controller of the input: the object that runs it, its flags and settings, what it serves. */
export interface IngressController {
  /** `Kind namespace/name` of the Deployment, DaemonSet, ... or Pod that runs the controller. */
  readonly key: string;
  /** That object: its pods are the ones it owns (or the Pod itself). */
  readonly runs: { readonly kind: string; readonly namespace: string; readonly name: string };
  readonly config: ControllerConfig;
  readonly settings: ControllerSettings;
  readonly served: readonly ServedIngress[];
}

/**
 * The cluster's ingress layer. `served` holds what any controller serves and `ignored` what none does;
 * `controller` and `settings` are the first controller's. Each controller pod serves as its own
 * controller runs (controllerOf); with no controller in the input, kubehop's default one.
 */
export interface IngressState extends ClassSelection {
  readonly settings: ControllerSettings;
  readonly controllers: readonly IngressController[];
}

/** The controller a pod runs: the one whose object owns it, else the first (kubehop's default one). */
export function controllerOf(
  state: IngressState,
  pod: { readonly namespace: string; readonly name: string; readonly owner?: { kind: string; name: string } },
): Pick<IngressController, "config" | "settings" | "served"> {
  const runs = (c: IngressController) =>
    c.runs.namespace === pod.namespace &&
    (c.runs.kind === "Pod"
      ? c.runs.name === pod.name
      : c.runs.kind === pod.owner?.kind && c.runs.name === pod.owner.name);
  return state.controllers.find(runs) ?? { config: state.controller, settings: state.settings, served: state.served };
}
