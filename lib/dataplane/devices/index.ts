// The device registry the tracer dispatches through.
import type { Packet } from "../../model/packet.ts";
import type { Device, DeviceKind, Location, Outcome, StepContext } from "../device.ts";
import { bridgeDevice } from "./bridge.ts";
import { clientDevice } from "./client.ts";
import { hostDevice } from "./host.ts";
import { loadBalancerDevice } from "./load-balancer.ts";
import { nicDevice } from "./nic.ts";
import { podDevice } from "./pod.ts";
import { underlayDevice } from "./underlay.ts";
import { vethDevice } from "./veth.ts";
import { wireGuardDevice } from "./wireguard.ts";

export const DEVICES: { readonly [K in DeviceKind]: Device<K> } = {
  pod: podDevice,
  veth: vethDevice,
  bridge: bridgeDevice,
  host: hostDevice,
  wg: wireGuardDevice,
  nic: nicDevice,
  underlay: underlayDevice,
  client: clientDevice,
  lb: loadBalancerDevice,
};

/** The step of the device the location names (each device is given only its own kind of location). */
export function stepAt(packet: Packet, at: Location, ctx: StepContext): Outcome[] {
  return (DEVICES[at.device] as (p: Packet, at: Location, ctx: StepContext) => Outcome[])(packet, at, ctx);
}
