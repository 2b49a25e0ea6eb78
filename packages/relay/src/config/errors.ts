/** One problem in a config file: where it is, the key as written, and what to do. */
export interface ConfigProblem {
  /** The key path as written in the file, e.g. `robots.ops.secret` or `routes[2].match_re`. */
  path: string;
  /** 1-based; absent when the problem is about the whole file. */
  line?: number;
  column?: number;
  message: string;
}

/** A config file that cannot be used; `problems` lists each mistake with its line and column. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    /** The file as given (or `relay.yml`). */
    readonly source: string,
    readonly problems: ConfigProblem[],
  ) {
    super(
      `invalid relay config ${source}:\n` +
        problems
          .map(
            (p) =>
              `  ${source}${p.line === undefined ? '' : `:${p.line}:${p.column}`} ${p.path}: ${p.message}`,
          )
          .join('\n'),
    );
  }
}

/** Whether `value` is a {@link ConfigError}, across copies of the package. */
export function isConfigError(value: unknown): value is ConfigError {
  return (
    value instanceof Error && value.name === 'ConfigError' && Array.isArray((value as ConfigError).problems)
  );
}

/** `['robots', 'ops', 'secret']`, `['routes', 2]` → `robots.ops.secret`, `routes[2]` */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    out += typeof part === 'number' ? `[${part}]` : `${out ? '.' : ''}${String(part)}`;
  }
  return out || '(top level)';
}

/** Edit distance counting a swap of two neighbours as one edit (optimal string alignment), for "did you mean". */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest of `candidates` to `word` when it is close enough to be a typo, else undefined. */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  const lower = word.toLowerCase();
  for (const candidate of candidates) {
    const d = distance(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const allowed = Math.max(1, Math.floor(word.length / 3));
  return best !== undefined && bestDistance <= allowed ? best : undefined;
}
