// Certificates for the emulation's HTTPS: a throwaway CA made per run with the openssl CLI, and one
// certificate it signs per TLS Secret an Ingress's tls section or a Gateway listener's certificateRefs
// name, its SANs the hosts that name it (the Secrets' real contents are not in the topology; kubehop
// assumes a Secret holds a certificate valid for the hosts it is named for, and so the emulation issues
// exactly that). ingress-nginx's default server presents its self-signed "Kubernetes Ingress Controller
// Fake Certificate" (SAN ingress.local, nginx/pkg/.../ssl.go), which no client trusts: it is made
// self-signed too, outside the CA. Everything lives in the run's private nginx folder (0700): nginx's
// master process reads the files as root before its workers start, and the run's teardown removes it.
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Cluster } from "../model/cluster.ts";
import { servingListeners } from "../gateway/select-listener.ts";
import { routeKey } from "../model/gateway.ts";
import { run } from "./runner.ts";

/** The server name verify sends a listener without a hostname (lib/verify's gateway rows use it too). */
export const ANY_LISTENER_SAMPLE = "kh-any.kh-nowhere.example";

export const OPENSSL = "/usr/bin/openssl";

/** The SAN ingress-nginx's fake certificate carries. */
export const FAKE_CERTIFICATE_HOST = "ingress.local";
const FAKE_CN = "Kubernetes Ingress Controller Fake Certificate";

export interface KeyPair {
  readonly certificate: string;
  readonly key: string;
}

export interface Certificates {
  /** The CA's certificate (PEM): the probe trusts it, as a client trusts a real CA. */
  readonly caPem: string;
  /** `ns/secret` -> its files. */
  readonly secrets: ReadonlyMap<string, KeyPair>;
  /** `ns/secret` -> the DNS names its certificate is issued for. */
  readonly names: ReadonlyMap<string, readonly string[]>;
  /** ingress-nginx's default (fake) certificate. */
  readonly fake: KeyPair;
}

/** `ns/secret` -> the DNS names its certificate is issued for: Ingress tls hosts, HTTPS listeners' hosts. */
export function secretHosts(cluster: Cluster): Map<string, string[]> {
  const out = new Map<string, Set<string>>();
  const add = (secret: string, host: string) => out.set(secret, (out.get(secret) ?? new Set()).add(host));
  for (const { ingress } of cluster.ingress.served)
    for (const t of ingress.tls)
      if (t.secretName) for (const h of t.hosts) add(`${ingress.namespace}/${t.secretName}`, h.toLowerCase());
  const state = cluster.gateways;
  for (const gw of state.world.gateways) {
    for (const l of servingListeners(state, routeKey(gw))) {
      if (l.protocol !== "HTTPS" || l.tls?.mode !== "Terminate") continue;
      const ref = l.tls.certificateRefs[0];
      if (!ref) continue;
      const secret = `${ref.namespace ?? gw.namespace}/${ref.name}`;
      // A listener without a hostname takes any SNI: its certificate covers the hostnames of its routes and
      // the name verify sends it (ANY_LISTENER_SAMPLE), as kubehop assumes it valid for what it takes.
      const attached = state.attachments.filter((a) => a.gateway === routeKey(gw) && a.listener === l.name);
      const hosts = l.hostname ? [l.hostname] : [...attached.flatMap((a) => a.hostnames), ANY_LISTENER_SAMPLE];
      for (const h of hosts) add(secret, h.toLowerCase());
      if (!out.has(secret)) out.set(secret, new Set());
    }
  }
  return new Map(
    [...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, [...v].sort()] as const),
  );
}

/** Makes the CA, the Secrets' certificates and the fake one in `folder` (created 0700). */
export function issueCertificates(folder: string, hosts: ReadonlyMap<string, readonly string[]>): Certificates {
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  const ca = { certificate: join(folder, "ca.crt"), key: join(folder, "ca.key") };
  const subject = (cn: string) => ["-subj", `/CN=${cn}`];
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2"];
  run(OPENSSL, [
    "req",
    "-x509",
    ...ec,
    ...subject("kubehop verify throwaway CA"),
    "-keyout",
    ca.key,
    "-out",
    ca.certificate,
  ]);
  const fake = { certificate: join(folder, "fake.crt"), key: join(folder, "fake.key") };
  run(OPENSSL, [
    "req",
    "-x509",
    ...ec,
    ...subject(FAKE_CN),
    "-addext",
    `subjectAltName=DNS:${FAKE_CERTIFICATE_HOST}`,
    "-keyout",
    fake.key,
    "-out",
    fake.certificate,
  ]);
  const secrets = new Map<string, KeyPair>();
  [...hosts.keys()].sort().forEach((secret, i) => {
    const names = hosts.get(secret)!;
    const pair = { certificate: join(folder, `s${i}.crt`), key: join(folder, `s${i}.key`) };
    run(OPENSSL, [
      "req",
      "-x509",
      ...ec,
      "-CA",
      ca.certificate,
      "-CAkey",
      ca.key,
      ...subject(names[0] ?? secret),
      ...(names.length ? ["-addext", `subjectAltName=${names.map((h) => `DNS:${h}`).join(",")}`] : []),
      "-addext",
      "basicConstraints=critical,CA:FALSE",
      "-keyout",
      pair.key,
      "-out",
      pair.certificate,
    ]);
    secrets.set(secret, pair);
  });
  return { caPem: readFileSync(ca.certificate, "utf8"), secrets, names: hosts, fake };
}
