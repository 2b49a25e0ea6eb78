/**
 * Label matchers the way Alertmanager writes and applies them: `name="value"`, `name!="value"`,
 * `name=~"regex"`, `name!~"regex"`. Regexes are anchored at both ends, and a label that is absent
 * has the value `""` (so `env!="dev"` matches an alert without `env`).
 */

/** The four matcher operators. */
export type MatchOperator = '=' | '!=' | '=~' | '!~';

/** One parsed label matcher. */
export interface Matcher {
  name: string;
  op: MatchOperator;
  value: string;
  /** Whether the labels satisfy this matcher. */
  matches(labels: Readonly<Record<string, string>>): boolean;
  /** The matcher in Alertmanager's syntax, e.g. `severity=~"critical|page"`. */
  toString(): string;
}

/** A matcher or regex that cannot be used; `message` says why and how to write it. */
export class MatcherError extends Error {
  override name = 'MatcherError';
}

/**
 * Compiles a regex the way Alertmanager (Go's RE2) applies it: anchored, `^(?:…)$`. A leading `(?i)`,
 * which RE2 knows and JavaScript does not, becomes the `i` flag.
 * @throws {MatcherError} when JavaScript cannot compile it.
 */
export function anchoredRegex(source: string): RegExp {
  let flags = 'u';
  let body = source;
  const inline = /^\(\?([ims]+)\)/.exec(body);
  if (inline) {
    body = body.slice(inline[0].length);
    for (const f of new Set(inline[1])) flags += f;
  }
  try {
    return new RegExp(`^(?:${body})$`, flags);
  } catch (error) {
    throw new MatcherError(
      `invalid regular expression ${JSON.stringify(source)}: ${(error as Error).message}`,
    );
  }
}

/** Builds a matcher from its parts. @throws {MatcherError} for a bad regex. */
export function createMatcher(name: string, op: MatchOperator, value: string): Matcher {
  let test: (v: string) => boolean;
  if (op === '=~' || op === '!~') {
    const re = anchoredRegex(value);
    test = op === '=~' ? (v) => re.test(v) : (v) => !re.test(v);
  } else {
    test = op === '=' ? (v) => v === value : (v) => v !== value;
  }
  return {
    name,
    op,
    value,
    matches: (labels) => test(Object.hasOwn(labels, name) ? (labels[name] ?? '') : ''),
    toString: () => `${quoteName(name)}${op}${quoteValue(value)}`,
  };
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Parses one matcher in Alertmanager's syntax: a label name (bare, or double-quoted for other
 * characters), an operator, and a value (double-quoted with `\"`, `\\`, `\n` escapes, or bare).
 * Surrounding `{…}` is allowed around a single matcher.
 * @throws {MatcherError} saying what is wrong and showing the expected form.
 * @example parseMatcher('severity=~"critical|page"').matches({ severity: 'page' }) // true
 */
export function parseMatcher(input: string): Matcher {
  let s = input.trim();
  if (s.startsWith('{') && s.endsWith('}')) s = s.slice(1, -1).trim();
  const example = 'write it like severity="critical", env!="dev", or instance=~"web-.*"';
  let name: string;
  let rest: string;
  if (s.startsWith('"')) {
    const q = readQuoted(s);
    if (!q)
      throw new MatcherError(`matcher ${JSON.stringify(input)}: unterminated quoted label name; ${example}`);
    name = q.value;
    rest = s.slice(q.end).trimStart();
  } else {
    const m = /^[^=!~\s"]*/.exec(s);
    name = m?.[0] ?? '';
    rest = s.slice(name.length).trimStart();
    if (name === '')
      throw new MatcherError(`matcher ${JSON.stringify(input)}: missing label name; ${example}`);
    if (!NAME.test(name)) {
      throw new MatcherError(
        `matcher ${JSON.stringify(input)}: label name ${JSON.stringify(name)} must match [A-Za-z_][A-Za-z0-9_]* (quote it otherwise); ${example}`,
      );
    }
  }
  const op = (['=~', '!~', '!=', '='] as const).find((o) => rest.startsWith(o));
  if (!op) {
    throw new MatcherError(
      `matcher ${JSON.stringify(input)}: expected one of = != =~ !~ after ${JSON.stringify(name)}; ${example}`,
    );
  }
  let valuePart = rest.slice(op.length).trim();
  let value: string;
  if (valuePart.startsWith('"')) {
    const q = readQuoted(valuePart);
    if (!q) throw new MatcherError(`matcher ${JSON.stringify(input)}: unterminated quoted value; ${example}`);
    value = q.value;
    valuePart = valuePart.slice(q.end).trim();
    if (valuePart !== '') {
      throw new MatcherError(
        `matcher ${JSON.stringify(input)}: unexpected ${JSON.stringify(valuePart)} after the value (one matcher per list item); ${example}`,
      );
    }
  } else {
    if (/[",]/.test(valuePart)) {
      throw new MatcherError(
        `matcher ${JSON.stringify(input)}: quote a value with commas or quotes (one matcher per list item); ${example}`,
      );
    }
    value = valuePart;
  }
  return createMatcher(name, op, value);
}

/** Reads a double-quoted string with Go-style escapes from the start of `s`. */
function readQuoted(s: string): { value: string; end: number } | undefined {
  let value = '';
  for (let i = 1; i < s.length; i++) {
    const c = s[i]!;
    if (c === '"') return { value, end: i + 1 };
    if (c === '\\' && i + 1 < s.length) {
      const next = s[++i]!;
      value += next === 'n' ? '\n' : next === 't' ? '\t' : next;
    } else {
      value += c;
    }
  }
  return undefined;
}

function quoteName(name: string): string {
  return NAME.test(name) ? name : quoteValue(name);
}

/** A value in double quotes with `\`, `"` and line breaks escaped, as Alertmanager prints it. */
export function quoteValue(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}
