// The HTML report in a real browser (issue 17, item 5): headless Chromium opens what `kubehop report`
// writes for the default topology, as a file, and a user's moves are made on it: choose a branch,
// choose a hop in the list, point at the picture, search for a pod and an address, switch to dark
// mode, use the keyboard. What the page shows is checked against the trace itself. Nothing may be
// fetched (every non-file, non-data request is refused and counted) and nothing may go to the console
// as an error. Screenshots go to $KUBEHOP_SHOTS (default: a temp folder).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { expect } from "chai";
import type { Page } from "playwright-core";
import { type ReportSource, reportHtml } from "../lib/diagram/report.ts";
import { formatIpv4 } from "../lib/model/address.ts";
import { decidingStep } from "../lib/output/hop-summary.ts";
import { loadTopologySync, type Topology } from "../lib/topology.ts";
import type { Trace } from "../lib/trace/types.ts";
import { type Chromium, launchChromium } from "./support/chromium.ts";

const TOPO = "topologies/default.yaml";
const CART = "https://shop.example.com/api/cart";

describe("browser: the interactive report in headless Chromium", function () {
  this.timeout(60000);
  let browser: Chromium | undefined;
  let dir = "";
  let shots = "";
  let topo: Topology;
  let cart: Trace;
  let page: Page;
  let fetched: string[];
  let errors: string[];
  /** The section of `curl CART`, found by its heading. */
  let section = "";

  before(async function () {
    browser = await launchChromium();
    if (!browser) this.skip();
    shots = process.env.KUBEHOP_SHOTS ?? mkdtempSync(join(tmpdir(), "kubehop-shots-"));
    mkdirSync(shots, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), "kubehop-report-"));
    topo = loadTopologySync(TOPO);
    cart = topo.curl(CART);
    writeFileSync(join(dir, "index.html"), reportHtml(topo, TOPO));
  });

  after(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    fetched = [];
    errors = [];
    page = await browser!.ctx.newPage();
    await page.emulateMedia({ colorScheme: "light" });
    await page.setViewportSize({ width: 1600, height: 1000 });
    await page.route("**", (route) => {
      const url = route.request().url();
      if (/^(file|data):/.test(url)) return route.continue();
      fetched.push(url);
      return route.abort();
    });
    page.on("request", (r) => {
      if (!/^(file|data):/.test(r.url())) fetched.push(r.url());
    });
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(pathToFileURL(join(dir, "index.html")).href);
    section = await page.$eval(
      "section h2",
      (_, url) => {
        const h = [...document.querySelectorAll("section h2")].find((x) => x.textContent === `curl ${url}`);
        return `#${h!.closest("section")!.id}`;
      },
      CART,
    );
  });

  afterEach(async () => {
    expect(fetched, "requests to the network").to.deep.equal([]);
    expect(errors, "console errors").to.deep.equal([]);
    await page.close();
  });

  const listed = () =>
    page.$$eval(`${section} .hop`, (lis) =>
      lis.map((li) => ({
        token: (li as HTMLElement).dataset.hop!,
        place: li.querySelector(".hop-place")!.textContent,
        classes: li.className,
      })),
    );
  const classOf = (id: string) => page.$eval(id, (e) => e.getAttribute("class") ?? "");

  it("opens on branch 1 of every request, its hops listed as the trace has them", async () => {
    const sections = await page.$$eval("section", (ss) => ss.length);
    expect(sections).to.equal(4);
    const hops = await listed();
    const b = cart.branches[0]!;
    expect(hops.map((h) => h.place)).to.deep.equal([...b.hops, ...(b.reply?.hops ?? [])].map((h) => h.location));
    expect(hops.map((h) => h.token).slice(0, 2)).to.deep.equal(["1:1", "1:2"]);
    expect(hops.at(-1)!.token).to.equal(`1:r${b.reply!.hops.length}`);
    await page.screenshot({ path: join(shots, "report-open.png") });
  });

  it("choosing a branch lists that branch's hops and dims the other branches on the picture", async () => {
    await page.selectOption(`${section} select.branch`, "2");
    const hops = await listed();
    const b = cart.branches[1]!;
    expect(hops.map((h) => h.place)).to.deep.equal([...b.hops, ...(b.reply?.hops ?? [])].map((h) => h.location));
    expect(hops.every((h) => h.token.startsWith("2:"))).to.equal(true);
    const prefix = section.replace("#curl-", "#curl");
    // Each branch's end is marked on the picture: branch 2's stands out, the others' are dimmed.
    expect(await classOf(`${prefix}-end-2`)).to.not.contain("dim");
    for (const k of [1, 3, 4]) expect(await classOf(`${prefix}-end-${k}`)).to.contain("dim");
    // Every mark on the picture is dimmed exactly when it has no hop of branch 2.
    const marks = await page.$$eval(`${section} svg .overlay [data-hop]`, (es) =>
      es.map((e) => ({ hop: e.getAttribute("data-hop")!, dim: e.classList.contains("dim") })),
    );
    expect(marks.length).to.be.above(20);
    for (const m of marks) expect(m.dim, m.hop).to.equal(!m.hop.split(" ").some((t) => t.startsWith("2:")));
    expect(await page.textContent(`${section} .branch-end`)).to.contain(b.reason);
  });

  it("choosing a hop marks it on the picture and shows its steps with the deciding rule", async () => {
    const b = cart.branches[0]!;
    // The hop where kube-proxy's DNAT rule sends the packet to the ingress controller's pod.
    const i = b.hops.findIndex((h) => h.steps.some((s) => s.type === "dnat" && s.rule));
    expect(i).to.be.above(0);
    const hop = b.hops[i]!;
    const rule = hop.steps[decidingStep(hop, false)]!.rule!;
    const token = `1:${i + 1}`;
    const item = page.locator(`${section} .hop[data-hop="${token}"]`);
    await item.click();
    expect(await item.getAttribute("aria-expanded")).to.equal("true");
    const steps = await item.locator(".hop-steps li").allTextContents();
    expect(steps).to.have.length(hop.steps.length);
    expect(await item.locator(".hop-steps").textContent()).to.contain(
      `arrived as tcp ${hop.steps[0]!.before!.src} -> `,
    );
    expect(await item.locator(".hop-steps li.decides").textContent()).to.contain(`[${rule}]`);
    const marked = await page.$$eval(
      `${section} svg [data-hop]`,
      (es, t) =>
        es.map((e) => ({
          has: e.getAttribute("data-hop")!.split(" ").includes(t),
          hl: e.classList.contains("hl"),
        })),
      token,
    );
    expect(marked.filter((m) => m.has).length).to.be.above(0);
    for (const m of marked) expect(m.hl).to.equal(m.has);
    await page.screenshot({ path: join(shots, "report-hop.png") });
    // Another hop: the first loses its mark and its steps.
    await page.locator(`${section} .hop[data-hop="1:1"]`).click();
    expect(await item.getAttribute("aria-expanded")).to.equal("false");
    expect(await item.locator(".hop-steps").count()).to.equal(0);
  });

  it("pointing at a mark on the picture marks its hops in the list", async () => {
    const prefix = section.replace("#curl-", "#curl");
    const ring = page.locator(`${prefix}-on-lb_edge`);
    const tokens = (await ring.getAttribute("data-hop"))!.split(" ").filter((t) => t.startsWith("1:"));
    expect(tokens).to.have.length.above(0);
    await ring.hover();
    expect(await ring.getAttribute("class")).to.contain("pointed");
    const pointed = (await listed()).filter((h) => h.classes.split(" ").includes("pointed")).map((h) => h.token);
    expect(pointed).to.deep.equal(tokens);
    // Clicking it chooses that hop.
    await ring.click();
    expect(await page.getAttribute(`${section} .hop[data-hop="${tokens[0]}"]`, "aria-expanded")).to.equal("true");
  });

  it("the hop list works from the keyboard: Tab to a hop, Enter or Space chooses it, arrows move", async () => {
    const first = page.locator(`${section} .hop[data-hop="1:1"]`);
    await first.focus();
    await page.keyboard.press("Enter");
    expect(await first.getAttribute("aria-expanded")).to.equal("true");
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press(" ");
    const second = page.locator(`${section} .hop[data-hop="1:2"]`);
    expect(await second.getAttribute("aria-expanded")).to.equal("true");
    expect(await first.getAttribute("aria-expanded")).to.equal("false");
    expect(await second.getAttribute("tabindex")).to.equal("0");
    expect(await page.getAttribute(`${section} .hop-list`, "aria-label")).to.equal("Hops of branch 1");
    expect(await page.getAttribute(`${section} select.branch`, "class")).to.equal("branch");
    expect(await page.$eval(`${section} select.branch`, (s) => s.closest("label")?.textContent)).to.contain("Branch");
  });

  it("search finds a pod and an address on the pictures and in the hops, and says when nothing matches", async () => {
    const pod = cart.branches[1]!.http!.pod!.split("/")[1]!;
    const search = async (q: string) => {
      await page.fill("#search", q);
      await page.press("#search", "Enter");
      return (await page.textContent("#search-status")) ?? "";
    };
    expect(await search(pod)).to.match(/^[1-9]\d* matches in the pictures, [1-9]\d* hops$/);
    const found = await page.$$eval("svg .found", (es) =>
      es.map((e) => `${e.textContent ?? ""} ${e.getAttribute("data-place") ?? ""}`),
    );
    expect(found.some((t) => t.includes(pod))).to.equal(true);
    expect(found.every((t) => t.includes(pod))).to.equal(true);
    await page.screenshot({ path: join(shots, "report-search-pod.png") });
    // A result takes the reader to the hop: its request, its branch, the hop chosen.
    await page.locator("#search-results button").first().click();
    expect(await page.$$eval(".hop.selected", (es) => es.length)).to.equal(1);

    const ip = formatIpv4(topo.cluster.pods.find((p) => p.name === pod)!.ip);
    expect(await search(ip)).to.match(/^[1-9]\d* matches in the pictures/);
    const texts = await page.$$eval("svg text.found", (es) => es.map((e) => e.textContent));
    expect(texts).to.include(ip);
    expect(await page.$$eval(`${section} .hop.found`, (es) => es.length)).to.be.above(0);

    // Words only a hop has (a chain a rule walked): the first such hop is chosen in its request.
    expect(await search("KUBE-POSTROUTING")).to.match(/^0 matches in the pictures, [1-9]\d* hops$/);
    const chosen = page.locator(".hop.selected .hop-steps", { hasText: "KUBE-POSTROUTING" });
    expect(await chosen.count()).to.equal(1);
    expect(await chosen.isVisible()).to.equal(true);

    expect(await search("zz-no-such-thing")).to.equal("no match for \u201czz-no-such-thing\u201d");
    expect(await page.getAttribute("#search-status", "class")).to.equal("none");
    expect(await page.$$eval(".found", (es) => es.length)).to.equal(0);
  });

  it("a hostile name in a trace is shown as text: it runs nothing and breaks nothing", async () => {
    const hostile = `c"</script><script>window.pwned=1</script><img src=x onerror="window.pwned=2"><!--art`;
    const escaped = JSON.stringify(hostile).slice(1, -1);
    const source: ReportSource = {
      cluster: topo.cluster,
      curl: (url, options) => JSON.parse(JSON.stringify(topo.curl(url, options)).replaceAll("cart", escaped)) as Trace,
    };
    writeFileSync(join(dir, "hostile.html"), reportHtml(source, TOPO));
    await page.goto(pathToFileURL(join(dir, "hostile.html")).href);
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).to.equal(undefined);
    await page.selectOption(`${section} select.branch`, "2");
    const places = (await listed()).map((h) => h.place);
    expect(places.some((p) => p?.includes(hostile))).to.equal(true);
    expect(await page.$$eval("img", (is) => is.length)).to.equal(0);
  });

  it("follows the system's colour scheme, and the toggle switches page and pictures", async () => {
    const colours = () =>
      page.evaluate(() => ({
        page: getComputedStyle(document.body).backgroundColor,
        picture: getComputedStyle(document.querySelector("svg rect.bg")!).fill,
      }));
    expect(await colours()).to.deep.equal({ page: "rgb(255, 255, 255)", picture: "rgb(255, 255, 255)" });
    expect(await page.getAttribute("#theme", "aria-pressed")).to.equal("false");
    await page.click("#theme");
    expect(await colours()).to.deep.equal({ page: "rgb(13, 17, 23)", picture: "rgb(13, 17, 23)" });
    expect(await page.getAttribute("#theme", "aria-pressed")).to.equal("true");
    await page.screenshot({ path: join(shots, "report-dark.png") });
    await page.click("#theme");
    expect((await colours()).page).to.equal("rgb(255, 255, 255)");
    await page.emulateMedia({ colorScheme: "dark" });
    await page.reload();
    expect(await colours()).to.deep.equal({ page: "rgb(13, 17, 23)", picture: "rgb(13, 17, 23)" });
    expect(await page.getAttribute("#theme", "aria-pressed")).to.equal("true");
  });
});
