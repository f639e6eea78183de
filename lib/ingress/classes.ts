// Which Ingresses the ingress-nginx controller serves. Two steps happen in a real cluster:
// 1. on create, the DefaultIngressClass admission plugin writes the default class into an Ingress
//    that names no class (neither field nor legacy annotation);
// 2. the controller (store.go GetIngressClass) accepts spec.ingressClassName only if it names an
//    IngressClass whose spec.controller is its own (or, with --ingress-class-by-name, whose name is
//    its --ingress-class: the IngressClass informer's filter), else the legacy annotation only if it
//    equals its --ingress-class (default "nginx"), else nothing unless --watch-ingress-without-class.
//    With --watch-namespace it sees the Ingresses of that namespace only.
import {
  type ClassSelection,
  type ControllerConfig,
  type IgnoredIngress,
  type Ingress,
  type IngressClass,
  ingressKey,
  type ServedIngress,
} from "../model/ingress.ts";
import { ageKey } from "./order.ts";

export type { ControllerConfig };

export const NGINX_CONTROLLER = "k8s.io/ingress-nginx";
export const LEGACY_CLASS_ANNOTATION = "kubernetes.io/ingress.class";
export const DEFAULT_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class";

export const DEFAULT_CONTROLLER: ControllerConfig = {
  controller: NGINX_CONTROLLER,
  ingressClass: "nginx",
  watchWithoutClass: false,
  ingressClassByName: false,
  watchNamespace: undefined,
  httpPort: 80,
  httpsPort: 443,
  configMap: undefined,
};

/** kubehop's default when the input holds no IngressClass at all (not something Kubernetes does). */
export const ASSUMED_CLASS: IngressClass = { name: "nginx", controller: NGINX_CONTROLLER, isDefault: true };

/** The admission plugin's pick among several defaults: the newest, ties by name (kubernetes PR #110974). */
export function defaultClass(classes: readonly IngressClass[]): IngressClass | undefined {
  const defaults = classes.filter((c) => c.isDefault);
  defaults.sort((a, b) => {
    const ta = ageKey(a.creationTimestamp);
    const tb = ageKey(b.creationTimestamp);
    if (ta !== tb) return ta > tb ? -1 : 1;
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  });
  return defaults[0];
}

export function selectIngresses(
  ingresses: readonly Ingress[],
  classes: readonly IngressClass[],
  config: ControllerConfig = DEFAULT_CONTROLLER,
): ClassSelection {
  const assumed = classes.length === 0;
  const effective = assumed ? [ASSUMED_CLASS] : [...classes];
  const byName = new Map(effective.map((c) => [c.name, c]));
  const fallback = defaultClass(effective);
  const served: ServedIngress[] = [];
  const ignored: IgnoredIngress[] = [];
  const sorted = [...ingresses].sort((a, b) =>
    ingressKey(a) < ingressKey(b) ? -1 : ingressKey(a) > ingressKey(b) ? 1 : 0,
  );
  for (const ing of sorted) {
    const key = ingressKey(ing);
    if (config.watchNamespace !== undefined && ing.namespace !== config.watchNamespace) {
      ignored.push({
        ingress: ing,
        reason:
          `Ingress ${key} is in namespace ${ing.namespace}; the controller watches only namespace ` +
          `${config.watchNamespace} (--watch-namespace)`,
      });
      continue;
    }
    const legacy = ing.annotations[LEGACY_CLASS_ANNOTATION];
    let className = ing.className;
    let defaulted = "";
    if (className === undefined && legacy === undefined && fallback) {
      className = fallback.name;
      defaulted = assumed
        ? ` (no IngressClass in the input: kubehop assumes IngressClass ${fallback.name}, the default class)`
        : ` (defaulted on create to IngressClass ${fallback.name}, annotated ${DEFAULT_CLASS_ANNOTATION}: "true")`;
    }
    if (className !== undefined) {
      const cls = byName.get(className);
      if (!cls) {
        ignored.push({
          ingress: ing,
          className,
          reason:
            `Ingress ${key} is of class ${className}, which no controller here serves: there is no ` +
            `IngressClass named ${className}`,
        });
      } else if (
        cls.controller !== config.controller &&
        !(config.ingressClassByName && cls.name === config.ingressClass)
      ) {
        ignored.push({
          ingress: ing,
          className,
          reason:
            `Ingress ${key} is of class ${className}, which no controller here serves: ` +
            `IngressClass ${className} names controller ${cls.controller}, not ${config.controller}`,
        });
      } else {
        const byName = cls.controller !== config.controller ? `, watched by name (--ingress-class-by-name)` : "";
        served.push({
          ingress: ing,
          className,
          how: `IngressClass ${className} (controller ${cls.controller}${byName})${defaulted}`,
        });
      }
      continue;
    }
    if (legacy !== undefined) {
      // The annotation is compared with the flag, not with IngressClass objects.
      if (legacy === config.ingressClass) {
        served.push({
          ingress: ing,
          className: legacy,
          how:
            `annotation ${LEGACY_CLASS_ANNOTATION}: ${legacy} (deprecated; accepted because it equals the ` +
            `controller's --ingress-class)`,
        });
      } else {
        ignored.push({
          ingress: ing,
          className: legacy,
          reason:
            `Ingress ${key} is of class ${legacy} (annotation ${LEGACY_CLASS_ANNOTATION}), which no ` +
            `controller here serves: ingress-nginx accepts only "${config.ingressClass}"`,
        });
      }
      continue;
    }
    if (config.watchWithoutClass) {
      served.push({ ingress: ing, className: "_", how: "no class, accepted because of --watch-ingress-without-class" });
    } else {
      ignored.push({
        ingress: ing,
        reason:
          `Ingress ${key} names no class and no IngressClass is the default; ingress-nginx ignores it ` +
          `("ingress does not contain a valid IngressClass")`,
      });
    }
  }
  return { served, ignored, classes: effective, assumedDefaultClass: assumed, controller: config };
}
