// The Ingress types are model data (lib/model/ingress.ts); this path stays for the specs that still import them here.
export type { Ingress, IngressBackend, IngressClass, IngressPath, IngressRule, IngressTLS, PathType, ResourceBackend, ServiceBackend } from "../model/ingress.ts";
