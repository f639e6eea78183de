// nginx's ngx_escape_uri for the two tables a rewritten request goes through: NGX_ESCAPE_URI when the proxy
// sends a changed URI, NGX_ESCAPE_ARGS for a capture copied into rewrite's arguments. Bytes as %XX, upper case.

/** Space, #, %, ?, controls and bytes from 0x7f. */
export function escapeUri(text: string): string {
  return escapeBytes(text, (b) => b === 0x23 || b === 0x25 || b === 0x3f);
}

/** The URI set plus &, + and ;. */
export function escapeArgs(text: string): string {
  return escapeBytes(text, (b) => b === 0x23 || b === 0x25 || b === 0x3f || b === 0x26 || b === 0x2b || b === 0x3b);
}

function escapeBytes(text: string, special: (b: number) => boolean): string {
  let out = "";
  for (const b of new TextEncoder().encode(text)) {
    const escaped = b <= 0x20 || b >= 0x7f || special(b);
    out += escaped ? `%${b.toString(16).toUpperCase().padStart(2, "0")}` : String.fromCharCode(b);
  }
  return out;
}
