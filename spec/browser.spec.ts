// The drawings in a real browser: Debian's Chromium (headless, driven by playwright-core) opens each
// committed example, as an inline SVG and as an <img> (where nothing external could load), and
// checks that it renders: non-blank pixels, the expected labels, text as wide as the layout assumed,
// and the dark palette on a dark page. Screenshots go to $KUBEHOP_SHOTS (default: a temp folder).
import { mkdirSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import type { BrowserContext } from "playwright-core";
import { type Chromium, launchChromium } from "./support/chromium.ts";

const EXAMPLES: Record<string, string[]> = {
  "default.svg": [
    "node-1 · zone-a",
    "eth0 192.168.10.11",
    "bridge0 10.244.0.1 · 10.244.0.0/24",
    "svc shop/web",
    "ingress shop/shop",
  ],
  "curl-shop-api-cart.svg": [
    "lb/edge · VIP 203.0.113.10",
    "DNAT dst:",
    "192.168.10.12→",
    "HTTP 200 from",
    "shop/cart-hbbsh2xmmq-82nqc",
    "UN-NAT src: 192.168.10.12→203.0.113.10, sport: 30443→443",
  ],
  "curl-shop-api-cart-all.svg": [
    "branches part here (PROXIED):",
    "DNAT dst: 192.168.10.12→10.244.1.5,",
    "IP stack: routes + kube-proxy",
    "bridge0 10.244.1.1/24",
  ],
  "trace-wg-no-peer.svg": ["FAILS here: WG_NO_PEER", "wg0 :51820", "db-1"],
  "curl-shop-api-cart-path.svg": [
    "eth0",
    "IP stack (routes + iptables)",
    "DNAT dst: 192.168.10.12→10.244.1.5, dport: 30443→443",
  ],
};

describe("browser: the SVGs in headless Chromium", function () {
  // Each SVG is opened by a new headless Chromium process (1-2 s apiece, more on a busy machine).
  this.timeout(30000);
  let browser: Chromium | undefined;
  let ctx: BrowserContext | undefined;
  let shots = "";

  before(async function () {
    shots = process.env.KUBEHOP_SHOTS ?? mkdtempSync(join(tmpdir(), "kubehop-shots-"));
    browser = await launchChromium();
    if (!browser) this.skip();
    ctx = browser.ctx;
    mkdirSync(shots, { recursive: true });
  });

  after(async () => {
    await browser?.close();
  });

  it("curl-shop-api-cart-path.svg (--view path) at a README's 880 px: no text smaller than 11 px", async () => {
    const svg = readFileSync(new URL("../reports/curl-shop-api-cart-path.svg", import.meta.url), "utf8");
    const page = await ctx!.newPage();
    await page.setViewportSize({ width: 880, height: 900 });
    // As GitHub shows an image in a README: scaled down to the column's width when wider, never up.
    const src = `data:image/svg+xml;base64,${Buffer.from(svg).toString("base64")}`;
    await page.setContent(`<!DOCTYPE html><body style="margin:0"><img style="max-width:100%" src="${src}"></body>`);
    const shown = await page.$eval("img", async (img) => {
      await (img as HTMLImageElement).decode();
      return img.getBoundingClientRect().width;
    });
    await page.locator("img").screenshot({ path: join(shots, "curl-shop-api-cart-path-880.png") });
    // The same drawing inline, scaled as the image was, to read every text's rendered size.
    await page.setContent(
      `<!DOCTYPE html><body style="margin:0"><div style="width:${shown}px">${svg.replace(/^<\?xml[^>]*>\n/, "")}</div></body>`,
    );
    await page.$eval("svg", (s) => {
      s.setAttribute("width", "100%");
      s.removeAttribute("height");
    });
    const sizes = await page.$$eval("svg text", (ts) =>
      ts.map((t) => Number(t.getAttribute("font-size")) * (t as SVGTextElement).getScreenCTM()!.a),
    );
    expect(shown).to.be.at.most(880);
    expect(sizes.length).to.be.above(50);
    expect(Math.min(...sizes)).to.be.at.least(11);
    await page.close();
  });

  for (const [name, expected] of Object.entries(EXAMPLES)) {
    it(`${name}: renders, with its labels, as wide as laid out`, async () => {
      const svg = readFileSync(new URL(`../reports/${name}`, import.meta.url), "utf8").replace(/^<\?xml[^>]*>\n/, "");
      const page = await ctx!.newPage();
      await page.emulateMedia({ colorScheme: "light" });
      await page.setContent(`<!DOCTYPE html><body style="margin:0">${svg}</body>`);
      const png = join(shots, name.replace(/\.svg$/, ".png"));
      await page.locator("svg").screenshot({ path: png });
      expect(statSync(png).size).to.be.above(20000);
      const texts = await page.$$eval("svg text", (ts) =>
        ts.map((t) => ({
          text: t.textContent ?? "",
          size: Number(t.getAttribute("font-size")),
          width: (t as SVGTextContentElement).getComputedTextLength(),
        })),
      );
      for (const e of expected) expect(texts.map((t) => t.text)).to.include(e);
      // The layout's 0.6 em per character is what the browser really draws (monospace font found).
      for (const t of texts.filter((x) => /^[\x20-\x7e]+$/.test(x.text) && x.text.length > 8)) {
        expect(Math.abs(t.width - t.text.length * 0.6 * t.size), t.text).to.be.below(
          t.text.length * 0.6 * t.size * 0.03 + 1,
        );
      }
      // Drawn as an image too (an <img> may load nothing external): count the inked pixels.
      const inked = await page.evaluate(async (source) => {
        const img = new Image();
        img.src = `data:image/svg+xml;base64,${btoa(unescape(encodeURIComponent(source)))}`;
        await img.decode();
        const c = document.createElement("canvas");
        c.width = img.naturalWidth;
        c.height = img.naturalHeight;
        const g = c.getContext("2d")!;
        g.drawImage(img, 0, 0);
        const d = g.getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i]! < 200 || d[i + 1]! < 200 || d[i + 2]! < 200) n++;
        return { n, total: d.length / 4 };
      }, svg);
      expect(inked.n / inked.total).to.be.within(0.02, 0.6);
      await page.emulateMedia({ colorScheme: "dark" });
      expect(await page.$eval("svg rect.bg", (r) => getComputedStyle(r).fill)).to.equal("rgb(13, 17, 23)");
      await page.locator("svg").screenshot({ path: png.replace(/\.png$/, "-dark.png") });
      await page.close();
    });
  }
});
