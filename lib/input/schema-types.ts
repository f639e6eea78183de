// Field types shared by the schemas, with messages that say what would be valid.
import { z } from "zod";
import { parseIpv4, parsePrefix } from "../model/address.ts";
import { excerpt } from "../model/excerpt.ts";
import {
  annotationKeyProblem,
  DNS1123_SUBDOMAIN,
  dns1035LabelProblem,
  dns1123LabelProblem,
  dns1123SubdomainProblem,
  labelKeyProblem,
  labelValueProblem,
  portNameProblem,
} from "./names.ts";

export const ipv4 = z
  .string({ error: "expected an IPv4 address as text, e.g. 192.168.10.11" })
  .refine((s) => parseIpv4(s) !== undefined, {
    error: (i) => `${excerpt(String(i.input))} is not an IPv4 address; expected four numbers 0-255 like 192.168.10.11`,
  })
  .meta({ format: "ipv4" });

export const cidr = z
  .string({ error: "expected a CIDR as text, e.g. 10.244.0.0/16" })
  .refine((s) => parsePrefix(s, false) !== undefined, {
    error: (i) => `${excerpt(String(i.input))} is not a CIDR; expected address/length like 10.244.0.0/16`,
  })
  .refine((s) => parsePrefix(s, false) === undefined || parsePrefix(s, true) !== undefined, {
    error: (i) =>
      `${excerpt(String(i.input))} has host bits set; write the network address, ` +
      `e.g. ${parsePrefix(String(i.input), false)?.text}`,
  });

export const port = z
  .number({ error: "expected a port number 1-65535" })
  .int({ error: "expected a whole port number 1-65535" })
  .min(1, { error: "expected a port number 1-65535" })
  .max(65535, { error: "expected a port number 1-65535" });

export const protocol = z.enum(["TCP", "UDP", "SCTP"], { error: "expected TCP, UDP or SCTP" });

/** A zod string checked by one of names.ts's rules, its message saying what would be valid. */
export function named(what: string, problemOf: (s: string) => string | undefined) {
  return z.string({ error: `expected ${what} as text` }).superRefine((s, ctx) => {
    const problem = problemOf(s);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });
}

/** Most object names (Pods, workloads, Nodes, Ingresses, EndpointSlices): a DNS-1123 subdomain. */
export const objectName = named("a name", dns1123SubdomainProblem).meta({
  pattern: DNS1123_SUBDOMAIN.source,
  minLength: 1,
  maxLength: 253,
});
/** Namespaces and container names: a DNS-1123 label. */
export const labelName = named("a name", dns1123LabelProblem);
/** Service names: a DNS-1035 label (it becomes a DNS label and an environment variable's prefix). */
export const serviceName = named("a Service name", dns1035LabelProblem);
/** Service and Endpoints port names: a DNS-1123 label (validateServicePort). */
export const servicePortName = named("a port name", dns1123LabelProblem);
/** Container port names and named targetPorts: an IANA service name. */
export const portName = named("a port name", portNameProblem);

/** A mapping whose keys one of names.ts's rules checks, each problem positioned at its key's entry. */
function keyedBy<V extends z.ZodType>(problemOf: (key: string) => string | undefined, value: V) {
  return z.record(z.string(), value).superRefine((record, ctx) => {
    for (const key of Object.keys(record)) {
      const problem = problemOf(key);
      if (problem) ctx.addIssue({ code: "custom", message: problem, path: [key] });
    }
  });
}

/** Labels, selectors and nodeSelectors: qualified-name keys, label values. */
export const labels = keyedBy(
  labelKeyProblem,
  z.string({ error: "label values are text; quote numbers and booleans" }).superRefine((s, ctx) => {
    const problem = labelValueProblem(s);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  }),
);

/** Annotations: qualified-name keys; values are free text (kubehop reads a few and quotes them escaped). */
export const annotations = keyedBy(annotationKeyProblem, z.string());
