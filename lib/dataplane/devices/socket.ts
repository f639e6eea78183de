// The receiving end of a connection: is anything listening, and on the reply leg, does the answer
// match the connection the originator opened?
import { formatIpv4 } from "../../model/address.ts";
import type { Listener } from "../../model/cluster.ts";
import { ended, type Location, type Outcome, type StepContext, type StepRecord } from "../device.ts";
import { endpointText, type Packet } from "../../model/packet.ts";

export interface Receiver {
  /** `pod default/web-0`, `node node-1`, `client client`. */
  readonly who: string;
  /** null: listens on every port (nothing declared). */
  readonly listeners: readonly Listener[] | null;
  readonly replyFrom: Location;
  /** `namespace/name` when the receiver is a pod. */
  readonly pod?: string;
}

export function receive(packet: Packet, rx: Receiver, ctx: StepContext, steps: StepRecord[]): Outcome[] {
  const sent = ctx.state.replyTo;
  if (sent) return receiveReply(packet, sent, rx, steps);
  const proto = packet.proto.toUpperCase();
  if (packet.proto === "icmp") {
    steps.push({ type: "deliver", action: "DELIVERED", reason: `${rx.who} answers ICMP echo` });
    return [
      {
        steps,
        end: { disposition: "DELIVERED", reason: `delivered to ${rx.who}`, replyFrom: rx.replyFrom, delivered: packet },
      },
    ];
  }
  const listener = rx.listeners?.find((l) => l.port === packet.dport && l.protocol === proto);
  if (rx.listeners !== null && !listener) {
    const open = rx.listeners.map((l) => `${l.port}/${l.protocol}`).join(", ") || "none";
    const answer = packet.proto === "tcp" ? "answers with TCP RST" : "answers with ICMP port unreachable";
    steps.push({
      type: "drop",
      action: "REFUSED",
      reason: `nothing listens on ${packet.dport}/${proto} in ${rx.who} (open: ${open}); the kernel ${answer}`,
    });
    return ended(
      steps,
      "CONNECTION_REFUSED",
      `nothing listens on ${endpointText(packet.dst, packet.dport, packet.proto)} in ${rx.who}`,
    );
  }
  const by = listener
    ? ` (${listener.process})`
    : rx.listeners === null
      ? " (no ports declared: assumed listening)"
      : "";
  steps.push({
    type: "deliver",
    action: "DELIVERED",
    reason: `socket ${endpointText(packet.dst, packet.dport, packet.proto)}/${proto} in ${rx.who}${by}`,
  });
  if (packet.http) return answerHttp(packet, rx, ctx, steps);
  return [
    {
      steps,
      end: {
        disposition: "DELIVERED",
        reason: `delivered to ${rx.who} on ${packet.dport}/${proto}`,
        replyFrom: rx.replyFrom,
        delivered: packet,
      },
    },
  ];
}

function receiveReply(packet: Packet, sent: Packet, rx: Receiver, steps: StepRecord[]): Outcome[] {
  const matches =
    packet.src === sent.dst && packet.sport === sent.dport && packet.dst === sent.src && packet.dport === sent.sport;
  if (matches) {
    steps.push({
      type: "deliver",
      action: "DELIVERED",
      reason: `the reply matches the connection ${rx.who} opened to ${endpointText(sent.dst, sent.dport, sent.proto)}`,
    });
    return ended(steps, "DELIVERED", `reply delivered to ${rx.who}`);
  }
  const reason = `${rx.who} sent to ${endpointText(sent.dst, sent.dport, sent.proto)} but the answer comes from ${endpointText(packet.src, packet.sport, packet.proto)} to ${formatIpv4(packet.dst)}: no socket matches, the kernel resets it`;
  steps.push({ type: "drop", action: "RESET", reason });
  return ended(steps, "REPLY_MISMATCH", reason);
}

/** kubehop does not run the application: a request that reaches it is taken to be answered 200. */
function answerHttp(packet: Packet, rx: Receiver, ctx: StepContext, steps: StepRecord[]): Outcome[] {
  const http = packet.http!;
  steps.push({
    type: "deliver",
    action: "HTTP_200",
    reason: `${http.method} ${http.host}${http.path} answered by ${rx.who} (the application's status is assumed 200)`,
  });
  const state = {
    ...ctx.state,
    http: {
      ...(ctx.state.http ?? {}),
      status: 200,
      ...(rx.pod ? { pod: rx.pod } : {}),
      clientIP: ctx.state.http?.clientIP ?? formatIpv4(packet.src),
    },
  };
  return [
    {
      steps,
      state,
      end: {
        disposition: "HTTP_RESPONSE",
        reason: `HTTP 200 from ${rx.who}`,
        replyFrom: rx.replyFrom,
        delivered: packet,
      },
    },
  ];
}
