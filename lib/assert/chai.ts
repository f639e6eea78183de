// chai.use(kubehopChai): assertions on the traces `cluster.trace()` and `cluster.curl()` return.
//
//   expect(cluster.curl("https://shop.example.com/api")).to.reach("svc/shop/api").and.not.through("node-3");
//
// Scope: every branch must satisfy the assertion (the default, `.everyBranch`), or at least one
// (`.someBranch`), or the branches that satisfy it must add up to a probability (`.probability(p)`).
// `.not` negates the condition per branch: `.not.through("node-3")` means no branch crosses node-3.
// Assertions chained on one expect() are tested together, per branch:
// `.someBranch.reach("pod/shop/db-0").and.through("node-2")` needs one branch that does both.
// `.probability(p)` goes before a single assertion, or at the end of a chain to weigh all of it
// (start such a chain with .someBranch: in the default every-branch scope each link must hold for
// every branch; before a chain, probability(p) would weigh its first link alone).
// The global `Chai` namespace extended below is @types/chai's; the reference is kept in the .d.ts
// so that kubehop/chai's types bring it along.
/// <reference types="chai" preserve="true" />
import type { Disposition, Trace } from "../trace/types.ts";
import { type Check, type Condition, type IngressRuleRef, validateCondition } from "./conditions.ts";
import type { UpstreamRef } from "./gateway-conditions.ts";
import { contextOf } from "./context.ts";
import { evaluate, type Scope } from "./evaluate.ts";

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Chai {
    interface Assertion {
      /** Every branch (or the scope's) ended in a success disposition, and its reply came back. */
      readonly delivered: Assertion;
      /** A masquerade or SNAT step rewrote the source address on the request path. */
      readonly masqueraded: Assertion;
      /** The following assertions need only one branch to hold. */
      readonly someBranch: Assertion;
      /** The following assertions must hold for every branch (the default). */
      readonly everyBranch: Assertion;
      /**
       * Delivered to `pod/NS/NAME` (or a pod of workload NAME), `NS/NAME`, `svc/NS/NAME` (any endpoint), `node/NAME`,
       * `client/NAME`, `IP` or `IP:PORT`.
       */
      reach(target: string): Assertion;
      /** Not delivered; with a disposition, the request (or its reply) ended in exactly that one. */
      dropped(disposition?: Disposition): Assertion;
      /** The HTTP status the client got (curl traces). */
      status(code: number): Assertion;
      /** A hop of the request or its reply is at `location`, or under it (`node-3` matches `node-3/wg0`). */
      through(location: string): Assertion;
      /** The source address of the packet the destination received (for curl: what the backend pod saw). */
      sourceIP(ip: string): Assertion;
      /** The Ingress rule that routed the request: `ns/name`, optionally with host, path, pathType, service. */
      ingressRule(ingress: string | IngressRuleRef, rule?: Omit<IngressRuleRef, "ingress">): Assertion;
      /** The Gateway (`ns/name`) that routed the request. */
      gateway(gateway: string): Assertion;
      /** The HTTPRoute or GRPCRoute (`ns/name`) whose rule matched, optionally the rule (0-based index or name). */
      route(route: string, rule?: number | string): Assertion;
      /** The request as the backend pod received it, after the route's filters: method, host, path (with query). */
      upstream(upstream: UpstreamRef): Assertion;
      /**
       * The branches satisfying the assertions add up to probability `p` (within 1e-6). Before one
       * assertion: `.probability(0.5).through("node-2")`. After a chain, weighing all of it:
       * `.someBranch.reach("pod/shop/db-0").and.through("node-2").probability(0.25)`.
       */
      probability(p: number): Assertion;
    }
  }
}

const CHECKS = "kubehop.checks";
const SCOPE = "kubehop.scope";

export const kubehopChai: Chai.ChaiPlugin = (chai, utils) => {
  const A = chai.Assertion;

  function run(this: Chai.AssertionStatic, condition: Condition): void {
    const trace = utils.flag(this, "object") as Trace;
    if (!isTrace(trace))
      throw new chai.AssertionError(
        `expected a kubehop trace (from cluster.trace() or cluster.curl()), got ${utils.inspect(trace)}`,
      );
    validateCondition(condition, contextOf(trace));
    const checks: Check[] = [
      ...((utils.flag(this, CHECKS) as Check[] | undefined) ?? []),
      { condition, negate: utils.flag(this, "negate") === true },
    ];
    utils.flag(this, CHECKS, checks);
    runChecks.call(this);
  }

  function runChecks(this: Chai.AssertionStatic): void {
    const trace = utils.flag(this, "object") as Trace;
    const checks = utils.flag(this, CHECKS) as Check[];
    const verdict = evaluate(
      trace,
      checks,
      (utils.flag(this, SCOPE) as Scope | undefined) ?? { kind: "every" },
      contextOf(trace),
    );
    if (!verdict.pass) {
      const custom = utils.flag(this, "message") as string | undefined;
      throw new chai.AssertionError(
        `${custom ? `${custom}: ` : ""}${verdict.message}`,
        undefined,
        utils.flag(this, "ssfi") as (...args: unknown[]) => unknown,
      );
    }
  }

  A.addProperty("delivered", function () {
    run.call(this, { kind: "delivered" });
  });
  A.addProperty("masqueraded", function () {
    run.call(this, { kind: "masqueraded" });
  });
  A.addProperty("someBranch", function () {
    utils.flag(this, SCOPE, { kind: "some" } satisfies Scope);
  });
  A.addProperty("everyBranch", function () {
    utils.flag(this, SCOPE, { kind: "every" } satisfies Scope);
  });
  A.addMethod("reach", function (target: string) {
    run.call(this, { kind: "reach", target });
  });
  A.addMethod("dropped", function (disposition?: Disposition) {
    run.call(this, disposition === undefined ? { kind: "dropped" } : { kind: "dropped", disposition });
  });
  A.addMethod("status", function (code: number) {
    run.call(this, { kind: "status", code });
  });
  A.addMethod("through", function (location: string) {
    run.call(this, { kind: "through", location });
  });
  A.addMethod("sourceIP", function (ip: string) {
    run.call(this, { kind: "sourceIP", ip });
  });
  A.addMethod("ingressRule", function (ingress: string | IngressRuleRef, rule: Omit<IngressRuleRef, "ingress"> = {}) {
    run.call(this, {
      kind: "ingressRule",
      rule: typeof ingress === "string" ? { ...rule, ingress } : { ...ingress, ...rule },
    });
  });
  A.addMethod("gateway", function (gateway: string) {
    run.call(this, { kind: "gateway", gateway });
  });
  A.addMethod("route", function (route: string, rule?: number | string) {
    run.call(this, { kind: "route", route, ...(rule !== undefined ? { rule } : {}) });
  });
  A.addMethod("upstream", function (upstream: UpstreamRef) {
    run.call(this, { kind: "upstream", upstream: upstream ?? {} });
  });
  A.addMethod("probability", function (p: number) {
    if (typeof p !== "number" || !(p >= 0 && p <= 1))
      throw new TypeError(`probability(${String(p)}): expected a number 0-1`);
    utils.flag(this, SCOPE, { kind: "probability", p } satisfies Scope);
    // At the end of a chain it weighs the whole chain: .someBranch.reach(x).and.through(y).probability(p).
    if (((utils.flag(this, CHECKS) as Check[] | undefined) ?? []).length > 0) runChecks.call(this);
  });
};

function isTrace(x: unknown): x is Trace {
  return (
    typeof x === "object" &&
    x !== null &&
    Array.isArray((x as Trace).branches) &&
    typeof (x as Trace).request === "object"
  );
}
