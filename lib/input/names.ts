// Names as the API server validates them (k8s.io/apimachinery/pkg/util/validation/validation.go), so
// that nothing `kubectl apply` would refuse reaches the text kubehop writes: iptables comments, chain
// hashes, `ip`/`wg` commands, the collect script. Each rule returns why a name is invalid, saying what
// would be valid, or undefined when the API server accepts it.

const LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_LABEL = new RegExp(`^${LABEL}$`);
/** For the published JSON Schemas, which carry the pattern the problems below explain. */
export const DNS1123_SUBDOMAIN = new RegExp(`^${LABEL}(\\.${LABEL})*$`);
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** The value as JSON quotes it (a newline shows as \n), cut short: it goes into an error message. */
export function quoted(value: string): string {
  return JSON.stringify(value.length > 70 ? `${value.slice(0, 70)}...` : value);
}

export function dns1123LabelProblem(s: string): string | undefined {
  if (s.length > 63) return `${quoted(s)} is ${s.length} characters; a DNS-1123 label is at most 63`;
  if (DNS1123_LABEL.test(s)) return undefined;
  return (
    `${quoted(s)} is not a DNS-1123 label: use lower-case letters, digits and '-', starting and ending with a ` +
    "letter or digit, e.g. my-name"
  );
}

export function dns1035LabelProblem(s: string): string | undefined {
  if (s.length > 63) return `${quoted(s)} is ${s.length} characters; a DNS-1035 label is at most 63`;
  if (DNS1035_LABEL.test(s)) return undefined;
  return (
    `${quoted(s)} is not a DNS-1035 label: use lower-case letters, digits and '-', starting with a letter and ` +
    "ending with a letter or digit, e.g. my-service"
  );
}

/** The API server checks the whole name's shape and length, not each label's length. */
export function dns1123SubdomainProblem(s: string): string | undefined {
  if (s.length > 253) return `${quoted(s)} is ${s.length} characters; a DNS-1123 subdomain is at most 253`;
  if (DNS1123_SUBDOMAIN.test(s)) return undefined;
  return (
    `${quoted(s)} is not a DNS-1123 subdomain: use lower-case letters, digits, '-' and '.', each '.'-separated ` +
    "part starting and ending with a letter or digit, e.g. web-1.example"
  );
}

/** IANA_SVC_NAME (IsValidPortName): container port names and named targetPorts. */
export function portNameProblem(s: string): string | undefined {
  const why =
    s !== "" && !/^[-a-z0-9]+$/.test(s)
      ? "may hold only lower-case letters, digits and '-'"
      : s.length < 1 || s.length > 15
        ? `is ${s.length} characters; a port name is 1-15`
        : !/[a-z]/.test(s)
          ? "needs at least one letter"
          : s.startsWith("-") || s.endsWith("-")
            ? "must start and end with a letter or digit"
            : s.includes("--")
              ? "must not contain '--'"
              : undefined;
  return why === undefined
    ? undefined
    : `port name ${quoted(s)} ${why} (an IANA service name, e.g. http or metrics-8080)`;
}

/** A label key or annotation key: an optional DNS-1123 subdomain prefix and '/', then a name of at most 63. */
export function qualifiedNameProblem(s: string, what: string): string | undefined {
  const slash = s.indexOf("/");
  const [prefix, name] = slash < 0 ? [undefined, s] : [s.slice(0, slash), s.slice(slash + 1)];
  const valid = `a ${what} is [PREFIX/]NAME, e.g. app.kubernetes.io/name`;
  if (prefix !== undefined) {
    if (prefix === "") return `${what} ${quoted(s)} has an empty prefix before '/'; ${valid}`;
    const problem = dns1123SubdomainProblem(prefix);
    if (problem) return `${what} ${quoted(s)}: its prefix ${problem}`;
  }
  if (name.length === 0 || name.length > 63)
    return `${what} ${quoted(s)}: the name after the prefix is 1-63 characters; ${valid}`;
  if (!QUALIFIED_NAME.test(name)) {
    return (
      `${what} ${quoted(s)}: the name may hold letters, digits, '-', '_' and '.', starting and ending with a ` +
      `letter or digit; ${valid}`
    );
  }
  return undefined;
}

export function labelKeyProblem(s: string): string | undefined {
  return qualifiedNameProblem(s, "label key");
}

/** ValidateAnnotations checks the key lower-cased. */
export function annotationKeyProblem(s: string): string | undefined {
  return qualifiedNameProblem(s.toLowerCase(), "annotation key");
}

export function labelValueProblem(s: string): string | undefined {
  if (s.length > 63) return `label value ${quoted(s)} is ${s.length} characters; at most 63`;
  if (LABEL_VALUE.test(s)) return undefined;
  return (
    `label value ${quoted(s)} may hold letters, digits, '-', '_' and '.', starting and ending with a letter or ` +
    "digit (or be empty)"
  );
}
