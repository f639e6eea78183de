// The parts of real Kubernetes objects that matter to networking. Objects are read as kubectl prints
// them: every other field (status, managedFields, ...) passes through untouched and unread.
import { z } from "zod";
import { annotations, cidr, ipv4, labelName, labels, objectName, port, portName, protocol } from "./schema-types.ts";

export const metadata = z.looseObject(
  {
    name: objectName,
    namespace: labelName.optional(),
    labels: labels.optional(),
    annotations: annotations.optional(),
    deletionTimestamp: z.string().optional(),
  },
  { error: "expected metadata: a mapping with at least name" },
);

const containerPort = z.looseObject({
  name: portName.optional(),
  containerPort: port,
  protocol: protocol.optional(),
});

const container = z.looseObject({
  name: labelName.optional(),
  ports: z.array(containerPort).optional(),
  // The ingress-nginx controller's flags are read from its command line (lib/ingress/controller-flags.ts).
  command: z.array(z.string(), { error: "expected a list of strings" }).optional(),
  args: z.array(z.string(), { error: "expected a list of strings" }).optional(),
});

const podSpec = z.looseObject({
  nodeName: objectName.optional(),
  nodeSelector: labels.optional(),
  hostNetwork: z.boolean().optional(),
  containers: z.array(container).optional(),
});

export const NodeSchema = z.looseObject({
  metadata,
  spec: z.looseObject({ podCIDR: cidr.optional(), podCIDRs: z.array(cidr).optional() }).optional(),
  status: z
    .looseObject({
      addresses: z.array(z.looseObject({ type: z.string(), address: z.string() })).optional(),
    })
    .optional(),
});

export const PodSchema = z.looseObject({
  metadata,
  spec: podSpec.optional(),
  status: z
    .looseObject({
      phase: z.string().optional(),
      podIP: ipv4.optional(),
      conditions: z.array(z.looseObject({ type: z.string(), status: z.string() })).optional(),
    })
    .optional(),
});

const podTemplate = z.looseObject({
  metadata: z.looseObject({ labels: labels.optional() }).optional(),
  spec: podSpec.optional(),
});

const count = (what: string) =>
  z
    .number({ error: `expected a whole number of ${what}, e.g. 3` })
    .int({ error: `expected a whole number of ${what}, e.g. 3` })
    .min(0, { error: `${what} cannot be negative` })
    .optional();

/** Deployments, StatefulSets, DaemonSets, ReplicaSets, ReplicationControllers and Jobs: a pod template. */
export const WorkloadSchema = z.looseObject({
  metadata,
  spec: z.looseObject({
    replicas: count("replicas"),
    /** A Job's: how many pods run at once, and how many must succeed. */
    parallelism: count("pods for parallelism"),
    completions: count("completions"),
    suspend: z.boolean({ error: "expected true or false" }).optional(),
    template: podTemplate,
  }),
});

/** A CronJob makes Jobs on its schedule; kubehop reads only enough to say so. */
export const CronJobSchema = z.looseObject({
  metadata,
  spec: z.looseObject({ schedule: z.string({ error: 'expected a cron schedule as text, e.g. "*/5 * * * *"' }) }),
});

export type NodeObject = z.infer<typeof NodeSchema>;
export type PodObject = z.infer<typeof PodSchema>;
export type WorkloadObject = z.infer<typeof WorkloadSchema>;
export type CronJobObject = z.infer<typeof CronJobSchema>;
export type PodSpecObject = z.infer<typeof podSpec>;
