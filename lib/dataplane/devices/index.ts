// The device registry the tracer dispatches through.
import type { Device, DeviceKind } from "../device.ts";
import { bridgeDevice } from "./bridge.ts";
import { clientDevice } from "./client.ts";
import { hostDevice } from "./host.ts";
import { loadBalancerDevice } from "./load-balancer.ts";
import { nicDevice } from "./nic.ts";
import { podDevice } from "./pod.ts";
import { underlayDevice } from "./underlay.ts";
import { vethDevice } from "./veth.ts";
import { wireGuardDevice } from "./wireguard.ts";

export const DEVICES: Record<DeviceKind, Device> = {
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
