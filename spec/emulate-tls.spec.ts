// The emulation's HTTPS: which hosts each TLS Secret's certificate is issued for, the certificates the
// run's throwaway CA signs (openssl, where installed), and nginx's TLS configuration for an
// ingress-nginx controller and for a Gateway's proxy as NGINX Gateway Fabric writes it (always; `nginx -t`
// with real certificates where nginx and openssl are installed).
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nginxConfig } from "../lib/emulate/nginx-config.ts";
import { nginxGatewayConfig } from "../lib/emulate/nginx-gateway-config.ts";
import { NGINX, nginxPlans } from "../lib/emulate/nginx.ts";
import {
  type Certificates,
  FAKE_CERTIFICATE_HOST,
  issueCertificates,
  OPENSSL,
  secretHosts,
} from "../lib/emulate/tls.ts";
import { loadTopologySync } from "../lib/topology.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const GATEWAY = loadTopologySync(join(ROOT, "topologies/gateway.yaml"));
const DEFAULT = loadTopologySync(join(ROOT, "topologies/default.yaml"));

/** Paths only: the configuration names the files, it does not read them. */
const PATHS: Certificates = {
  caPem: "",
  fake: { certificate: "/c/fake.crt", key: "/c/fake.key" },
  names: new Map([
    ["shop/shop-tls", ["shop.example.com"]],
    ["shop/admin-tls", ["admin.example.com"]],
  ]),
  secrets: new Map([
    ["shop/shop-tls", { certificate: "/c/shop.crt", key: "/c/shop.key" }],
    ["shop/admin-tls", { certificate: "/c/admin.crt", key: "/c/admin.key" }],
  ]),
};

describe("emulate: the hosts each TLS Secret's certificate is issued for", () => {
  it("a Gateway's HTTPS listeners: each certificateRef for its listener's hostname", () => {
    expect([...secretHosts(GATEWAY.cluster)]).to.deep.equal([
      ["shop/admin-tls", ["admin.example.com"]],
      ["shop/shop-tls", ["shop.example.com"]],
    ]);
  });

  it("an Ingress's tls section: the secretName for the hosts it lists", () => {
    expect([...secretHosts(DEFAULT.cluster)]).to.deep.equal([["shop/shop-tls", ["shop.example.com"]]]);
  });

  it("nginx takes the TLS ports too: the controller's https port, the Gateway's HTTPS listeners' port", function () {
    if (!existsSync(NGINX)) this.skip();
    const gw = nginxPlans(GATEWAY.cluster).find((p) => p.gateway === "shop/shop-gateway");
    expect(gw && { ports: gw.ports, tlsPorts: gw.tlsPorts }).to.deep.equal({ ports: [80], tlsPorts: [443] });
    const controllers = nginxPlans(DEFAULT.cluster).filter((p) => p.gateway === undefined);
    expect(controllers.map((p) => p.tlsPorts)).to.deep.equal([[443], [443]]);
    // Without certificates (no openssl) the TLS ports stay the echo server's.
    expect(nginxPlans(DEFAULT.cluster, false).every((p) => p.tlsPorts.length === 0)).to.equal(true);
  });
});

describe("emulate: the run's throwaway CA and certificates (openssl)", () => {
  let dir = "";
  let certs: Certificates;
  before(function () {
    if (!existsSync(OPENSSL)) {
      console.log(`      skipped: ${OPENSSL} is not installed`);
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), "khspec-tls-"));
    certs = issueCertificates(join(dir, "tls"), secretHosts(GATEWAY.cluster));
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  const x509 = (file: string) => new X509Certificate(readFileSync(file));

  it("each Secret's certificate is the CA's, for its hosts and no other", () => {
    const ca = new X509Certificate(certs.caPem);
    const shop = x509(certs.secrets.get("shop/shop-tls")!.certificate);
    expect(shop.verify(ca.publicKey)).to.equal(true);
    expect(shop.checkHost("shop.example.com")).to.equal("shop.example.com");
    expect(shop.checkHost("admin.example.com")).to.equal(undefined);
    expect(shop.ca).to.equal(false);
    const admin = x509(certs.secrets.get("shop/admin-tls")!.certificate);
    expect(admin.checkHost("admin.example.com")).to.equal("admin.example.com");
  });

  it("ingress-nginx's fake certificate is self-signed, for ingress.local only: no client trusts it", () => {
    const fake = x509(certs.fake.certificate);
    expect(fake.subject).to.contain("Kubernetes Ingress Controller Fake Certificate");
    expect(fake.checkHost(FAKE_CERTIFICATE_HOST)).to.equal(FAKE_CERTIFICATE_HOST);
    expect(fake.verify(new X509Certificate(certs.caPem).publicKey)).to.equal(false);
  });

  it("the keys are in a folder only root reads", () => {
    expect((execFileSync("stat", ["-c", "%a", join(dir, "tls")], { encoding: "utf8" }) as string).trim()).to.equal(
      "700",
    );
  });

  it("nginx accepts both TLS configurations with them (nginx -t)", function () {
    if (!existsSync(NGINX)) this.skip();
    const prefix = join(dir, "conf");
    execFileSync("mkdir", ["-p", prefix]);
    const tls = { ports: [443], certificates: certs };
    const configs = [
      nginxGatewayConfig({
        cluster: GATEWAY.cluster,
        pod: "shop/p",
        gateway: "shop/shop-gateway",
        ports: [80],
        prefix,
        tls,
      }),
      nginxConfig({ cluster: DEFAULT.cluster, pod: "ingress-nginx/c", ports: [80], prefix, tls }),
    ];
    for (const c of configs) {
      writeFileSync(join(prefix, "nginx.conf"), c.text);
      execFileSync(NGINX, ["-t", "-q", "-c", join(prefix, "nginx.conf"), "-p", prefix, "-e", join(prefix, "e.log")], {
        stdio: "pipe",
      });
    }
  });
});

describe("emulate: nginx's TLS configuration", () => {
  const tls = { ports: [443], certificates: PATHS };

  describe("a Gateway's proxy, as NGINX Gateway Fabric writes its HTTPS listeners", () => {
    const text = nginxGatewayConfig({
      cluster: GATEWAY.cluster,
      pod: "shop/p",
      gateway: "shop/shop-gateway",
      ports: [80],
      prefix: "/x",
      tls,
    }).text;
    /** The 443 server block of a host. */
    const server = (name: string) =>
      text
        .split("\n  server {\n")
        .map((b) => b.slice(0, b.indexOf("\n  }")))
        .find((b) => b.includes("listen 443 ssl;") && b.includes(`server_name "${name}";`)) ?? "";

    it("the misdirected-request maps: server name and Host to the listener hostname's number", () => {
      const body = "hostnames; admin.example.com 1; shop.example.com 2; default 0;";
      expect(text).to.contain(`  map $ssl_server_name $kh_sni_443 { ${body} }`);
      expect(text).to.contain(`  map $host $kh_host_443 { ${body} }`);
    });

    it("a default server that refuses the handshake, as no HTTPS listener takes any host", () => {
      expect(text).to.contain("    listen 443 ssl default_server;\n    ssl_reject_handshake on;\n    return 404;");
    });

    it("a server per route hostname with its listener's certificate and the 421", () => {
      for (const [host, cert] of [
        ["shop.example.com", "/c/shop"],
        ["admin.example.com", "/c/admin"],
      ] as const) {
        const s = server(host);
        expect(s).to.contain(`ssl_certificate ${cert}.crt;\n    ssl_certificate_key ${cert}.key;`);
        expect(s).to.contain("if ($kh_sni_443 != $kh_host_443) { return 421; }");
        expect(s).to.contain(`server_name "${host}";`);
      }
    });

    it("the L4 probes' server answers plain HTTP on the TLS port through nginx's 497", () => {
      expect(text).to.contain('    listen 443 ssl;\n    server_name "kubehop-probe.invalid";');
      expect(text).to.contain("error_page 497 = @kh_probe;");
    });
  });

  describe("an ingress-nginx controller's TLS port", () => {
    const text = nginxConfig({ cluster: DEFAULT.cluster, pod: "ingress-nginx/c", ports: [80], prefix: "/x", tls }).text;
    const block = (name: string) => {
      const at = text.indexOf(`server_name ${name};`);
      return text.slice(at, text.indexOf("\n  }\n", at));
    };

    it("the catch-all is the TLS default server with the fake certificate; a tls host its Secret's", () => {
      expect(text).to.contain("    listen 80 default_server;\n    listen 443 ssl default_server;\n    server_name _;");
      expect(block("_")).to.contain("ssl_certificate /c/fake.crt;");
      expect(block('"shop.example.com"')).to.contain("ssl_certificate /c/shop.crt;");
      // admin.example.com has no tls section: nginx presents the fake certificate for it.
      expect(block('"admin.example.com"')).to.contain("ssl_certificate /c/fake.crt;");
    });

    it("ssl-redirect's 308 only for what came in plain", () => {
      expect(block('"shop.example.com"')).to.contain(
        "if ($pass_access_scheme = http) { return 308 https://$redirect_host$redirect_uri; }",
      );
    });
  });
});
