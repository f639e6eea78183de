// The Gateway API conformance suite's Gateway status tests about listeners the first transcription
// left out, transcribed (kubernetes-sigs/gateway-api at 4564255ac2c35d582249b3cdf261bdf51c8bca32,
// conformance/tests/<file>.go and its .yaml; see spec/fixtures/gateway-conformance/SOURCES.md), the
// conditions checked as helpers.go checks them (GatewayMustHaveCondition, GatewayStatusMustHaveListeners).
import { describe, it } from "mocha";
import { conformanceState, gatewayMustHaveCondition, gatewayMustHaveListeners, INFRA } from "./gateway-support.ts";

describe("conformance GatewayInvalidRouteKind (conformance/tests/gateway-invalid-route-kind.go)", () => {
  const state = conformanceState("gateway-invalid-route-kind.yaml");
  const invalidKinds = { type: "ResolvedRefs", status: "False", reason: "InvalidRouteKinds" } as const;

  it("only an invalid kind: ResolvedRefs False InvalidRouteKinds, no supportedKinds", () =>
    gatewayMustHaveListeners(state, `${INFRA}/gateway-only-invalid-route-kind`, [
      { name: "http", supportedKinds: [], attachedRoutes: 0, conditions: [invalidKinds] },
    ]));

  it("an invalid kind beside HTTPRoute: ResolvedRefs False InvalidRouteKinds, HTTPRoute supported", () =>
    gatewayMustHaveListeners(state, `${INFRA}/gateway-supported-and-invalid-route-kind`, [
      { name: "http", supportedKinds: ["HTTPRoute"], attachedRoutes: 0, conditions: [invalidKinds] },
    ]));
});

describe("conformance GatewayListenerUnsupportedProtocol (conformance/tests/gateway-invalid-listeners-unsupported-protocol.go)", () => {
  const state = conformanceState("gateway-invalid-listeners-unsupported-protocol.yaml");
  const unsupported = {
    name: "invalid",
    supportedKinds: [],
    attachedRoutes: 0,
    conditions: [{ type: "Accepted", status: "False", reason: "UnsupportedProtocol" }],
  } as const;

  it("no listener accepted: the Gateway is not Accepted (ListenersNotValid), the listener UnsupportedProtocol", () => {
    const gw = `${INFRA}/gateway-only-unsupported-protocols`;
    gatewayMustHaveCondition(state, gw, { type: "Accepted", status: "False", reason: "ListenersNotValid" });
    gatewayMustHaveListeners(state, gw, [unsupported]);
  });

  it("one listener accepted: the Gateway is Accepted (ListenersNotValid), each listener as it is", () => {
    const gw = `${INFRA}/gateway-supported-and-unsupported-protocols`;
    gatewayMustHaveCondition(state, gw, { type: "Accepted", status: "True", reason: "ListenersNotValid" });
    gatewayMustHaveListeners(state, gw, [
      {
        name: "http",
        supportedKinds: ["HTTPRoute"],
        attachedRoutes: 0,
        conditions: [{ type: "Accepted", status: "True", reason: "Accepted" }],
      },
      unsupported,
    ]);
  });
});
