// Field types shared by the schemas, with messages that say what would be valid.
import { z } from "zod";
import { parseIpv4, parsePrefix } from "../model/address.ts";

export const ipv4 = z
  .string({ error: "expected an IPv4 address as text, e.g. 192.168.10.11" })
  .refine((s) => parseIpv4(s) !== undefined, {
    error: (i) => `"${String(i.input)}" is not an IPv4 address; expected four numbers 0-255 like 192.168.10.11`,
  })
  .meta({ format: "ipv4" });

export const cidr = z
  .string({ error: "expected a CIDR as text, e.g. 10.244.0.0/16" })
  .refine((s) => parsePrefix(s, false) !== undefined, {
    error: (i) => `"${String(i.input)}" is not a CIDR; expected address/length like 10.244.0.0/16`,
  })
  .refine((s) => parsePrefix(s, false) === undefined || parsePrefix(s, true) !== undefined, {
    error: (i) =>
      `"${String(i.input)}" has host bits set; write the network address, ` +
      `e.g. ${parsePrefix(String(i.input), false)?.text}`,
  });

export const port = z
  .number({ error: "expected a port number 1-65535" })
  .int({ error: "expected a whole port number 1-65535" })
  .min(1, { error: "expected a port number 1-65535" })
  .max(65535, { error: "expected a port number 1-65535" });

export const protocol = z.enum(["TCP", "UDP", "SCTP"], { error: "expected TCP, UDP or SCTP" });

/** DNS-1123 label/subdomain names, as the API server enforces for object names. */
export const objectName = z
  .string({ error: "expected a name as text" })
  .min(1, { error: "a name cannot be empty" })
  .max(253, { error: "a name is at most 253 characters" })
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, {
    error:
      "not a valid Kubernetes name; use lower-case letters, digits, '-' and '.', starting and ending with a letter " +
      "or digit",
  });

export const labels = z.record(z.string(), z.string({ error: "label values are text; quote numbers and booleans" }));
