// The ingress-nginx controller's ConfigMap (--configmap): global settings that the annotations of an
// Ingress override. kubehop simulates the ones that decide a request's answer and that it simulates
// as annotations: ssl-redirect, force-ssl-redirect, proxy-body-size, whitelist-source-range and
// denylist-source-range (names and defaults from
// kubernetes/ingress-nginx internal/ingress/controller/config/config.go). Keys that change no
// request's path (logging, timeouts, buffers, TLS ciphers, metrics) are read without a word; any
// other key is a warning naming it, and the rest is still read.
import { type Diagnostic, diagnostic } from "../model/diagnostic.ts";
import type { ControllerSettings } from "../model/ingress.ts";
import type { Origin } from "../model/origin.ts";
import { byteSize, goBool, sourceRanges } from "./annotation-values.ts";

/** The keys simulated, each with what makes its value readable. */
const SIMULATED: Readonly<Record<string, (v: string) => string | undefined>> = {
  "ssl-redirect": (v) => (goBool(v) === undefined ? "is not a boolean" : undefined),
  "force-ssl-redirect": (v) => (goBool(v) === undefined ? "is not a boolean" : undefined),
  "proxy-body-size": (v) => (byteSize(v) === undefined ? "is not a size such as 8m" : undefined),
  "use-forwarded-headers": (v) => (goBool(v) === undefined ? "is not a boolean" : undefined),
  "whitelist-source-range": (v) => (sourceRanges(v) === undefined ? "is not a list of addresses and CIDRs" : undefined),
  "denylist-source-range": (v) => (sourceRanges(v) === undefined ? "is not a list of addresses and CIDRs" : undefined),
};

/** What the controller does with a value it cannot read, and so what a trace takes. */
const UNREADABLE: Readonly<Record<string, string>> = {
  "ssl-redirect": "kubehop takes the default",
  "force-ssl-redirect": "kubehop takes the default",
  "proxy-body-size": "kubehop takes the default",
  "use-forwarded-headers": "kubehop takes the default",
  // ipallowlist takes the ConfigMap's list unparsed; nginx refuses `allow` of what is not an address.
  "whitelist-source-range":
    "nginx refuses such a configuration; kubehop takes no list, and what nginx serves then is not known",
  "denylist-source-range":
    "nginx refuses such a configuration; kubehop takes no list, and what nginx serves then is not known",
};

/** Keys that cannot change where a request goes or what it is answered, by their name's start. */
const INERT_PREFIXES = [
  "log-format",
  "access-log",
  "error-log",
  "enable-access-log",
  "skip-access-log",
  "worker-",
  "max-worker",
  "keep-alive",
  "upstream-keepalive",
  "proxy-connect-timeout",
  "proxy-read-timeout",
  "proxy-send-timeout",
  "proxy-next-upstream",
  "proxy-buffer",
  "proxy-headers-hash",
  "client-header-",
  "client-body-",
  "large-client-header-buffers",
  "gzip",
  "use-gzip",
  "enable-brotli",
  "brotli-",
  "hsts",
  "server-tokens",
  "enable-opentelemetry",
  "opentelemetry-",
  "otlp-",
  "otel-",
  "ssl-protocols",
  "ssl-ciphers",
  "ssl-session-",
  "ssl-buffer-size",
  "ssl-ecdh-curve",
  "ssl-dh-param",
  "ssl-early-data",
  "enable-ocsp",
  "http2-",
  "use-http2",
  "variables-hash-",
  "server-names-hash-",
  "map-hash-bucket-size",
  "reuse-port",
  "allow-snippet-annotations",
  "annotations-risk-level",
  "annotation-value-word-blocklist",
  "strict-validate-path-type",
  "enable-vts-status",
  "vts-",
  "nginx-status-",
  "disable-access-log",
  "lua-shared-dicts",
  "limit-conn-status-code",
  "limit-req-status-code",
  "debug-connections",
  "bind-address",
  "upstream-hash-by-subset",
  "load-balance",
];

export interface SettingsRead {
  readonly settings: ControllerSettings;
  readonly notes: readonly Diagnostic[];
}

/**
 * The settings of one ConfigMap's `data` (a mapping of strings; null or absent: none). `at(key)` is
 * where a key is written; `configMap` is `namespace/name`.
 */
export function readControllerSettings(data: unknown, at: (key: string) => Origin, configMap: string): SettingsRead {
  const notes: Diagnostic[] = [];
  const values: Record<string, string> = {};
  const entries = data !== null && typeof data === "object" ? Object.entries(data) : [];
  for (const [key, value] of entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const check = SIMULATED[key];
    if (typeof value !== "string") {
      notes.push(note(at(key), `ConfigMap ${configMap}: ${key} is not a string: ingress-nginx cannot read it`));
      continue;
    }
    if (check) {
      const wrong = check(value.trim());
      if (wrong === undefined) values[key] = value.trim();
      else notes.push(note(at(key), `ConfigMap ${configMap}: ${key}: "${value}" ${wrong}: ${UNREADABLE[key]}`));
      continue;
    }
    if (INERT_PREFIXES.some((p) => key.startsWith(p))) continue;
    notes.push(
      note(
        at(key),
        `ConfigMap ${configMap}: ${key} is not simulated: a trace takes ingress-nginx's default for it`,
        "an annotation with the same setting on the Ingress is simulated where kubehop simulates it",
      ),
    );
  }
  return { settings: { configMap, values }, notes };
}

function note(at: Origin, message: string, hint?: string): Diagnostic {
  return diagnostic("ingress-configmap-key", at, message, hint);
}
