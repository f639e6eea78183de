// The ingress-nginx controllers of the input (pods and workload templates with the controller's
// labels) and the flags their controller container runs with. kubehop simulates one controller
// configuration: when controllers run with different flags (two installs for two classes), the first
// by namespace and name is simulated and the others are named in a diagnostic.
import type { Read, TopologyInput } from "../input/load.ts";
import type { SourceObject } from "../input/source-object.ts";
import { type Arg, readControllerFlags } from "../ingress/controller-flags.ts";
import { type ControllerConfig, DEFAULT_CONTROLLER } from "../ingress/classes.ts";
import { isControllerLabels } from "../ingress/controller.ts";
import { type Diagnostic, diagnostic } from "../model/diagnostic.ts";

interface Container {
  readonly name?: string;
  readonly image?: unknown;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
}

interface Found {
  readonly key: string;
  readonly config: ControllerConfig;
  readonly notes: readonly Diagnostic[];
  readonly src: SourceObject;
}

/** The configuration the input's controllers run with, and what was said reading their flags. */
export function controllerConfig(input: TopologyInput): { config: ControllerConfig; notes: Diagnostic[] } {
  const found: Found[] = [];
  for (const p of input.pods)
    if (isControllerLabels(p.obj.metadata.labels ?? {})) found.push(read(p, p.obj.spec?.containers, ["spec"]));
  for (const w of input.workloads) {
    const template = w.obj.spec.template;
    if (isControllerLabels(template.metadata?.labels ?? {}))
      found.push(read(w, template.spec?.containers, ["spec", "template", "spec"]));
  }
  if (found.length === 0) return { config: DEFAULT_CONTROLLER, notes: [] };
  found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const first = found[0]!;
  const notes = found.flatMap((f) => f.notes);
  const differ = found.filter((f) => !sameConfig(f.config, first.config));
  if (differ.length > 0)
    notes.push(
      diagnostic(
        "ingress-controllers-differ",
        differ[0]!.src.at(),
        `ingress-nginx controllers run with different flags (${first.key}: ${describe(first.config)}; ` +
          `${differ.map((f) => `${f.key}: ${describe(f.config)}`).join("; ")}): kubehop simulates ${first.key}'s ` +
          "for every controller pod",
      ),
    );
  return { config: first.config, notes };
}

function read(r: Read<{ metadata: { name: string; namespace?: string } }>, containers: unknown, base: string[]): Found {
  const list = (Array.isArray(containers) ? containers : []) as Container[];
  const i = controllerContainer(list);
  const key = `${r.src.kind} ${r.obj.metadata.namespace ?? "default"}/${r.obj.metadata.name}`;
  if (i < 0) return { key, config: DEFAULT_CONTROLLER, notes: [], src: r.src };
  const c = list[i]!;
  const args: Arg[] = [];
  for (const field of ["command", "args"] as const)
    (c[field] ?? []).forEach((text, j) => {
      args.push({ text, at: r.src.at([...base, "containers", i, field, j]) });
    });
  const { config, notes } = readControllerFlags(args, key);
  return { key, config, notes, src: r.src };
}

/**
 * The container that runs /nginx-ingress-controller; else the one of the controller's image, or named
 * controller; else the first.
 */
function controllerContainer(list: readonly Container[]): number {
  const runs = list.findIndex((c) => [...(c.command ?? []), ...(c.args ?? [])].some(isControllerBinary));
  if (runs >= 0) return runs;
  const image = list.findIndex((c) => typeof c.image === "string" && c.image.includes("ingress-nginx/controller"));
  if (image >= 0) return image;
  const named = list.findIndex((c) => c.name === "controller");
  return named >= 0 ? named : list.length > 0 ? 0 : -1;
}

const isControllerBinary = (word: string) =>
  word === "/nginx-ingress-controller" || word.endsWith("/nginx-ingress-controller");

function sameConfig(a: ControllerConfig, b: ControllerConfig): boolean {
  return (Object.keys(a) as (keyof ControllerConfig)[]).every((k) => a[k] === b[k]);
}

function describe(c: ControllerConfig): string {
  const parts = [`--controller-class=${c.controller}`, `--ingress-class=${c.ingressClass}`];
  if (c.watchWithoutClass) parts.push("--watch-ingress-without-class");
  if (c.ingressClassByName) parts.push("--ingress-class-by-name");
  if (c.watchNamespace !== undefined) parts.push(`--watch-namespace=${c.watchNamespace}`);
  if (c.httpPort !== 80) parts.push(`--http-port=${c.httpPort}`);
  if (c.httpsPort !== 443) parts.push(`--https-port=${c.httpsPort}`);
  return parts.join(" ");
}
