// A backend pod answers 200 and echoes the request; the Gateway API conformance echo server
// (conformance/echo-basic/echo-basic.go, images echo-basic and echo-advanced) also sets the response
// headers its X-Echo-Set-Header request header names, and says its answer is JSON.
import type { Pod } from "../../model/cluster.ts";

const ECHO_IMAGES = [
  "gcr.io/k8s-staging-gateway-api/echo-basic",
  "gcr.io/k8s-staging-gateway-api/echo-advanced",
  "registry.k8s.io/gateway-api/echo-basic",
  "registry.k8s.io/gateway-api/echo-advanced",
];

/** The image's repository: without its tag or digest. */
function repository(image: string): string {
  const at = image.indexOf("@");
  const name = at >= 0 ? image.slice(0, at) : image;
  const colon = name.lastIndexOf(":");
  return colon > name.lastIndexOf("/") ? name.slice(0, colon) : name;
}

export function isEchoServer(pod: Pod): boolean {
  return (pod.images ?? []).some((i) => ECHO_IMAGES.includes(repository(i)));
}

/**
 * The headers the echo server answers with, names lower-case: writeEchoResponseHeaders splits the
 * header on commas, each `Name:Value` sets Name (a second one appends `,Value`), then Content-Type and
 * X-Content-Type-Options. Any other pod's own headers are unknown: none.
 */
export function echoHeaders(pod: Pod, request: Readonly<Record<string, string>>): Record<string, string> {
  if (!isEchoServer(pod)) return {};
  const out: Record<string, string> = {};
  for (const pair of (request["x-echo-set-header"] ?? "").split(",")) {
    const kv = pair.trim();
    if (kv === "") continue;
    const colon = kv.indexOf(":");
    const name = (colon >= 0 ? kv.slice(0, colon) : kv).toLowerCase();
    // The client reads the value without the blank after the colon.
    const value = colon >= 0 ? kv.slice(colon + 1).trim() : "";
    out[name] = out[name] === undefined ? value : `${out[name]},${value}`;
  }
  out["content-type"] = "application/json";
  out["x-content-type-options"] = "nosniff";
  return out;
}
