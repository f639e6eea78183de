// The ingress-nginx controller's command line, read as its flag parser (spf13/pflag) reads it: which
// Ingresses it serves (--controller-class, --ingress-class, --ingress-class-by-name,
// --watch-ingress-without-class, --watch-namespace) and the ports nginx serves HTTP and HTTPS on
// (--http-port, --https-port). Flags that change traffic but are not simulated are diagnostics; flags
// that cannot change a request's path (metrics, leader election, status updates, logging) are read
// and need no word. Names and defaults: kubernetes/ingress-nginx pkg/flags/flags.go at commit 034c3cca.
import type { Diagnostic } from "../model/diagnostic.ts";
import { diagnostic } from "../model/diagnostic.ts";
import type { Origin } from "../model/origin.ts";
import { type ControllerConfig, DEFAULT_CONTROLLER } from "./classes.ts";

/** The controller's own annotation prefix; another one makes every annotation kubehop reads unseen. */
const ANNOTATIONS_PREFIX = "nginx.ingress.kubernetes.io";

const BOOL = new Set([
  "watch-ingress-without-class",
  "ingress-class-by-name",
  "enable-ssl-passthrough",
  "disable-catch-all",
  "disable-svc-external-name",
  "enable-topology-aware-routing",
  // No effect on a request's path:
  "profiling",
  "update-status",
  "update-status-on-shutdown",
  "report-node-internal-ip-address",
  "version",
  "disable-leader-election",
  "enable-annotation-validation",
  "enable-ssl-chain-completion",
  "enable-metrics",
  "metrics-per-host",
  "metrics-per-undefined-host",
  "report-status-classes",
  "disable-full-test",
  "deep-inspect",
  "disable-sync-events",
  "logtostderr",
  "alsologtostderr",
  "add_dir_header",
  "one_output",
  "skip_headers",
  "skip_log_headers",
]);

/** Flags that take a value and cannot change where a request goes or what it is answered. */
const INERT = new Set([
  "apiserver-host",
  "certificate-authority",
  "kubeconfig",
  "publish-service",
  "publish-status-address",
  "sync-period",
  "sync-rate-limit",
  "health-check-path",
  "health-check-timeout",
  "election-id",
  "election-ttl",
  "time-buckets",
  "length-buckets",
  "size-buckets",
  "bucket-factor",
  "max-buckets",
  "exclude-socket-metrics",
  "monitor-max-batch-size",
  "healthz-port",
  "healthz-host",
  "validating-webhook",
  "validating-webhook-certificate",
  "validating-webhook-key",
  "status-port",
  "stream-port",
  "internal-logger-address",
  "profiler-port",
  "profiler-address",
  "status-update-interval",
  "shutdown-grace-period",
  "post-shutdown-grace-period",
  "dynamic-configuration-retries",
  "maxmind-mirror",
  "maxmind-license-key",
  "maxmind-edition-ids",
  "maxmind-retries-count",
  "maxmind-retries-timeout",
  "v",
  "vmodule",
  "log_dir",
  "log_file",
  "log_file_max_size",
  "log_backtrace_at",
  "stderrthreshold",
]);

/** Flags that change traffic in ways kubehop does not simulate, and what a trace then gets wrong. */
const NOT_SIMULATED: Readonly<Record<string, string>> = {
  "default-backend-service": "requests no rule matches are answered 404 by nginx's own default backend",
  "tcp-services-configmap": "TCP ports the controller exposes from the ConfigMap are not opened",
  "udp-services-configmap": "UDP ports the controller exposes from the ConfigMap are not opened",
  "watch-namespace-selector": "Ingresses of every namespace are taken as watched",
  "default-ssl-certificate": "the catch-all HTTPS server is taken to present nginx's fake certificate",
  "enable-ssl-passthrough": "TLS is taken to end at nginx for every host, ssl-passthrough Ingresses included",
  "ssl-passthrough-proxy-port": "the port only matters with ssl-passthrough, which is not simulated",
  "default-server-port": "the default server's own port is not opened",
  "disable-catch-all": "Ingresses with only a defaultBackend are still served",
  "disable-svc-external-name": "ExternalName Services are still taken as backends",
  "enable-topology-aware-routing": "upstreams are taken from every zone",
};

export interface ControllerFlags {
  readonly config: ControllerConfig;
  readonly notes: readonly Diagnostic[];
  /** Where --configmap is written, for what is said of the ConfigMap. */
  readonly configMapAt: Origin | undefined;
}

/** One token of the command line and where it is written. */
export interface Arg {
  readonly text: string;
  readonly at: Origin;
}

/**
 * The controller's configuration from its container's command and args. Words that are not flags
 * (the program's path) are skipped, as pflag keeps them as arguments; `--` ends the flags.
 */
export function readControllerFlags(args: readonly Arg[], controller: string): ControllerFlags {
  const r: Reading = { config: { ...DEFAULT_CONTROLLER }, notes: [], controller, configMapAt: undefined };
  const note = (at: Origin, message: string, hint?: string) =>
    r.notes.push(diagnostic("ingress-controller-flag", at, `${controller}: ${message}`, hint));
  for (let i = 0; i < args.length; i++) {
    const { text, at } = args[i]!;
    if (text === "--") break;
    if (!text.startsWith("--") || text.length === 2) continue;
    const eq = text.indexOf("=");
    const name = text.slice(2, eq < 0 ? undefined : eq);
    let value = eq < 0 ? undefined : text.slice(eq + 1);
    if (BOOL.has(name)) {
      const on = boolValue(value);
      if (on === undefined) {
        note(at, `--${name}=${value}: not a boolean, and the controller exits on it`, "use true or false");
        continue;
      }
      applyBool(r.config, name, on, at, note);
      continue;
    }
    if (value === undefined) {
      // pflag takes the next word as the value, whatever it looks like.
      const next = args[i + 1];
      if (!next) {
        if (knownValued(name)) note(at, `--${name} has no value, and the controller exits on it`);
        else note(at, `--${name}: a flag kubehop does not know`, "ingress-nginx exits on a flag it does not know");
        continue;
      }
      value = next.text;
      i++;
    }
    applyValue(r, name, value, at, note);
  }
  return { config: r.config, notes: r.notes, configMapAt: r.configMapAt };
}

function knownValued(name: string): boolean {
  return INERT.has(name) || name in NOT_SIMULATED || MODELLED_VALUED.has(name);
}

const MODELLED_VALUED = new Set([
  "controller-class",
  "ingress-class",
  "watch-namespace",
  "http-port",
  "https-port",
  "annotations-prefix",
  "configmap",
]);

/** pflag's boolean forms (strconv.ParseBool); a bare flag is true. */
function boolValue(value: string | undefined): boolean | undefined {
  if (value === undefined) return true;
  if (["1", "t", "T", "TRUE", "true", "True"].includes(value)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(value)) return false;
  return undefined;
}

type Mutable = { -readonly [K in keyof ControllerConfig]: ControllerConfig[K] };
type Note = (at: Origin, message: string, hint?: string) => void;

/** What reading one controller's flags has found so far. */
interface Reading {
  readonly config: Mutable;
  readonly notes: Diagnostic[];
  /** The controller's object, as messages name it. */
  readonly controller: string;
  configMapAt: Origin | undefined;
}

function applyBool(config: Mutable, name: string, on: boolean, at: Origin, note: Note): void {
  if (name === "watch-ingress-without-class") config.watchWithoutClass = on;
  else if (name === "ingress-class-by-name") config.ingressClassByName = on;
  else if (name in NOT_SIMULATED && on) note(at, `--${name} is not simulated: ${NOT_SIMULATED[name]}`);
}

function applyValue(r: Reading, name: string, value: string, at: Origin, note: Note): void {
  const config = r.config;
  switch (name) {
    case "controller-class":
      config.controller = value;
      return;
    case "ingress-class":
      config.ingressClass = value;
      return;
    case "watch-namespace":
      config.watchNamespace = value === "" ? undefined : value;
      return;
    case "http-port":
    case "https-port": {
      const port = /^[0-9]{1,5}$/.test(value) ? Number(value) : Number.NaN;
      if (!(port >= 1 && port <= 65535)) {
        note(at, `--${name}=${value}: not a port, and the controller exits on it`, "use a port from 1 to 65535");
        return;
      }
      if (name === "http-port") config.httpPort = port;
      else config.httpsPort = port;
      return;
    }
    case "annotations-prefix":
      if (value !== ANNOTATIONS_PREFIX)
        note(
          at,
          `--annotations-prefix=${value} is not simulated: kubehop reads ${ANNOTATIONS_PREFIX}/ annotations, ` +
            `which this controller ignores, and not ${value}/ ones`,
        );
      return;
    case "configmap":
      config.configMap = value === "" ? undefined : value;
      r.configMapAt = at;
      return;
  }
  if (INERT.has(name)) return;
  if (name in NOT_SIMULATED) {
    if (value !== "") note(at, `--${name}=${value} is not simulated: ${NOT_SIMULATED[name]}`);
    return;
  }
  note(at, `--${name}: a flag kubehop does not know`, "ingress-nginx exits on a flag it does not know");
}
