// Real nginx as the ingress controller of an emulation: in each ingress-nginx controller pod's
// namespace, Debian's nginx runs in the foreground (`daemon off`, its own process group) with the
// configuration nginx-config.ts writes, in a private folder of the run (kh-RUN-nginx, 0700) that the
// run's teardown and the sweep of dead runs remove. nginx takes the controller's ports, its TLS one
// (named https, or 443) with `listen ... ssl` and the run's certificates (tls.ts); the pod's echo
// server keeps the others. A Gateway's proxy pods run it too, on the ports of its HTTP and HTTPS
// listeners, configured as NGINX Gateway Fabric would (nginx-gateway-config.ts).
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Cluster, Pod } from "../model/cluster.ts";
import { isControllerLabels } from "../ingress/controller.ts";
import { controllerOf } from "../model/ingress.ts";
import { GATEWAY_NAME_LABEL } from "../control/gateway-defaults.ts";
import { servingListeners } from "../gateway/select-listener.ts";
import { nginxGatewayConfig } from "./nginx-gateway-config.ts";
import { PREFIX } from "./names.ts";
import { nginxConfig } from "./nginx-config.ts";
import { have, start } from "./runner.ts";
import type { Certificates } from "./tls.ts";

export const NGINX = "/usr/sbin/nginx";

/** The folder of a run's nginx configurations and temp files. */
export function nginxFolder(runId: string): string {
  return join(tmpdir(), `${PREFIX}${runId}-nginx`);
}

export interface NginxPlan {
  readonly pod: Pod;
  /** Plain-HTTP ports. */
  readonly ports: readonly number[];
  /** Ports nginx ends TLS on (served only when the run has certificates). */
  readonly tlsPorts: readonly number[];
  /** `ns/name` of the Gateway a proxy pod serves; absent for an ingress controller pod. */
  readonly gateway?: string;
}

/**
 * The controller and Gateway proxy pods nginx serves, and their plain-HTTP and TLS ports; none without
 * nginx. `tls` false (no openssl): the TLS ports stay the echo server's.
 */
export function nginxPlans(cluster: Cluster, tls = true): NginxPlan[] {
  if (!existsSync(NGINX) && !have("nginx")) return [];
  return cluster.pods
    .filter((p) => !p.hostNetwork)
    .map((pod) => (isControllerLabels(pod.labels) ? controllerPlan(cluster, pod) : gatewayPlan(cluster, pod)))
    .filter((p): p is NginxPlan => p !== undefined && p.ports.length + p.tlsPorts.length > 0)
    .map((p) => (tls ? p : { ...p, tlsPorts: [] }));
}

const sorted = (ports: readonly number[]): number[] => [...new Set(ports)].sort((a, b) => a - b);

/** A Gateway's proxy pod: the ports of the Gateway's HTTP and HTTPS (Terminate) listeners that take connections. */
function gatewayPlan(cluster: Cluster, pod: Pod): NginxPlan | undefined {
  const name = pod.labels[GATEWAY_NAME_LABEL];
  if (name === undefined) return undefined;
  const gateway = `${pod.namespace}/${name}`;
  const serving = servingListeners(cluster.gateways, gateway);
  const open = (protocol: string) =>
    sorted(
      serving
        .filter((l) => l.protocol === protocol && (protocol === "HTTP" || l.tls?.mode === "Terminate"))
        .map((l) => l.port)
        .filter((p) => pod.ports.some((x) => x.containerPort === p)),
    );
  return { pod, ports: open("HTTP"), tlsPorts: open("HTTPS"), gateway };
}

/**
 * The controller's ports: nginx serves HTTP on --http-port and HTTPS on --https-port, declared or not
 * (a containerPort only names a port); the pod's other ports stay the echo server's.
 */
function controllerPlan(cluster: Cluster, pod: Pod): NginxPlan {
  const { httpPort, httpsPort } = controllerOf(cluster.ingress, pod).config;
  return { pod, ports: [httpPort], tlsPorts: [httpsPort] };
}

export interface StartedNginx {
  readonly child: ChildProcess;
  /** `ns/name` of an Ingress, or `HTTPRoute ns/name`, -> why its locations are not verified. */
  readonly unrendered: ReadonlyMap<string, string>;
}

/** Writes the pod's configuration and starts nginx in `ns`; resolves once it listens (its pid file exists). */
export async function startNginx(
  cluster: Cluster,
  plan: NginxPlan,
  ns: string,
  runId: string,
  certificates?: Certificates,
): Promise<StartedNginx> {
  const name = `${plan.pod.namespace}/${plan.pod.name}`;
  const root = nginxFolder(runId);
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const prefix = join(root, `${plan.pod.namespace}_${plan.pod.name}`.replace(/[^A-Za-z0-9_.-]/g, "_"));
  mkdirSync(prefix, { mode: 0o700 });
  const tls = certificates && plan.tlsPorts.length ? { ports: plan.tlsPorts, certificates } : undefined;
  const input = { cluster, pod: name, ports: plan.ports, prefix, ...(tls ? { tls } : {}) };
  const config = plan.gateway ? nginxGatewayConfig({ ...input, gateway: plan.gateway }) : nginxConfig(input);
  const conf = join(prefix, "nginx.conf");
  writeFileSync(conf, config.text, { mode: 0o600 });
  const child = start(NGINX, ["-c", conf, "-p", prefix, "-e", join(prefix, "error.log"), "-g", "daemon off;"], {
    ns,
  });
  await listening(child, join(prefix, "nginx.pid"), name);
  return { child, unrendered: config.unrendered };
}

/** nginx writes its pid file after it has bound its sockets; an exit before that is a failure. */
async function listening(child: ChildProcess, pidFile: string, what: string, timeoutMs = 10_000): Promise<void> {
  let err = "";
  child.stderr?.on("data", (d: Buffer) => (err += d.toString("utf8")));
  const t0 = performance.now();
  while (performance.now() - t0 < timeoutMs) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`nginx for ${what} exited (${child.exitCode ?? child.signalCode}): ${err.trim()}`);
    if (existsSync(pidFile)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`nginx for ${what}: not listening after ${timeoutMs} ms ${err.trim()}`);
}
