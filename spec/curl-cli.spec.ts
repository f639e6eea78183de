// kubehop curl on the command line (issue 4 items 1 and 6, issue 11 item 5): exit codes, --json with
// branch.http, the text output's two connections, and a command pasted from shell history.
import { expect } from "chai";
import { TraceSchema } from "../lib/output/trace-schema.ts";
import type { Trace } from "../lib/trace/types.ts";
import { type CliResult, runCli, shellWords } from "./support/cli.ts";

const FAILURES = "spec/fixtures/topologies/curl-failures.yaml";
const SHOP = "topologies/default.yaml";
const USAGE =
  "usage: kubehop curl -f TOPO [--from LOC] [curl's flags] URL [--all|--branch K|--seed N] [-o text|json|yaml|mermaid]\n";

/** Wide enough that no line of the text output wraps. */
async function curl(...args: string[]): Promise<CliResult> {
  return runCli(["curl", ...args], { columns: 300 });
}

async function curlJson(...args: string[]): Promise<{ code: number; json: Trace }> {
  const r = await curl(...args, "--json");
  expect(r.stderr).to.equal("");
  const json = JSON.parse(r.stdout) as Trace;
  expect(TraceSchema.safeParse(json).error?.issues ?? []).to.deep.equal([]);
  return { code: r.code, json };
}

describe("kubehop curl: exit codes", () => {
  it("0 when every branch is an HTTP response whose reply reaches the client", async () => {
    const r = await curl("-t", FAILURES, "https://store.example.com/shop");
    expect(r.code).to.equal(0);
    expect(r.stderr).to.equal("");
    expect(r.stdout).to.match(/^trace client\/client -> https:\/\/store\.example\.com\/shop\n/);
  });

  it("0 for the 308 itself (curl without -L succeeds too), and 0 after following it with -L", async () => {
    expect((await curl("-t", FAILURES, "http://store.example.com/shop")).code).to.equal(0);
    const r = await curl("-t", FAILURES, "-L", "http://store.example.com/shop");
    expect(r.code).to.equal(0);
    expect(r.stdout.match(/^trace client\/client -> /gm)).to.have.length(2);
    expect(r.stdout).to.contain("trace client/client -> https://store.example.com/shop\n");
  });

  for (const [what, url, disposition] of [
    ["a 404", "https://store.example.com/nothing", "HTTP_404"],
    ["a 503 (no ready endpoint)", "https://store.example.com/empty", "HTTP_503"],
    ["a 503 (no Service)", "https://store.example.com/ghost", "HTTP_503"],
    ["an untrusted certificate", "https://plain.example.com/", "TLS_CERT_UNTRUSTED"],
  ] as const) {
    it(`1 for ${what}`, async () => {
      const r = await curl("-t", FAILURES, url);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.equal("");
      expect(r.stdout).to.contain(`probability 1  ${disposition}: `);
    });
  }

  it("1 when -L ends on a failing request, 0 when -k fixes the certificate", async () => {
    expect((await curl("-t", FAILURES, "-L", "http://store.example.com/nothing")).code).to.equal(1);
    expect((await curl("-t", FAILURES, "-k", "https://plain.example.com/")).code).to.equal(0);
  });

  for (const [what, args, message] of [
    [
      "a string that is not a URL",
      ["not a url"],
      'kubehop curl: "not a url" is not a URL; expected http://HOST[:PORT]/PATH or https://...\n',
    ],
    [
      "an ftp URL",
      ["ftp://store.example.com/"],
      "kubehop curl: ftp: URLs are not supported; use http:// or https://\n",
    ],
    [
      "a host nothing resolves",
      ["http://nope.example.com/"],
      "kubehop curl: could not resolve host nope.example.com: not in the Topology's DNS zone, and no Ingress serves it; use --resolve nope.example.com:80:ADDR\n",
    ],
    [
      "a header without a colon",
      ["-H", "Host store.example.com", "https://store.example.com/"],
      'kubehop curl: -H "Host store.example.com" is not a header; expected "Name: value"\n',
    ],
    ["no URL", [], `kubehop curl: missing URL\n${USAGE}`],
    [
      "two URLs",
      ["http://a.example.com/", "http://b.example.com/"],
      `kubehop curl: one URL at a time (got http://a.example.com/, http://b.example.com/)\n${USAGE}`,
    ],
  ] as const) {
    it(`2 for ${what}, with a clear message and no stack trace`, async () => {
      const r = await curl("-t", FAILURES, ...args);
      expect(r.code).to.equal(2);
      expect(r.stdout).to.equal("");
      expect(r.stderr).to.equal(message);
    });
  }

  it("2 for a pod that does not exist in --from", async () => {
    const r = await curl("-t", FAILURES, "--from", "pod/store/nope", "http://shop.store/");
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/^kubehop curl: .*nope/);
    expect(r.stderr).to.not.match(/\n\s+at /);
  });
});

describe("kubehop curl --json", () => {
  it("carries http per branch: status, ingress, host, path, pathType, backend (port as a number), pod, clientIP", async () => {
    const { code, json } = await curlJson("-t", SHOP, "https://shop.example.com/api/cart");
    expect(code).to.equal(0);
    expect(json.request.http).to.deep.equal({
      method: "GET",
      url: "https://shop.example.com/api/cart",
      scheme: "https",
      host: "shop.example.com",
      path: "/api/cart",
      headers: {},
      resolved: "Ingress shop/shop (via ingress-nginx/ingress-nginx-controller): shop.example.com -> 203.0.113.10",
    });
    expect(json.branches).to.have.length(4);
    for (const b of json.branches) {
      expect(Object.keys(b.http!)).to.have.members([
        "status",
        "ingress",
        "host",
        "path",
        "pathType",
        "backend",
        "pod",
        "clientIP",
        "upstream",
      ]);
      expect(b.http!.upstream).to.deep.equal({
        method: "GET",
        host: "shop.example.com",
        path: "/api/cart",
        headers: {
          host: "shop.example.com",
          "x-forwarded-for": "198.51.100.10",
          "x-forwarded-host": "shop.example.com",
          "x-forwarded-port": "443",
          "x-forwarded-proto": "https",
          "x-forwarded-scheme": "https",
          "x-real-ip": "198.51.100.10",
          "x-scheme": "https",
        },
      });
      expect(b.http).to.deep.include({
        status: 200,
        ingress: "shop/shop",
        host: "shop.example.com",
        path: "/api/cart",
        pathType: "Prefix",
        backend: { service: "cart", port: 80 },
        clientIP: "198.51.100.10",
      });
      expect(b.http!.pod).to.match(/^shop\/cart-/);
    }
  });

  it("keeps a backend port given by name as the name", async () => {
    const { json } = await curlJson("-t", SHOP, "https://shop.example.com/api/orders");
    expect(json.branches.map((b) => b.http!.backend)).to.deep.equal(
      json.branches.map(() => ({ service: "api", port: "http" })),
    );
    expect(json.branches.map((b) => b.http!.path)).to.deep.equal(json.branches.map(() => "/api"));
  });

  it("leaves out the fields that do not apply: a 404 has no ingress, rule or pod", async () => {
    const { code, json } = await curlJson("-t", FAILURES, "https://store.example.com/nothing");
    expect(code).to.equal(1);
    expect(json.branches.map((b) => b.http)).to.deep.equal([
      { status: 404, host: "store.example.com", clientIP: "198.51.100.10" },
    ]);
  });

  it("a redirect carries its location; with -L the request after it is under followed", async () => {
    const { json } = await curlJson("-t", FAILURES, "-L", "http://store.example.com/shop/x");
    expect(json.branches.map((b) => b.http)).to.deep.equal([
      {
        status: 308,
        host: "store.example.com",
        clientIP: "198.51.100.10",
        location: "https://store.example.com/shop/x",
        ingress: "store/store",
      },
    ]);
    expect(json.followed).to.have.length(1);
    expect(json.followed![0]!.request.http!.url).to.equal("https://store.example.com/shop/x");
    expect(
      json.followed![0]!.branches.map((b) => [b.disposition, b.http!.status, b.http!.path, b.http!.backend]),
    ).to.deep.equal([["HTTP_RESPONSE", 200, "/shop", { service: "shop", port: "http" }]]);
  });

  it("-X, -H and --resolve are reflected in request.http", async () => {
    const { json } = await curlJson(
      "-t",
      FAILURES,
      "-X",
      "DELETE",
      "-H",
      "X-Debug: 1",
      "--resolve",
      "shop.test:443:203.0.113.10",
      "-H",
      "Host: store.example.com",
      "https://shop.test/shop/item",
    );
    expect(json.request.http).to.deep.include({
      method: "DELETE",
      host: "store.example.com",
      resolved: "--resolve shop.test:443:203.0.113.10",
    });
    expect(json.request.http!.headers).to.deep.equal({ "x-debug": "1", host: "store.example.com" });
    // SNI is shop.test (no certificate for it); Host routes. -k is not given, so curl rejects it.
    expect(json.branches.map((b) => b.disposition)).to.deep.equal(["TLS_CERT_UNTRUSTED"]);
  });

  it("--branch K prints only that branch", async () => {
    const { json } = await curlJson("-t", SHOP, "https://shop.example.com/api/cart", "--branch", "3");
    expect(json.branches).to.have.length(1);
    expect(json.branches[0]!.choices[0]).to.equal("round-robin picks node-3 (2 of 2)");
  });
});

describe("kubehop curl: text output", () => {
  it("shows both connections of a proxied request, and the reply crossing them in reverse", async () => {
    const { code, stdout } = await curl("-t", SHOP, "https://shop.example.com/api/cart", "--branch", "1", "--verbose");
    expect(code).to.equal(0);
    const markers = stdout
      .split("\n")
      .filter((l) => /-- connection \d --/.test(l))
      .map((l) => l.trim());
    expect(markers).to.deep.equal([
      "-- connection 1 --",
      "-- connection 2 --",
      "-- connection 2 --",
      "-- connection 1 --",
    ]);
    const c1 = stdout.indexOf("-- connection 1 --");
    const c2 = stdout.indexOf("-- connection 2 --");
    const reply = stdout.indexOf("  reply  DELIVERED: reply delivered to client client");
    expect(c1).to.be.lessThan(c2);
    expect(c2).to.be.lessThan(reply);
    // Connection 1 ends at the controller; connection 2 starts there.
    const first = stdout.slice(c1, c2);
    expect(first).to.contain("lb/edge");
    expect(first).to.match(
      /PROXIED\s+upstream shop-cart-http \(round_robin\): endpoint 1 of 2, 10\.244\.1\.4:9100; a new connection from the controller's pod IP 10\.244\.1\.5/,
    );
    expect(stdout.slice(c2, reply)).to.match(
      /HTTP_200\s+GET shop\.example\.com\/api\/cart answered by pod shop\/cart-/,
    );
  });

  it("summarises the branches with the HTTP outcome and the client IP seen", async () => {
    const { stdout } = await curl("-t", SHOP, "https://shop.example.com/api/cart");
    expect(stdout).to.contain("\n4 branches:\n");
    expect(
      stdout.match(
        /^[ >] \d\. 0\.25 +HTTP_RESPONSE: HTTP 200 from pod shop\/cart-[a-z0-9-]+, client IP seen: 198\.51\.100\.10$/gm,
      ),
    ).to.have.length(4);
  });

  it("an answer from the controller itself has one connection only", async () => {
    const { stdout } = await curl("-t", FAILURES, "https://store.example.com/nothing");
    expect(stdout).to.not.contain("-- connection 2 --");
    expect(stdout).to.match(/HTTP_404\b.*no Ingress rule matches: the controller's default backend answers 404/);
  });
});

describe("kubehop curl: a command pasted from shell history", () => {
  const PASTED = shellWords(
    `curl -s -v -d '{"a":1}' -H 'Content-Type: application/json' https://shop.example.com/api/cart`,
  );
  const CART = "https://shop.example.com/api/cart";

  it("-s -v -d: a JSON POST of 7 bytes on the traced request, -s listed as no effect on the path", async () => {
    const r = await curl("-f", SHOP, ...PASTED, "--branch", "1", "-o", "json");
    expect(r.code).to.equal(0);
    expect(r.stderr).to.equal("info[curl-option-ignored]: not modelled, no effect on the path: -s\n");
    const json = JSON.parse(r.stdout) as Trace;
    expect(TraceSchema.safeParse(json).error?.issues ?? []).to.deep.equal([]);
    expect(json.request.http).to.deep.include({
      method: "POST",
      headers: { "content-type": "application/json", "content-length": "7" },
    });
    expect(json.branches.map((b) => b.http!.status)).to.deep.equal([200]);
  });

  it("-v prints every step of the hops, which the default one line per hop leaves out", async () => {
    const verbose = await curl("-f", SHOP, ...PASTED, "--branch", "1");
    const quiet = await curl("-f", SHOP, ...PASTED.filter((w) => w !== "-v"), "--branch", "1");
    for (const r of [verbose, quiet]) {
      expect(r.code).to.equal(0);
      expect(r.stdout)
        .to.contain(`  POST ${CART}; `)
        .and.to.match(/POST shop\.example\.com\/api\/cart answered by pod shop\/cart-/);
    }
    expect(verbose.stdout).to.match(/PROXIED\s+upstream shop-cart-http/);
    expect(quiet.stdout).not.to.contain("PROXIED");
    expect(verbose.stdout.split("\n").length).to.be.greaterThan(quiet.stdout.split("\n").length);
  });

  it("-I is a HEAD request", async () => {
    const r = await curl("-t", SHOP, "-sI", CART, "--branch", "1");
    expect(r.code).to.equal(0);
    expect(r.stderr).to.equal("info[curl-option-ignored]: not modelled, no effect on the path: -s\n");
    expect(r.stdout)
      .to.contain(`  HEAD ${CART}; `)
      .and.to.match(/HEAD shop\.example\.com\/api\/cart answered by pod shop\/cart-/);
  });

  it("-u USER:PASSWORD adds Authorization: Basic, and the credentials are printed nowhere", async () => {
    // Not "secret": the TLS step names the Kubernetes Secret that holds the certificate.
    const json = await curl("-t", SHOP, "-u", "alice:hunter2", CART, "--branch", "1", "--json");
    expect((JSON.parse(json.stdout) as Trace).request.http!.headers).to.deep.equal({
      authorization: "Basic <redacted>",
    });
    const text = await curl("-t", SHOP, "-v", "-ualice:hunter2", CART, "--all");
    for (const r of [json, text]) {
      expect(r.code).to.equal(0);
      for (const leak of ["alice", "hunter2", Buffer.from("alice:hunter2").toString("base64")])
        expect(r.stdout + r.stderr).not.to.contain(leak);
    }
  });

  it("--fail exits 22 on an HTTP error as curl does; without it an HTTP error is 1, as every failed trace", async () => {
    const notFound = "http://admin.example.com/other";
    expect((await curl("-t", SHOP, notFound)).code).to.equal(1);
    expect((await curl("-t", SHOP, "--fail", notFound)).code).to.equal(22);
    expect((await curl("-f", SHOP, "-fsS", notFound)).code).to.equal(22);
    expect((await curl("-f", SHOP, "-f", CART)).code).to.equal(0);
    // No HTTP answer at all (the certificate is refused): curl's 22 does not apply, the trace failed.
    expect((await curl("-t", SHOP, "--fail", "https://admin.example.com/other")).code).to.equal(1);
  });
});
