// Shared by the diagram specs: generated clusters, the label-overlap check, an XML parse.
import { JSDOM } from "jsdom";
import { overlaps, type Rect } from "../lib/diagram/geometry.ts";
import type { Scene } from "../lib/diagram/scene.ts";
import { textBox } from "../lib/diagram/text.ts";

/** N nodes, `deployments` Deployments of `replicas` pods, each behind a ClusterIP Service. */
export function clusterYaml(nodes: number, deployments: number, replicas: number): string {
  const docs = [
    `apiVersion: kubehop.io/v1alpha1
kind: Topology
metadata: {name: big}
spec:
  clusterCIDR: 10.0.0.0/11
  serviceCIDR: 10.96.0.0/12
  underlay: {cidr: 172.16.0.0/16, gateway: 172.16.0.1}
  nodeCount: ${nodes}
  clients: [{name: laptop, ip: 198.51.100.7}]
`,
  ];
  for (let d = 0; d < deployments; d++) {
    docs.push(`apiVersion: apps/v1
kind: Deployment
metadata: {name: app-${d}, namespace: ns-${d % 7}}
spec:
  replicas: ${replicas}
  template:
    metadata: {labels: {app: app-${d}}}
    spec:
      containers: [{name: app, ports: [{name: http, containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: app-${d}, namespace: ns-${d % 7}}
spec:
  selector: {app: app-${d}}
  ports: [{name: http, port: 80, targetPort: http}]
`);
  }
  return docs.join("---\n");
}

export interface Placed {
  readonly text: string;
  readonly rect: Rect;
}

/** Every label of the scene (drawing and overlay) as the rectangle the 0.6 em estimate gives it. */
export function labelRects(scene: Scene): Placed[] {
  return [...scene.labels, ...(scene.overlay?.labels ?? [])].map((l) => ({
    text: l.text,
    rect: textBox(l.x, l.y, l.text, l.size, l.anchor),
  }));
}

/** Pairs of labels whose boxes overlap (sweep over x, so 10,000 labels stay quick). */
export function overlapping(placed: readonly Placed[]): [Placed, Placed][] {
  const sorted = [...placed].sort((a, b) => a.rect.x - b.rect.x);
  const out: [Placed, Placed][] = [];
  for (let i = 0; i < sorted.length; i++) {
    const a = sorted[i]!;
    for (let j = i + 1; j < sorted.length && sorted[j]!.rect.x < a.rect.x + a.rect.w; j++) {
      if (overlaps(a.rect, sorted[j]!.rect)) out.push([a, sorted[j]!]);
    }
  }
  return out;
}

/** Parses as XML (as a browser's image loader would); throws on a parse error. */
export function parseSvg(svg: string): Document {
  const dom = new JSDOM(svg, { contentType: "image/svg+xml" });
  const doc = dom.window.document as unknown as Document;
  if (doc.getElementsByTagName("parsererror").length) throw new Error("not well-formed XML");
  return doc;
}
