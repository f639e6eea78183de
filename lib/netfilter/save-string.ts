// Text kubehop writes into iptables-restore input (kube-proxy's rules, emulate's rulesets). Names are
// validated at input, so this is defence in depth: whatever reaches it, no control character survives
// (iptables-restore reads a line at a time, so a newline inside a comment would start a rule of its own).
const CONTROL = /\p{Cc}/gu;
const BARE = /^[A-Za-z0-9_-]+$/;

/** xtables_save_string: bare when only [A-Za-z0-9_-], otherwise double-quoted with `"`, `\` and `'` escaped. */
export function saveString(value: string): string {
  const text = value.replace(CONTROL, "?");
  if (BARE.test(text)) return text;
  return `"${text.replace(/["\\']/g, (c) => `\\${c}`)}"`;
}

/** A `# ...` line of iptables-save text, kept to one line. */
export function saveCommentLine(text: string): string {
  return `# ${text.replace(CONTROL, "?")}`;
}
