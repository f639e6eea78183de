// Services, EndpointSlices and kube-proxy's configuration, as the API server and kubectl print them.
import { z } from "zod";
import { metadata } from "./kubernetes-schema.ts";
import { dns1123SubdomainProblem } from "./names.ts";
import {
  ipv4,
  labels,
  named,
  objectName,
  port,
  portName,
  protocol,
  serviceName,
  servicePortName,
} from "./schema-types.ts";

const servicePort = z.looseObject({
  name: servicePortName.optional(),
  protocol: protocol.optional(),
  port,
  targetPort: z.union([port, portName], { error: "expected a port number or a container port's name" }).optional(),
  nodePort: z.number().int().min(1).max(65535, { error: "expected a port number 1-65535" }).optional(),
});

const trafficPolicy = z.enum(["Cluster", "Local"], { error: "expected Cluster or Local" });

export const ServiceSchema = z.looseObject({
  metadata: metadata.extend({ name: serviceName }),
  spec: z.looseObject({
    type: z
      .enum(["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"], {
        error: "expected ClusterIP, NodePort, LoadBalancer or ExternalName",
      })
      .optional(),
    clusterIP: z.union([ipv4, z.literal("None"), z.literal("")]).optional(),
    clusterIPs: z.array(z.union([ipv4, z.literal("None")])).optional(),
    ports: z.array(servicePort).optional(),
    selector: labels.optional(),
    externalIPs: z.array(ipv4).optional(),
    // ValidateExternalName: a DNS-1123 subdomain, a trailing dot allowed.
    externalName: named("a DNS name", (s) => dns1123SubdomainProblem(s.replace(/\.$/, ""))).optional(),
    externalTrafficPolicy: trafficPolicy.optional(),
    internalTrafficPolicy: trafficPolicy.optional(),
    sessionAffinity: z.enum(["None", "ClientIP"], { error: "expected None or ClientIP" }).optional(),
    sessionAffinityConfig: z
      .looseObject({
        clientIP: z.looseObject({ timeoutSeconds: z.number().int().min(1).max(86400).optional() }).optional(),
      })
      .optional(),
    loadBalancerSourceRanges: z.array(z.string()).optional(),
    healthCheckNodePort: z.number().int().min(1).max(65535).optional(),
  }),
  status: z
    .looseObject({
      loadBalancer: z
        .looseObject({
          ingress: z.array(z.looseObject({ ip: ipv4.optional(), hostname: z.string().optional() })).optional(),
        })
        .optional(),
    })
    .optional(),
});

export const EndpointSliceSchema = z.looseObject({
  metadata,
  addressType: z.string(),
  ports: z
    .array(z.looseObject({ name: servicePortName.optional(), port: port.optional(), protocol: protocol.optional() }))
    .nullable()
    .optional(),
  endpoints: z
    .array(
      z.looseObject({
        addresses: z.array(z.string()).min(1, { error: "an endpoint needs at least one address" }),
        conditions: z
          .looseObject({
            ready: z.boolean().optional(),
            serving: z.boolean().optional(),
            terminating: z.boolean().optional(),
          })
          .optional(),
        nodeName: objectName.optional(),
        targetRef: z
          .looseObject({ kind: z.string().optional(), name: z.string().optional(), namespace: z.string().optional() })
          .optional(),
      }),
    )
    .nullable()
    .optional(),
});

const endpointAddress = z.looseObject({
  ip: z.string({ error: "expected an IPv4 address as text, e.g. 10.244.1.5" }),
  nodeName: objectName.optional(),
  targetRef: z
    .looseObject({ kind: z.string().optional(), name: z.string().optional(), namespace: z.string().optional() })
    .optional(),
});

/** core v1 Endpoints: what a selector-less Service's endpoints are, as its owner wrote them. */
export const EndpointsSchema = z.looseObject({
  metadata,
  subsets: z
    .array(
      z.looseObject({
        addresses: z.array(endpointAddress).optional(),
        notReadyAddresses: z.array(endpointAddress).optional(),
        ports: z
          .array(z.looseObject({ name: servicePortName.optional(), port, protocol: protocol.optional() }))
          .optional(),
      }),
    )
    .nullable()
    .optional(),
});

export const KubeProxyConfigurationSchema = z.looseObject({
  apiVersion: z.literal("kubeproxy.config.k8s.io/v1alpha1", {
    error: "expected apiVersion: kubeproxy.config.k8s.io/v1alpha1",
  }),
  mode: z.string().optional(),
  clusterCIDR: z.string().optional(),
  detectLocalMode: z
    .enum(["", "ClusterCIDR", "NodeCIDR", "BridgeInterface", "InterfaceNamePrefix"], {
      error: "expected ClusterCIDR, NodeCIDR, BridgeInterface or InterfaceNamePrefix",
    })
    .optional(),
  masqueradeAll: z.boolean().optional(),
  nodePortAddresses: z.array(z.string()).nullable().optional(),
  iptables: z
    .looseObject({
      masqueradeBit: z.number().int().min(0).max(31).nullable().optional(),
      localhostNodePorts: z.boolean().nullable().optional(),
      masqueradeAll: z.boolean().optional(),
    })
    .optional(),
});

export type ServiceObject = z.infer<typeof ServiceSchema>;
export type EndpointSliceObject = z.infer<typeof EndpointSliceSchema>;
export type EndpointsObject = z.infer<typeof EndpointsSchema>;
export type KubeProxyConfigurationObject = z.infer<typeof KubeProxyConfigurationSchema>;
