// The order ingress-nginx processes Ingresses in (store.go sortIngressSlice): oldest first, and on
// equal timestamps by namespace/name DESCENDING. "First processed wins" decides every conflict.
import { type Ingress, ingressKey } from "../model/ingress.ts";

/** Milliseconds; a missing or unreadable timestamp counts as the zero time, i.e. oldest. */
export function ageKey(ts: string | undefined): number {
  if (ts === undefined) return Number.NEGATIVE_INFINITY;
  const ms = Date.parse(ts);
  return Number.isNaN(ms) ? Number.NEGATIVE_INFINITY : ms;
}

export function sortIngresses(ingresses: readonly Ingress[]): Ingress[] {
  return [...ingresses].sort((a, b) => {
    const ta = ageKey(a.creationTimestamp);
    const tb = ageKey(b.creationTimestamp);
    if (ta !== tb) return ta < tb ? -1 : 1;
    const ka = ingressKey(a);
    const kb = ingressKey(b);
    return ka === kb ? 0 : ka > kb ? -1 : 1;
  });
}
