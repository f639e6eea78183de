// Debian's headless Chromium, driven by playwright-core, for the specs that look at kubehop's
// drawings and report in a real browser: one persistent context in a throwaway profile, with the
// network features that would reach out (QUIC, background fetches, component updates) switched off.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
export const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface Chromium {
  readonly ctx: BrowserContext;
  close(): Promise<void>;
}

/** Chromium in a fresh profile, or undefined (with why on the console) when it is not installed. */
export async function launchChromium(): Promise<Chromium | undefined> {
  if (!existsSync(CHROMIUM)) {
    console.log(`      (skipped: ${CHROMIUM} is not installed; apt-get install chromium, as .ci/run does)`);
    return undefined;
  }
  const { chromium } = await import("playwright-core");
  const profile = mkdtempSync(join(tmpdir(), "kubehop-chromium-"));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    deviceScaleFactor: 1,
  });
  return {
    ctx,
    async close() {
      await ctx.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
