// The report page's stylesheet: the page's palette, light and dark (following prefers-color-scheme
// until the page's toggle picks one: then the drawings follow the toggle too), the request's
// picture beside its hop list, and the marks the page script sets on the pictures: `hl` (the hop
// chosen or pointed at), `dim` (other branches), `found` (a search match).
import { STYLE } from "./style.ts";

/** The drawing's own palettes, as style.ts writes them into every SVG. */
function svgPalettes(): { light: string; dark: string } {
  const light = /^\.kubehop \{ (--[^}]*) \}$/m.exec(STYLE)?.[1];
  const dark = /@media \(prefers-color-scheme: dark\) \{ \.kubehop \{ (--[^}]*) \} \}/.exec(STYLE)?.[1];
  // style.ts writes both; if its shape changes, the toggle must not silently stop recolouring the drawings.
  if (!light || !dark) throw new Error("report-style: the drawing's palettes are not where style.ts wrote them");
  return { light, dark };
}

const PAGE_LIGHT =
  "--fg: #1f2328; --bg: #ffffff; --muted: #59636e; --line: #d0d7de; --ok: #1a7f37; --fail: #cf222e; " +
  "--panel: #f6f8fa; --hl: #fb8500; --found: #ffe066; --found-fg: #1f2328; --accent: #0969da;";
const PAGE_DARK =
  "--fg: #e6edf3; --bg: #0d1117; --muted: #9198a1; --line: #3d444d; --ok: #3fb950; --fail: #ff7b72; " +
  "--panel: #151b23; --hl: #ffa94d; --found: #7d6608; --found-fg: #ffffff; --accent: #4493f8;";

const { light, dark } = svgPalettes();

export const REPORT_CSS = `
:root { color-scheme: light; ${PAGE_LIGHT} }
@media (prefers-color-scheme: dark) { :root:not([data-theme="light"]) { color-scheme: dark; ${PAGE_DARK} } }
:root[data-theme="dark"] { color-scheme: dark; ${PAGE_DARK} }
:root[data-theme="light"] .kubehop { ${light} }
:root[data-theme="dark"] .kubehop { ${dark} }
body { margin: 0 2rem 2rem; background: var(--bg); color: var(--fg); font: 15px/1.5 system-ui, -apple-system, \
"Segoe UI", sans-serif; }
h1, h2 { font-weight: 600; } h2 { border-top: 1px solid var(--line); padding-top: 1.2rem; margin-top: 2.5rem; }
code, pre, .hop-list { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12px; }
.ok { color: var(--ok); } .fail { color: var(--fail); } .muted { color: var(--muted); }
nav li { margin: 0.15rem 0; }
button, select, input { font: inherit; color: var(--fg); background: var(--bg); border: 1px solid var(--line); \
border-radius: 6px; padding: 0.2rem 0.5rem; }
:focus-visible { outline: 2px solid var(--accent); outline-offset: 1px; }
.toolbar { position: sticky; top: 0; z-index: 2; display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; \
align-items: center; padding: 0.6rem 0; background: var(--bg); border-bottom: 1px solid var(--line); }
.toolbar input[type="search"] { width: 22rem; max-width: 60vw; }
#search-status { font-weight: 600; } #search-status.none { color: var(--fail); }
#search-results { flex-basis: 100%; margin: 0; padding-left: 1.2rem; max-height: 8rem; overflow: auto; }
#search-results:empty { display: none; }
#search-results button { border: 0; padding: 0; background: none; color: var(--accent); text-align: left; \
cursor: pointer; }
.figure { overflow: auto; border: 1px solid var(--line); border-radius: 6px; max-height: 80vh; }
.figure svg { display: block; max-width: none; }
.request-grid { display: grid; grid-template-columns: minmax(0, 1fr) minmax(20rem, 34rem); gap: 1rem; \
align-items: start; }
@media (max-width: 1100px) { .request-grid { grid-template-columns: minmax(0, 1fr); } }
.hop-panel { max-height: 80vh; overflow: auto; border: 1px solid var(--line); border-radius: 6px; padding: 0.5rem; }
.hop-panel > label { position: sticky; top: -0.5rem; z-index: 1; display: block; padding: 0.3rem 0; \
background: var(--bg); }
.hop-panel .branch-end { margin: 0.2rem 0 0.5rem; }
.hop-list { list-style: none; margin: 0; padding: 0; }
.hop-list .leg-head { margin: 0.6rem 0 0.2rem; color: var(--muted); font-weight: 600; }
.hop { border: 1px solid transparent; border-radius: 4px; padding: 0.15rem 0.3rem; cursor: pointer; }
.hop:hover, .hop.pointed { border-color: var(--hl); }
.hop.selected { border-color: var(--hl); background: var(--panel); }
.hop.found .hop-place { background: var(--found); color: var(--found-fg); }
.hop .hop-n { display: inline-block; min-width: 2.2em; color: var(--muted); }
.hop .hop-place { font-weight: 700; } .hop .hop-act { margin-left: 0.5em; } .hop .hop-act.fail { color: var(--fail); }
.hop .hop-why { margin-left: 2.2em; color: var(--muted); white-space: pre-wrap; overflow-wrap: anywhere; }
.hop-steps { margin: 0.3rem 0 0.2rem 2.2em; white-space: pre-wrap; overflow-wrap: anywhere; }
.hop-steps ol { margin: 0.2rem 0 0; padding-left: 1.4em; }
.hop-steps li.decides { font-weight: 700; }
.hop-steps .rule, .hop-steps .changes { color: var(--muted); font-weight: 400; }
.kubehop [data-hop] { cursor: pointer; }
.kubehop .on-path { pointer-events: all; }
.kubehop .dim { opacity: 0.12; }
.kubehop rect.hl, .kubehop rect.pointed { stroke: var(--hl) !important; stroke-width: 3px !important; opacity: 1; }
.kubehop path.hl, .kubehop path.pointed { stroke: var(--hl) !important; stroke-width: 5px !important; opacity: 1; }
.kubehop text.found { paint-order: stroke; stroke: var(--found); stroke-width: 6px; stroke-linejoin: round; \
fill: var(--found-fg); }
.kubehop rect.found, .kubehop path.found { stroke: var(--found) !important; stroke-width: 4px !important; }
`;
