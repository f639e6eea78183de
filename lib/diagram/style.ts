// The drawing's one stylesheet, embedded in every SVG: a monospace font stack (the layout's width
// estimate assumes 0.6 em per character), colours as custom properties, a dark variant for dark
// pages, and a background rectangle so the picture reads the same on any page.
import { BRANCH_COLOURS } from "./legend.ts";

const LIGHT = {
  bg: "#ffffff",
  fg: "#1f2328",
  muted: "#59636e",
  wire: "#8c959f",
  node: "#f6f8fa",
  "node-stroke": "#afb8c1",
  group: "#eaeef2",
  pod: "#ffffff",
  "pod-stroke": "#d0d7de",
  eth0: "#ddf4ff",
  "eth0-stroke": "#0969da",
  wg0: "#fbefff",
  "wg0-stroke": "#8250df",
  stack: "#fff8c5",
  "stack-stroke": "#9a6700",
  bridge0: "#dafbe1",
  "bridge0-stroke": "#1a7f37",
  outside: "#ffffff",
  "outside-stroke": "#57606a",
  service: "#fff1e5",
  "service-stroke": "#bc4c00",
  ingress: "#ffeff7",
  "ingress-stroke": "#bf3989",
  underlay: "#6e7781",
  overlay: "#8250df",
  ok: "#1a7f37",
  fail: "#cf222e",
  "fail-bg": "#ffebe9",
  callout: "#ffffff",
  b1: "#d6336c",
  b2: "#1971c2",
  b3: "#2b8a3e",
  b4: "#e8590c",
  b5: "#7048e8",
  b6: "#0c8599",
};

const DARK: typeof LIGHT = {
  bg: "#0d1117",
  fg: "#e6edf3",
  muted: "#9198a1",
  wire: "#656c76",
  node: "#151b23",
  "node-stroke": "#3d444d",
  group: "#212830",
  pod: "#0d1117",
  "pod-stroke": "#3d444d",
  eth0: "#0c2d6b",
  "eth0-stroke": "#4493f8",
  wg0: "#2e1b4e",
  "wg0-stroke": "#ab7df8",
  stack: "#3b2300",
  "stack-stroke": "#d29922",
  bridge0: "#0f3a1e",
  "bridge0-stroke": "#3fb950",
  outside: "#151b23",
  "outside-stroke": "#9198a1",
  service: "#3d1d00",
  "service-stroke": "#f0883e",
  ingress: "#42062a",
  "ingress-stroke": "#f778ba",
  underlay: "#768390",
  overlay: "#ab7df8",
  ok: "#3fb950",
  fail: "#ff7b72",
  "fail-bg": "#490202",
  callout: "#151b23",
  b1: "#ff6b9a",
  b2: "#4dabf7",
  b3: "#69db7c",
  b4: "#ffa94d",
  b5: "#b197fc",
  b6: "#66d9e8",
};

const vars = (c: Record<string, string>) =>
  Object.entries(c)
    .map(([k, v]) => `--${k}: ${v};`)
    .join(" ");

const branches = Array.from({ length: BRANCH_COLOURS }, (_, i) => `b${i + 1}`);

export const STYLE = [
  `.kubehop { ${vars(LIGHT)} }`,
  `@media (prefers-color-scheme: dark) { .kubehop { ${vars(DARK)} } }`,
  `.kubehop text { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, "Liberation Mono", monospace; ` +
    `fill: var(--fg); white-space: pre; pointer-events: none; }`,
  ".kubehop .bg { fill: var(--bg); }",
  ".kubehop rect { stroke-width: 1; }",
  ".kubehop .node { fill: var(--node); stroke: var(--node-stroke); }",
  ".kubehop .pod-group { fill: var(--group); stroke: none; }",
  ".kubehop .pod { fill: var(--pod); stroke: var(--pod-stroke); }",
  ".kubehop .pod.not-ready { stroke-dasharray: 3 2; }",
  ".kubehop .pod.more { fill: none; stroke: var(--pod-stroke); stroke-dasharray: 3 2; }",
  ".kubehop .device { fill: var(--pod); stroke: var(--wire); }",
  ...["eth0", "wg0", "stack", "bridge0", "service", "ingress", "outside"].map(
    (d) => `.kubehop .${d} { fill: var(--${d}); stroke: var(--${d}-stroke); }`,
  ),
  ".kubehop .veth { fill: var(--bridge0); stroke: var(--bridge0-stroke); }",
  ".kubehop .router { fill: var(--bg); stroke: var(--underlay); }",
  ".kubehop .wire { fill: none; stroke: var(--wire); stroke-width: 1.2; }",
  ".kubehop .underlay-link { stroke: var(--underlay); stroke-width: 2; }",
  ".kubehop .overlay-link { stroke: var(--overlay); stroke-width: 2; stroke-dasharray: 5 3; }",
  ".kubehop .internet { stroke-dasharray: 2 3; }",
  ".kubehop .bus { fill: none; stroke-linecap: round; }",
  ".kubehop .bus.underlay { stroke: var(--underlay); stroke-width: 5; }",
  ".kubehop .bus.overlay { stroke: var(--overlay); stroke-width: 3; stroke-dasharray: 8 4; }",
  ".kubehop .selects { fill: none; stroke: var(--service-stroke); stroke-width: 1; stroke-dasharray: 4 3; opacity: " +
    "0.7; }",
  ".kubehop .routes { fill: none; stroke: var(--ingress-stroke); stroke-width: 1; opacity: 0.8; }",
  ".kubehop .title, .kubehop .node-name, .kubehop .legend-title, .kubehop .strong { font-weight: bold; }",
  ".kubehop .muted, .kubehop .pod-ip, .kubehop .section { fill: var(--muted); }",
  ".kubehop .group-title { fill: var(--muted); font-weight: bold; }",
  ".kubehop .chip { fill: var(--service-stroke); }",
  ".kubehop .bus-label, .kubehop .section { paint-order: stroke; stroke: var(--bg); stroke-width: 4px; " +
    "stroke-linejoin: round; }",
  ".kubehop .underlay-label { fill: var(--underlay); font-weight: bold; }",
  ".kubehop .overlay-label { fill: var(--overlay); font-weight: bold; }",
  // The path and its annotations.
  ".kubehop .path { fill: none; stroke-width: 2.5; stroke-linejoin: round; }",
  ...branches.map(
    (b) =>
      `.kubehop .path.${b} { stroke: var(--${b}); } .kubehop .badge.${b} { fill: var(--${b}); } .kubehop ` +
      `.arrow-${b} { fill: var(--${b}); }`,
  ),
  ".kubehop .on-path { fill: none; stroke: var(--fg); stroke-width: 1.5; opacity: 0.55; }",
  ".kubehop .on-path.bus-stop { stroke: none; }",
  // The trunk every branch (or several) share, the dashed reply, the fan-out where branches part.
  ".kubehop .path.shared { stroke: var(--fg); opacity: 0.75; } .kubehop .arrow-shared { fill: var(--fg); }",
  ".kubehop .path.reply { stroke-width: 1.5; stroke-dasharray: 5 3; }",
  ".kubehop .callout.fork { stroke: var(--fg); stroke-dasharray: 3 2; }",
  ".kubehop .device.bus-hop { fill: var(--bg); stroke: var(--underlay); stroke-dasharray: 4 2; }",
  ".kubehop .badge { stroke: none; } .kubehop .badge.shared { fill: var(--fg); }",
  ".kubehop .badge-text { fill: var(--bg); font-weight: bold; }",
  ".kubehop .callout { fill: var(--callout); stroke: var(--fg); stroke-width: 0.8; }",
  ...branches.map((b) => `.kubehop .callout.${b} { stroke: var(--${b}); }`),
  ".kubehop .callout.end.ok { stroke: var(--ok); } .kubehop .callout-text.end.ok { fill: var(--ok); font-weight: " +
    "bold; }",
  ".kubehop .callout.end.fail { fill: var(--fail-bg); stroke: var(--fail); stroke-width: 1.5; } .kubehop " +
    ".callout-text.end.fail { fill: var(--fail); font-weight: bold; }",
  ".kubehop .fail-ring { fill: none; stroke: var(--fail); stroke-width: 3; }",
  ".kubehop .leader { fill: none; stroke: var(--muted); stroke-width: 1; stroke-dasharray: 2 2; }",
  ".kubehop .legend-branch.fail { fill: var(--fail); }",
  ".kubehop .arrow-plain { fill: var(--ingress-stroke); }",
].join("\n");
