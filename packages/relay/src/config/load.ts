import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isMap, LineCounter, type Node, parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type ConfigProblem, didYouMean, formatPath } from './errors.js';
import { type RelayFileConfig, relayConfigSchema } from './schema.js';
import { convertTimonwong, isTimonwongConfig, timonwongPath } from './timonwong.js';
import type { ResolveContext } from './values.js';

/** What {@link loadConfig} and {@link parseConfig} return. */
export interface LoadedConfig {
  config: RelayFileConfig;
  /** `'relay'` for relay.yml, `'prometheus-webhook-dingtalk'` for its config file used unchanged. */
  format: 'relay' | 'prometheus-webhook-dingtalk';
  /** Things that work but deserve a look (ignored settings of a prometheus-webhook-dingtalk file). */
  warnings: string[];
  /** The file as given. */
  source: string;
}

/** Options of {@link parseConfig}. */
export interface ParseConfigOptions {
  /** For error messages. @default 'relay.yml' */
  source?: string;
  /** `${NAME}` references read this. @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /** Relative `file:` secrets and the SQLite path are resolved from here. @default process.cwd() */
  baseDir?: string;
}

/** Known keys per place in the file (`*` = any name, `[]` = any item), for "did you mean". */
const KNOWN_KEYS: Record<string, string[]> = {
  '': [
    'listen',
    'outbox',
    'robots',
    'routes',
    'defaultRoute',
    'people',
    'mentions',
    'templates',
    'inputs',
    'dedupe',
    'limits',
    'timeZone',
    'locale',
  ],
  listen: ['host', 'port'],
  outbox: ['sqlite', 'redis'],
  'outbox.sqlite': ['path'],
  'outbox.redis': ['url', 'keyPrefix', 'replica', 'lease', 'waitReplicas', 'waitTimeout', 'keepDelivered'],
  'robots.*': ['webhook', 'token', 'baseUrl', 'secret', 'keywords', 'webhooks', 'rateLimit', 'penalty'],
  'robots.*.webhooks[]': ['webhook', 'token', 'baseUrl', 'secret'],
  'robots.*.rateLimit': ['limit', 'window'],
  'robots.*.secret': ['file'],
  inputs: ['alertmanager', 'grafana', 'dingtalk', 'hooks'],
  'inputs.alertmanager': ['auth'],
  'inputs.dingtalk': ['auth'],
  'inputs.grafana': ['auth', 'hmacSecret', 'timestampHeader'],
  'inputs.hooks.*': ['route', 'robot', 'template', 'auth', 'github', 'gitlab', 'idempotencyHeader'],
  auth: ['bearer', 'basic'],
  'auth.basic': ['username', 'password'],
  dedupe: ['window'],
  'routes[]': [
    'name',
    'robot',
    'template',
    'type',
    'mention',
    'locale',
    'timeZone',
    'match',
    'match_re',
    'matchers',
    'continue',
  ],
  defaultRoute: ['name', 'robot', 'template', 'type', 'mention', 'locale', 'timeZone'],
  'people.*': ['mobiles', 'userIds'],
  mentions: ['labels', 'schedule'],
  templates: ['limits'],
  'templates.limits': ['parseLimit', 'renderLimit', 'memoryLimit', 'outputLimit'],
  limits: ['bodyBytes'],
};

function knownKeysAt(path: readonly PropertyKey[]): string[] | undefined {
  const generic = path.map((part, i) =>
    typeof part === 'number'
      ? '[]'
      : path[i - 1] === 'robots' || path[i - 1] === 'hooks'
        ? '*'
        : String(part),
  );
  const key = generic.join('.').replaceAll('.[]', '[]');
  if (KNOWN_KEYS[key]) return KNOWN_KEYS[key];
  const authAt = generic.lastIndexOf('auth');
  if (authAt >= 0) return KNOWN_KEYS[['auth', ...generic.slice(authAt + 1)].join('.')];
  return undefined;
}

/** Reads and validates a config file (relay.yml or a prometheus-webhook-dingtalk config). */
export function loadConfig(path: string, options: Omit<ParseConfigOptions, 'source'> = {}): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'unreadable';
    throw new ConfigError(path, [
      { path: '(file)', message: `cannot read it (${code}): check the path given to --config` },
    ]);
  }
  return parseConfig(text, { baseDir: dirname(resolve(path)), ...options, source: path });
}

/** Validates config text; throws a {@link ConfigError} listing every problem with line and column. */
export function parseConfig(text: string, options: ParseConfigOptions = {}): LoadedConfig {
  const source = options.source ?? 'relay.yml';
  const context: ResolveContext = {
    env: options.env ?? process.env,
    baseDir: options.baseDir ?? process.cwd(),
  };
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const position = (offset: number) => {
    const { line, col } = lines.linePos(offset);
    return { line, column: col };
  };
  if (doc.errors.length) {
    throw new ConfigError(
      source,
      doc.errors.map((error) => ({
        path: '(yaml)',
        ...position(error.pos[0]),
        message: error.message.split('\n')[0]!,
      })),
    );
  }
  const raw = doc.toJS({ maxAliasCount: 100 }) ?? {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(source, [
      { path: '(top level)', line: 1, column: 1, message: 'must be a mapping (key: value lines)' },
    ]);
  }
  const locate = (path: readonly PropertyKey[], keyOf?: string): { line?: number; column?: number } => {
    let node = doc.getIn(path as unknown[], true) as Node | undefined;
    if (keyOf !== undefined && isMap(node)) {
      const pair = node.items.find((item) => (item.key as { value?: unknown })?.value === keyOf);
      node = (pair?.key as Node | undefined) ?? node;
    }
    // Walk up to the nearest part of the path that exists (a missing key: point at its parent).
    for (let cut = path.length; !node?.range && cut > 0; cut--) {
      node = doc.getIn(path.slice(0, cut - 1) as unknown[], true) as Node | undefined;
    }
    return node?.range ? position(node.range[0]) : {};
  };

  const warnings: string[] = [];
  let input: unknown = raw;
  let format: LoadedConfig['format'] = 'relay';
  let mapPath = (path: readonly PropertyKey[]) => path;
  if (isTimonwongConfig(raw)) {
    format = 'prometheus-webhook-dingtalk';
    const converted = convertTimonwong(raw);
    if (converted.problems.length) {
      throw new ConfigError(
        source,
        converted.problems.map((p) => ({ path: formatPath(p.path), ...locate(p.path), message: p.message })),
      );
    }
    warnings.push(...converted.warnings);
    input = converted.config;
    mapPath = timonwongPath;
  }

  const result = relayConfigSchema(context).safeParse(input, { reportInput: true });
  if (!result.success) {
    const problems = result.error.issues.flatMap((issue) => describeIssue(issue, [], mapPath, locate));
    throw new ConfigError(source, dedupeProblems(problems));
  }
  const config = result.data;
  if (config.outbox.sqlite) config.outbox.sqlite.path = resolve(context.baseDir, config.outbox.sqlite.path);
  return { config, format, warnings, source };
}

function dedupeProblems(problems: ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}|${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

type Locate = (path: readonly PropertyKey[], keyOf?: string) => { line?: number; column?: number };

function describeIssue(
  issue: z.core.$ZodIssue,
  prefix: readonly PropertyKey[],
  mapPath: (path: readonly PropertyKey[]) => readonly PropertyKey[],
  locate: Locate,
): ConfigProblem[] {
  const path = mapPath([...prefix, ...issue.path]);
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt([...prefix, ...issue.path]);
    return issue.keys.map((key) => {
      const guess = known ? didYouMean(key, known) : undefined;
      const hint = guess
        ? `did you mean \`${guess}\`?`
        : known
          ? `expected one of: ${known.join(', ')}`
          : 'remove it';
      return {
        path: formatPath([...path, key]),
        ...locate(path, key),
        message: `unknown key \`${key}\`: ${hint}`,
      };
    });
  }
  if (issue.code === 'invalid_union' && issue.input === undefined) {
    return [{ path: formatPath(path), ...locate(path), message: 'is required' }];
  }
  if (issue.code === 'invalid_union') {
    // Report the branch that got furthest: it is the one the writer meant.
    const branches = issue.errors.filter((branch) => branch.length > 0);
    const depth = (branch: z.core.$ZodIssue[]) => Math.max(...branch.map((i) => i.path.length));
    const deepest = branches.reduce<z.core.$ZodIssue[] | undefined>(
      (best, branch) => (best === undefined || depth(branch) > depth(best) ? branch : best),
      undefined,
    );
    if (deepest && depth(deepest) > 0) {
      return deepest.flatMap((inner) => describeIssue(inner, [...prefix, ...issue.path], mapPath, locate));
    }
    const custom = branches.flat().find((inner) => inner.code === 'custom');
    if (custom) return [{ path: formatPath(path), ...locate(path), message: custom.message }];
    return [{ path: formatPath(path), ...locate(path), message: unionExpectation(path) }];
  }
  let message = issue.message;
  if (issue.code === 'invalid_type' && issue.input === undefined) message = 'is required';
  else if (issue.code === 'invalid_type')
    message = `expected ${issue.expected}, got ${typeName(issue.input)}`;
  return [{ path: formatPath(path), ...locate(path), message }];
}

function unionExpectation(path: readonly PropertyKey[]): string {
  const last = String(path.at(-1) ?? '');
  if (last === 'auth') return 'expected `bearer: <token>` or `basic: { username, password }`';
  if (last === 'rateLimit') return 'expected `{ limit: 20, window: 60s }` or false';
  if (last === 'template') return 'expected a template string or `{ file: path }`';
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a ${ENV} reference as written in relay.yml
  return 'expected a string (`${ENV}` allowed) or `{ file: path }`';
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return typeof value;
}
