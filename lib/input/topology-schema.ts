// kubehop's own kind, for what Kubernetes has no object for: the overlay, the underlay, clients.
// Strict: a misspelt field here is an error, not a silently ignored setting.
import { z } from "zod";
import { ExpectationSchema } from "./expectation-schema.ts";
import { cidr, ipv4, labels, objectName, port, protocol } from "./schema-types.ts";

export const TOPOLOGY_API_VERSION = "kubehop.io/v1alpha1";

const route = z.strictObject({
  dst: z.union([cidr, z.literal("default")], { error: 'expected a CIDR like 10.99.0.0/16 or "default"' }),
  dev: z.enum(["eth0", "bridge0", "wg0", "lo"], { error: "expected eth0, bridge0, wg0 or lo" }).optional(),
  via: ipv4.optional(),
  src: ipv4.optional(),
  type: z.enum(["unicast", "blackhole", "unreachable"]).optional(),
});

const wireGuardPeer = z.strictObject({
  node: objectName,
  allowedIPs: z.array(cidr),
  endpoint: z
    .string()
    .regex(/^\d{1,3}(\.\d{1,3}){3}:\d{1,5}$/, { error: "expected ip:port, e.g. 192.168.10.12:51820" })
    .refine((s) => !/:\d+$/.test(s) || (Number(s.split(":")[1]) >= 1 && Number(s.split(":")[1]) <= 65535), {
      error: "expected ip:port with a port 1-65535, e.g. 192.168.10.12:51820",
    })
    .optional(),
  // emulate hands it to `wg set ... peer KEY`: a WireGuard key, 32 bytes in base64, and nothing else.
  publicKey: z
    .string()
    .regex(/^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/, {
      error: "expected a WireGuard public key: 44 characters of base64 ending in =, as `wg pubkey` prints",
    })
    .optional(),
});

/** The external load balancer in front of the nodes (a cloud LB, MetalLB, an appliance). */
const loadBalancer = z.strictObject({
  name: objectName,
  vip: ipv4,
  /** The LB's own address on the underlay: the source of NodePort-mode traffic that does not keep the client IP. */
  address: ipv4.optional(),
  mode: z
    .enum(["nodeport", "passthrough"], {
      error: "expected nodeport (to nodeIP:nodePort) or passthrough (the packet keeps the VIP)",
    })
    .optional(),
  algorithm: z
    .enum(["round-robin", "random", "source-hash"], { error: "expected round-robin, random or source-hash" })
    .optional(),
  preserveClientIP: z.boolean().optional(),
  /** The LoadBalancer Service it fronts, `namespace/name`. */
  service: z
    .string()
    .regex(/^[a-z0-9-]+\/[a-z0-9.-]+$/, { error: "expected namespace/name of a LoadBalancer Service" }),
});

const topologyNode = z.strictObject({
  name: objectName,
  ip: ipv4.optional(),
  podCIDR: cidr.optional(),
  labels: labels.optional(),
  listen: z.array(z.strictObject({ port, protocol: protocol.optional(), process: z.string().optional() })).optional(),
  routes: z.array(route).optional(),
  wireguard: z
    .strictObject({
      address: ipv4.optional(),
      peers: z.array(wireGuardPeer).optional(),
    })
    .optional(),
});

const dumpPath = z.string().min(1, { error: "expected a path to the dump file, relative to the Topology's folder" });

/** Node dumps (`kubehop collect`): where they are, and how real interface names map to kubehop's devices. */
const nodeDumps = z.strictObject({
  /** The folder holding NAME/iptables-save.txt, NAME/ip-route.txt, ... (e.g. `nodes`); none is read unless named. */
  dir: dumpPath.optional(),
  /** Real interface name -> modelled device, e.g. {ens5: eth0, cni0: bridge0, flannel-wg: wg0}. */
  interfaces: z
    .record(
      z.string().regex(/^[A-Za-z0-9_.@:-]{1,15}$/, { error: "expected an interface name such as ens5 or flannel-wg" }),
      z.enum(["eth0", "bridge0", "wg0", "lo"], { error: "expected eth0, bridge0, wg0 or lo" }),
    )
    .optional(),
  /** kube-proxy's iptables-restore text as a node's iptables-save.txt: add the jumps kube-proxy installs. */
  assumeKubeJumps: z.boolean().optional(),
  /** Per node, paths to its dumps (each optional); they win over the folder's files. */
  nodes: z
    .array(
      z.strictObject({
        name: objectName,
        iptablesSave: dumpPath.optional(),
        ipRoute: dumpPath.optional(),
        ipAddr: dumpPath.optional(),
        wgShow: dumpPath.optional(),
      }),
    )
    .optional(),
});

export const TopologySpecSchema = z.strictObject({
  clusterCIDR: cidr.optional(),
  serviceCIDR: cidr.optional(),
  /** kube-apiserver's --service-node-port-range: where NodePorts must be, and are allocated from. */
  serviceNodePortRange: z
    .string()
    .regex(/^\d{1,5}-\d{1,5}$/, { error: "expected FIRST-LAST, as kube-apiserver's flag takes it: 30000-32767" })
    .optional(),
  nodeCIDRMaskSize: z.number().int().min(8).max(30, { error: "nodeCIDRMaskSize must be 8-30" }).optional(),
  nodeCount: z.number().int().min(1, { error: "nodeCount must be at least 1" }).max(100000).optional(),
  nodes: z.array(topologyNode).optional(),
  underlay: z
    .strictObject({
      cidr: cidr.optional(),
      gateway: z.union([ipv4, z.null()]).optional(),
      mtu: z.number().int().min(576).max(65535).optional(),
    })
    .optional(),
  overlay: z
    .strictObject({
      interface: z.literal("wg0", { error: 'the overlay interface is "wg0"' }).optional(),
      listenPort: port.optional(),
      mtu: z.number().int().min(576).max(65535).optional(),
      style: z
        .enum(["kilo", "flannel"], {
          error: "expected kilo (AllowedIPs = podCIDR + node IP) or flannel (podCIDR only)",
        })
        .optional(),
    })
    .optional(),
  clients: z.array(z.strictObject({ name: objectName, ip: ipv4 })).optional(),
  loadBalancers: z.array(loadBalancer).optional(),
  dns: z
    .strictObject({
      records: z
        .array(
          z.strictObject({
            name: z.string().regex(/^(\*\.)?[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/i, {
              error: "expected a host name like shop.example.com or *.example.com",
            }),
            ip: ipv4,
          }),
        )
        .optional(),
    })
    .optional(),
  nodeDumps: nodeDumps.optional(),
});

export const TopologySchema = z.strictObject({
  apiVersion: z.literal(TOPOLOGY_API_VERSION, { error: `expected apiVersion: ${TOPOLOGY_API_VERSION}` }),
  kind: z.literal("Topology"),
  metadata: z.strictObject({ name: objectName }).optional(),
  spec: TopologySpecSchema.optional(),
  /** What `kubehop check` asserts about this cluster (see lib/input/expectation-schema.ts). */
  expect: z.array(ExpectationSchema, { error: "expected a list of expectations" }).optional(),
});

/** A file of expectations for `kubehop check` (and requests for `kubehop diff --requests`). */
export const ExpectationsSchema = z.strictObject({
  apiVersion: z.literal(TOPOLOGY_API_VERSION, { error: `expected apiVersion: ${TOPOLOGY_API_VERSION}` }),
  kind: z.literal("Expectations"),
  metadata: z.strictObject({ name: objectName }).optional(),
  expect: z.array(ExpectationSchema, { error: "expected a list of expectations" }),
});

export type TopologyObject = z.infer<typeof TopologySchema>;
export type ExpectationsObject = z.infer<typeof ExpectationsSchema>;
export type TopologySpec = z.infer<typeof TopologySpecSchema>;
export type TopologyNode = z.infer<typeof topologyNode>;
export type NodeDumpsSpec = z.infer<typeof nodeDumps>;
