// apiVersions Kubernetes has stopped serving (the deprecated API migration guide). kubehop reads such
// an object as its current version would be read, and says that an API server of that release or
// later refuses it, so an old manifest is not taken for one that applies as written.
import { type Diagnostic, diagnostic } from "../model/diagnostic.ts";
import type { SourceObject } from "./source-object.ts";

interface Removal {
  /** The Kubernetes minor release that no longer serves it. */
  readonly release: string;
  readonly use: string;
}

const v116 = (use: string): Removal => ({ release: "1.16", use });
const v122 = (use: string): Removal => ({ release: "1.22", use });
const v125 = (use: string): Removal => ({ release: "1.25", use });

/** `apiVersion kind`, or `apiVersion *` for every kind of that version. */
const REMOVED: ReadonlyMap<string, Removal> = new Map([
  ["extensions/v1beta1 Ingress", v122("networking.k8s.io/v1")],
  ["extensions/v1beta1 NetworkPolicy", v116("networking.k8s.io/v1")],
  ["extensions/v1beta1 *", v116("apps/v1")],
  ["apps/v1beta1 *", v116("apps/v1")],
  ["apps/v1beta2 *", v116("apps/v1")],
  ["networking.k8s.io/v1beta1 *", v122("networking.k8s.io/v1")],
  ["batch/v1beta1 *", v125("batch/v1")],
  ["discovery.k8s.io/v1beta1 *", v125("discovery.k8s.io/v1")],
  ["policy/v1beta1 *", v125("policy/v1")],
  ["autoscaling/v2beta1 *", v125("autoscaling/v2")],
  ["autoscaling/v2beta2 *", { release: "1.26", use: "autoscaling/v2" }],
  ["admissionregistration.k8s.io/v1beta1 *", v122("admissionregistration.k8s.io/v1")],
  ["apiextensions.k8s.io/v1beta1 *", v122("apiextensions.k8s.io/v1")],
  ["rbac.authorization.k8s.io/v1beta1 *", v122("rbac.authorization.k8s.io/v1")],
]);

export function deprecatedApi(src: SourceObject): Diagnostic | undefined {
  const apiVersion = src.value.apiVersion;
  if (typeof apiVersion !== "string") return undefined;
  const removal = REMOVED.get(`${apiVersion} ${src.kind}`) ?? REMOVED.get(`${apiVersion} *`);
  if (!removal) return undefined;
  return diagnostic(
    "deprecated-api",
    src.at(["apiVersion"]),
    `${apiVersion} ${src.kind} is not served since Kubernetes ${removal.release}: the API server refuses it there; ` +
      `kubehop reads it as ${removal.use}`,
    `write apiVersion: ${removal.use}`,
  );
}
