// Text kubehop writes between quotes in nft input and listings. nft strings have no escape syntax, so
// a `"` would end the string and a newline the statement: both become `?`, as saveString does for
// iptables (names are validated at input, so this is defence in depth).
const UNQUOTABLE = /["\p{Cc}]/gu;

/**
 * nft refuses a comment over 128 bytes ("comment too long, 128 characters maximum",
 * NFTNL_UDATA_COMMENT_MAXLEN), failing the whole transaction. A Service port's name as kube-proxy
 * writes it (`namespace/name:port`, up to 143 characters of valid names) can pass it: upstream cut
 * it to knftables.CommentLengthMax (kubernetes/kubernetes#139515, fixed by PR #139516), and so do we.
 */
export const COMMENT_LENGTH_MAX = 128;

/** A comment as kube-proxy hands it to nft: at most 128 bytes, never splitting a character. */
export function commentText(text: string): string {
  const safe = text.replace(UNQUOTABLE, "?");
  if (Buffer.byteLength(safe) <= COMMENT_LENGTH_MAX) return safe;
  let out = "";
  let bytes = 0;
  for (const ch of safe) {
    bytes += Buffer.byteLength(ch);
    if (bytes > COMMENT_LENGTH_MAX) break;
    out += ch;
  }
  return out;
}

/** `text` as an nft quoted string, with nothing in it that could end the string or the statement. */
export function quoted(text: string): string {
  return `"${text.replace(UNQUOTABLE, "?")}"`;
}
