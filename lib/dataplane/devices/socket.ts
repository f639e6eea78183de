// The receiving end of a connection: is anything listening, and on the reply leg, does the answer
// match the connection the originator opened?
import type { Listener } from "../../model/cluster.ts";
import type { Receiver as ReceiverRef } from "../../model/step-detail.ts";
import { formatIpv4 } from "../../model/address.ts";
import { ended, type Location, type Outcome, type StepContext, type StepRecord } from "../device.ts";
import { destinationOf, sourceOf } from "../facts.ts";
import type { Packet } from "../../model/packet.ts";
import { HTTP_STATUS_ACTIONS, type StepAction } from "../../model/step.ts";
import { echoAnswer, isEchoServer } from "./echo-server.ts";

export interface Receiver {
  readonly receiver: ReceiverRef;
  /** null: listens on every port (nothing declared). */
  readonly listeners: readonly Listener[] | null;
  readonly replyFrom: Location;
}

export function receive(packet: Packet, rx: Receiver, ctx: StepContext, steps: StepRecord[]): Outcome[] {
  const sent = ctx.state.replyTo;
  if (sent) return receiveReply(packet, sent, rx, steps);
  const { receiver } = rx;
  const proto = packet.proto.toUpperCase();
  if (packet.proto === "icmp") {
    steps.push({
      type: "deliver",
      action: "DELIVERED",
      detail: { kind: "icmp-echo", receiver, socket: destinationOf(packet), peer: sourceOf(packet) },
    });
    return [
      {
        steps,
        end: {
          disposition: "DELIVERED",
          detail: { kind: "delivered", receiver },
          replyFrom: rx.replyFrom,
          delivered: packet,
        },
      },
    ];
  }
  const listener = rx.listeners?.find((l) => l.port === packet.dport && l.protocol === proto);
  if (rx.listeners !== null && !listener) {
    const socket = destinationOf(packet);
    const open = rx.listeners.map((l) => ({ port: l.port, protocol: l.protocol }));
    steps.push({ type: "drop", action: "REFUSED", detail: { kind: "refused", receiver, socket, proto, open } });
    return ended(steps, "CONNECTION_REFUSED", { kind: "refused", receiver, socket });
  }
  steps.push({
    type: "deliver",
    action: "DELIVERED",
    detail: {
      kind: "socket",
      receiver,
      socket: destinationOf(packet),
      peer: sourceOf(packet),
      proto,
      ...(listener ? { process: listener.process } : {}),
    },
  });
  if (packet.http) return answerHttp(packet, rx, ctx, steps);
  return [
    {
      steps,
      end: {
        disposition: "DELIVERED",
        detail: { kind: "delivered", receiver, port: packet.dport, proto },
        replyFrom: rx.replyFrom,
        delivered: packet,
      },
    },
  ];
}

function receiveReply(packet: Packet, sent: Packet, rx: Receiver, steps: StepRecord[]): Outcome[] {
  const { receiver } = rx;
  const matches =
    packet.src === sent.dst && packet.sport === sent.dport && packet.dst === sent.src && packet.dport === sent.sport;
  if (matches) {
    steps.push({
      type: "deliver",
      action: "DELIVERED",
      detail: { kind: "reply-match", receiver, sentTo: destinationOf(sent), peer: sourceOf(packet) },
    });
    return ended(steps, "DELIVERED", { kind: "reply-delivered", receiver });
  }
  const detail = {
    kind: "reply-mismatch",
    receiver,
    sentTo: destinationOf(sent),
    from: sourceOf(packet),
    to: formatIpv4(packet.dst),
  } as const;
  steps.push({ type: "drop", action: "RESET", detail });
  return ended(steps, "REPLY_MISMATCH", detail);
}

/**
 * kubehop does not run the application: a request that reaches it is taken to be answered 200, but
 * by a pod of the Gateway API conformance echo server, which answers as its handlers do (echo-server.ts).
 */
function answerHttp(packet: Packet, rx: Receiver, ctx: StepContext, steps: StepRecord[]): Outcome[] {
  const http = packet.http!;
  const { receiver } = rx;
  const pod =
    receiver.kind === "pod"
      ? ctx.net.cluster.pods.find((p) => p.namespace === receiver.namespace && p.name === receiver.name)
      : undefined;
  const echo =
    pod && isEchoServer(pod)
      ? echoAnswer({ method: http.method, path: http.path, headers: lowerCase(http.headers ?? {}) })
      : undefined;
  if (echo && "undecided" in echo) {
    // No HTTP answer is known: the branch carries no http status (the proxy's facts are in its hops).
    const detail = { kind: "echo-undecided", receiver, handler: echo.handler, cause: echo.undecided } as const;
    return [{ steps, state: { ...ctx.state, http: undefined }, end: { disposition: "UNDECIDED", detail } }];
  }
  const status = echo?.status ?? 200;
  const location = echo?.headers.location;
  const action = `HTTP_${status}`;
  steps.push({
    type: "deliver",
    action: (HTTP_STATUS_ACTIONS as readonly string[]).includes(action) ? (action as StepAction) : "HTTP_RESPONSE",
    detail: {
      kind: "app-answer",
      receiver,
      status,
      method: http.method,
      host: http.host,
      path: http.path,
      peer: sourceOf(packet),
      ...(echo ? { echo: echo.handler } : {}),
      ...(location !== undefined ? { location } : {}),
    },
  });
  const state = {
    ...ctx.state,
    http: {
      ...(ctx.state.http ?? {}),
      status,
      ...(location !== undefined ? { location } : {}),
      ...(receiver.kind === "pod" ? { pod: `${receiver.namespace}/${receiver.name}` } : {}),
      clientIP: ctx.state.http?.clientIP ?? formatIpv4(packet.src),
    },
  };
  return [
    {
      steps,
      state,
      end: {
        disposition: "HTTP_RESPONSE",
        detail: { kind: "http-answer", receiver, status },
        replyFrom: rx.replyFrom,
        delivered: packet,
      },
    },
  ];
}

function lowerCase(h: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
}
