// Packet is model data (lib/model/packet.ts); this path stays for the specs that still import it here.
export type { HttpRequest, L4, Packet } from "../model/packet.ts";
