// The Gateway API conformance echo server as kubehop answers for its pods: each handler of
// echo-basic.go (kubernetes-sigs/gateway-api conformance/echo-basic/echo-basic.go at 53a5258d, the
// last commit before it moved to gateway-api-conformance-images), checked on its own and through a
// Gateway to an echo-basic pod, beside a pod kubehop does not run (assumed 200).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { echoAnswer } from "../lib/dataplane/devices/echo-server.ts";
import { loadTopologySync, type Topology } from "../lib/topology.ts";
import type { Branch } from "../lib/trace/types.ts";
import { runCli } from "./support/cli.ts";
import { expectSchemaValid } from "./support/schemas.ts";

const get = (path: string, headers: Record<string, string> = {}) => echoAnswer({ method: "GET", path, headers });

describe("the conformance echo server's handlers (echo-basic.go)", () => {
  it("/status/NNN answers NNN; a query or anything but three digits is 400; 1xx ends in 200; under 100 closes", () => {
    expect(get("/status/418")).to.deep.include({ handler: "status", status: 418 });
    expect(get("/status/503")).to.deep.include({ status: 503 });
    // statusHandler matches the request URI, query and all.
    expect(get("/status/404?x=1")).to.deep.include({ status: 400 });
    expect(get("/status/4044")).to.deep.include({ status: 400 });
    expect(get("/status/abc")).to.deep.include({ status: 400 });
    expect(get("/status/103")).to.deep.include({ status: 200 });
    expect(get("/status/101")).to.deep.include({ status: 101 });
    expect(get("/status/042")).to.deep.equal({ handler: "status", undecided: "connection-closed" });
    expect(get("/status/600")).to.deep.equal({ handler: "status", undecided: "status-over-599" });
    expect(get("/status/599")).to.deep.include({ status: 599 });
  });

  it("a subtree's root without its slash is ServeMux's 301 to add it, with the query", () => {
    expect(get("/status")).to.deep.equal({
      handler: "subtree-redirect",
      status: 301,
      headers: { location: "/status/" },
    });
    expect(get("/retry?uuid=1")).to.deep.include({ status: 301, headers: { location: "/retry/?uuid=1" } });
  });

  it("/health answers 200 OK in plain text, without the echo's headers", () => {
    expect(get("/health", { "x-echo-set-header": "X-A: 1" })).to.deep.equal({
      handler: "health",
      status: 200,
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  });

  it("/retry/: 400 without a uuid or a whole succeedAfter, an echo for succeedAfter 0, else undecided", () => {
    expect(get("/retry/x?succeedAfter=1")).to.deep.include({ handler: "retry", status: 400 });
    expect(get("/retry/x?uuid=u&succeedAfter=two")).to.deep.include({ status: 400 });
    expect(get("/retry/x?uuid=u&succeedAfter=0")).to.deep.include({ handler: "retry", status: 200 });
    expect(get("/retry/x?uuid=u&succeedAfter=2")).to.deep.equal({ handler: "retry", undecided: "retry-attempts" });
  });

  it("/ws refuses a request that is no WebSocket upgrade with 400; an upgrade is not modelled", () => {
    expect(get("/ws")).to.deep.include({ handler: "websocket", status: 400 });
    expect(get("/ws", { upgrade: "websocket", connection: "Upgrade" })).to.deep.equal({
      handler: "websocket",
      undecided: "websocket",
    });
  });

  it("echoes with X-Echo-Set-Header's headers; a ?delay= that is no Go duration is 500; // is /", () => {
    expect(get("/x", { "x-echo-set-header": "X-A: 1, X-A: 2,X-B:3" })).to.deep.equal({
      handler: "echo",
      status: 200,
      headers: {
        "x-a": "1,2",
        "x-b": "3",
        "content-type": "application/json",
        "x-content-type-options": "nosniff",
      },
    });
    expect(get("/x?delay=1.5s")).to.deep.include({ status: 200 });
    expect(get("/x?delay=0")).to.deep.include({ status: 200 });
    expect(get("/x?delay=5x")).to.deep.include({ status: 500 });
    expect(get("//health")).to.deep.include({ handler: "health" });
  });
});

const ECHO_WORLD = `
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: kubehop}
spec: {controllerName: example.com/gateway-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: echo-gateway, namespace: echo}
spec:
  gatewayClassName: kubehop
  listeners:
    - {name: http, port: 80, protocol: HTTP, hostname: echo.example.com}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: echo, namespace: echo}
spec:
  parentRefs: [{name: echo-gateway}]
  rules:
    - backendRefs: [{name: echo, port: 80}]
    - matches: [{path: {type: PathPrefix, value: /plain}}]
      backendRefs: [{name: web, port: 80}]
${["echo", "web"]
  .map(
    (app) => `---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${app}, namespace: echo}
spec:
  replicas: 1
  selector: {matchLabels: {app: ${app}}}
  template:
    metadata: {labels: {app: ${app}}}
    spec:
      containers:
        - name: ${app}
          image: ${app === "echo" ? "gcr.io/k8s-staging-gateway-api/echo-basic:v20240412-v1.0.0-394-g40c666fd" : "nginx:1.27"}
          ports: [{name: http, containerPort: 3000}]
---
apiVersion: v1
kind: Service
metadata: {name: ${app}, namespace: echo}
spec:
  selector: {app: ${app}}
  ports: [{name: http, port: 80, targetPort: http}]
`,
  )
  .join("")}`;

describe("curl through a Gateway to a conformance echo server pod", () => {
  let topo: Topology;
  before(() => {
    topo = loadTopologySync(ECHO_WORLD);
  });
  const answerOf = (path: string): Branch => {
    const t = topo.curl(`http://echo.example.com${path}`);
    expect(t.branches.length, path).to.be.greaterThan(0);
    return t.branches[0]!;
  };
  const appStep = (b: Branch) => b.hops.flatMap((h) => h.steps).find((s) => s.detail.kind === "app-answer");

  it("/status/418 reaches the pod and comes back 418, the step naming the status handler", () => {
    const b = answerOf("/status/418");
    expect(b.disposition).to.equal("HTTP_RESPONSE");
    expect(b.http?.status).to.equal(418);
    const step = appStep(b)!;
    expect(step.action).to.equal("HTTP_RESPONSE");
    expect(step.detail).to.deep.include({ status: 418, echo: "status" });
    expect(step.reason).to.contain("answered by pod echo/echo-").and.contain("with 418");
    expect(appStep(answerOf("/status/503"))!.action).to.equal("HTTP_503");
  });

  it("/status answers ServeMux's 301 with its Location; /health 200 in plain text", () => {
    const redirect = answerOf("/status");
    expect(redirect.http).to.deep.include({ status: 301, location: "/status/" });
    expect(redirect.http?.responseHeaders).to.deep.equal({ location: "/status/" });
    expect(answerOf("/health").http?.responseHeaders).to.deep.equal({ "content-type": "text/plain; charset=utf-8" });
  });

  it("/retry/ with a succeedAfter to wait for ends UNDECIDED, saying why", () => {
    const b = answerOf("/retry/a?uuid=1&succeedAfter=2");
    expect(b.disposition).to.equal("UNDECIDED");
    expect(b.reason).to.contain("until succeedAfter earlier requests carried this uuid");
  });

  it("a pod kubehop does not run answers 200, whatever the path", () => {
    const b = answerOf("/plain/status/418");
    expect(b.http?.status).to.equal(200);
    expect(appStep(b)!.detail).to.not.have.property("echo");
    expect(appStep(b)!.reason).to.contain("assumed 200");
  });

  it("curl -o json of an echo answer and of an undecided one follow the trace schema", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kubehop-echo-"));
    try {
      const file = join(dir, "echo.yaml");
      writeFileSync(file, ECHO_WORLD);
      for (const path of ["/status/418", "/retry/a?uuid=1&succeedAfter=2", "/status"]) {
        const r = await runCli(["curl", "-f", file, "-o", "json", `http://echo.example.com${path}`]);
        expectSchemaValid("trace", JSON.parse(r.stdout), path);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
