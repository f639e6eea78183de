// The ingress-nginx controllers of the input (pods and workload templates with the controller's
// labels) and the flags their controller container runs with; the ConfigMap its --configmap names
// gives each its global settings (lib/ingress/controller-settings.ts). Two installs for two classes
// are two controllers, each of whose pods serves as its own flags say.
import type { Read, TopologyInput } from "../input/load.ts";
import type { SourceObject } from "../input/source-object.ts";
import { type Arg, readControllerFlags } from "../ingress/controller-flags.ts";
import { type ControllerConfig, DEFAULT_CONTROLLER, selectIngresses } from "../ingress/classes.ts";
import { isControllerLabels } from "../ingress/controller.ts";
import { readControllerSettings } from "../ingress/controller-settings.ts";
import { type Diagnostic, diagnostic } from "../model/diagnostic.ts";
import {
  type ClassSelection,
  type ControllerSettings,
  type Ingress,
  type IngressClass,
  type IngressController,
  type IngressState,
  ingressKey,
  NO_SETTINGS,
} from "../model/ingress.ts";
import type { Origin } from "../model/origin.ts";

interface Container {
  readonly name?: string;
  readonly image?: unknown;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly env?: unknown;
}

interface Found {
  readonly key: string;
  readonly config: ControllerConfig;
  readonly notes: readonly Diagnostic[];
  readonly src: SourceObject;
  readonly runs: ControllerRun["runs"];
  readonly configMapAt?: Origin;
}

/** A controller of the input, its flags and settings read; what it serves is selected later. */
export type ControllerRun = Omit<IngressController, "served">;

export interface Controllers {
  /** By namespace and name; empty when the input has no controller. */
  readonly controllers: readonly ControllerRun[];
  readonly notes: Diagnostic[];
}

/** The configuration and settings the input's controllers run with, and what was said reading them. */
export function controllerConfig(input: TopologyInput): Controllers {
  const found: Found[] = [];
  for (const p of input.pods)
    if (isControllerLabels(p.obj.metadata.labels ?? {})) found.push(read(p, p.obj.spec?.containers, ["spec"]));
  for (const w of input.workloads) {
    const template = w.obj.spec.template;
    if (isControllerLabels(template.metadata?.labels ?? {}))
      found.push(read(w, template.spec?.containers, ["spec", "template", "spec"]));
  }
  found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const notes = found.flatMap((f) => f.notes);
  const first = found[0];
  const differ = found.filter((f) => first && !sameConfig(f.config, first.config));
  if (first && differ.length > 0)
    notes.push(
      diagnostic(
        "ingress-controllers-differ",
        differ[0]!.src.at(),
        `ingress-nginx controllers run with different flags (${first.key}: ${describe(first.config)}; ` +
          `${differ.map((f) => `${f.key}: ${describe(f.config)}`).join("; ")}): each controller's pods serve ` +
          "as their own flags say",
      ),
    );
  // Pods of one install name one ConfigMap: read, and said, once.
  const settingsByName = new Map<string, ControllerSettings>();
  const controllers = found.map((f) => ({
    key: f.key,
    runs: f.runs,
    config: f.config,
    settings: settingsOf(input, f, notes, settingsByName),
  }));
  return { controllers, notes };
}

/** The settings of the ConfigMap a controller names; none when it names none or it is not given. */
function settingsOf(
  input: TopologyInput,
  first: Found,
  notes: Diagnostic[],
  byName: Map<string, ControllerSettings>,
): ControllerSettings {
  const name = first.config.configMap;
  if (name === undefined) return NO_SETTINGS;
  const known = byName.get(name);
  if (known) return known;
  const settings = readSettings(input, first, name, notes);
  byName.set(name, settings);
  return settings;
}

/** Reads the ConfigMap `name` for the first controller that names it. */
function readSettings(input: TopologyInput, first: Found, name: string, notes: Diagnostic[]): ControllerSettings {
  const src = input.configMaps.find((m) => `${namespaceOf(m)}/${nameOf(m)}` === name);
  if (!src) {
    notes.push(
      diagnostic(
        "ingress-controller-configmap",
        first.configMapAt,
        `${first.key}: --configmap=${name}: the ConfigMap is not in the input; a trace takes ingress-nginx's ` +
          "defaults for its settings (ssl-redirect, proxy-body-size, ...)",
        "add the ConfigMap (kubectl get configmap -n NAMESPACE NAME -o yaml) to simulate its settings",
      ),
    );
    return NO_SETTINGS;
  }
  const got = readControllerSettings(src.value.data, (key) => src.at(["data"], key), name);
  notes.push(...got.notes);
  return got.settings;
}

function metadataOf(src: SourceObject): Record<string, unknown> {
  const m = src.value.metadata;
  return m !== null && typeof m === "object" ? (m as Record<string, unknown>) : {};
}
const nameOf = (src: SourceObject) => String(metadataOf(src).name ?? "");
const namespaceOf = (src: SourceObject) => String(metadataOf(src).namespace ?? "default");

function read(r: Read<{ metadata: { name: string; namespace?: string } }>, containers: unknown, base: string[]): Found {
  const list = (Array.isArray(containers) ? containers : []) as Container[];
  const i = controllerContainer(list);
  const namespace = r.obj.metadata.namespace ?? "default";
  const key = `${r.src.kind} ${namespace}/${r.obj.metadata.name}`;
  const runs = { kind: r.src.kind, namespace, name: r.obj.metadata.name };
  if (i < 0) return { key, config: DEFAULT_CONTROLLER, notes: [], src: r.src, runs };
  const c = list[i]!;
  const env = envOf(c, r.obj.metadata.namespace ?? "default");
  const args: Arg[] = [];
  for (const field of ["command", "args"] as const)
    (c[field] ?? []).forEach((text, j) => {
      args.push({ text: expand(text, env), at: r.src.at([...base, "containers", i, field, j]) });
    });
  const { config, notes, configMapAt } = readControllerFlags(args, key);
  return { key, config, notes, src: r.src, runs, ...(configMapAt ? { configMapAt } : {}) };
}

/**
 * The container's variables kubelet expands in its command line: those with a value, and a
 * fieldRef to metadata.namespace (upstream's manifests pass POD_NAMESPACE so) as the object's namespace.
 */
function envOf(c: Container, namespace: string): Map<string, string> {
  const env = new Map<string, string>();
  for (const e of Array.isArray(c.env) ? (c.env as Record<string, unknown>[]) : []) {
    if (typeof e?.name !== "string") continue;
    if (typeof e.value === "string") env.set(e.name, e.value);
    const from = e.valueFrom as { fieldRef?: { fieldPath?: unknown } } | undefined;
    if (from?.fieldRef?.fieldPath === "metadata.namespace") env.set(e.name, namespace);
  }
  return env;
}

/** kubelet's $(VAR) expansion: a defined variable is replaced, $$ is a $, anything else stays as written. */
function expand(text: string, env: ReadonlyMap<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (whole, name: string | undefined) =>
    name === undefined ? "$" : (env.get(name) ?? whole),
  );
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

/**
 * What each controller serves (selectIngresses with its flags), and the cluster's ingress layer: what
 * any controller serves, and what none does, with each controller's reason where they differ. With no
 * controller in the input, ingress-nginx's defaults (the controller kubehop adds runs with them).
 */
export function ingressState(
  ingresses: readonly Ingress[],
  classes: readonly IngressClass[],
  runs: readonly ControllerRun[],
): IngressState {
  if (runs.length === 0) return { ...selectIngresses(ingresses, classes), settings: NO_SETTINGS, controllers: [] };
  const selections = runs.map((run) => selectIngresses(ingresses, classes, run.config));
  const controllers = runs.map((run, i) => ({ ...run, served: selections[i]!.served }));
  const first = selections[0]!;
  const byKey = new Map(controllers.flatMap((c) => c.served).map((s) => [ingressKey(s.ingress), s] as const));
  const served = [...byKey.keys()].sort().map((k) => byKey.get(k)!);
  const ignored = first.ignored
    .filter((i) => !byKey.has(ingressKey(i.ingress)))
    .map((i) => ({ ...i, reason: whyNone(ingressKey(i.ingress), runs, selections) }));
  return { ...first, served, ignored, settings: runs[0]!.settings, controllers };
}

/** Each controller's reason for not serving the Ingress, or the one reason they all give. */
function whyNone(key: string, runs: readonly ControllerRun[], selections: readonly ClassSelection[]): string {
  const reasons = selections.map((s) => s.ignored.find((i) => ingressKey(i.ingress) === key)?.reason ?? "");
  if (reasons.every((r) => r === reasons[0])) return reasons[0]!;
  return reasons.map((r, i) => `${runs[i]!.key}: ${r}`).join("; ");
}
