/**
 * User templates with liquidjs, bounded so that no template can hang or flood the relay: a parse
 * limit (template length), a render-time limit, liquidjs's memory limit (ranges, string filters) and
 * an output limit enforced while rendering, `strictVariables` (a typo is an error with its line, not
 * an empty string), no file access (`include`/`render`/`layout` find nothing), own properties only.
 * Rendering never throws: a problem comes back as a value with the line and column.
 */
import { escapeMarkdown, utf8Length } from '@dingbot/sdk';
import { CaptureTag, Context, Liquid, LiquidError, type Template, toPromise, toValue } from 'liquidjs';
import type { Mentions } from '../model.js';
import type { PeopleConfig } from '../people/people.js';
import { alertDuration, formatDuration, type Locale, localTime, silenceUrl, toMillis } from './format.js';

/** Bounds on every user template. */
export interface TemplateLimits {
  /** Longest template source, in characters. @default 65536 */
  parseLimit: number;
  /** Render time of one message, in milliseconds (liquidjs `renderLimit`). @default 1000 */
  renderLimit: number;
  /** liquidjs `memoryLimit`: characters and array items the filters and ranges may allocate. @default 10_000_000 */
  memoryLimit: number;
  /** Largest output (and each `capture`), in UTF-8 bytes; DingTalk takes 20 000 per message. @default 20000 */
  outputLimit: number;
}

/** The default {@link TemplateLimits}. */
export const templateLimitDefaults: TemplateLimits = {
  parseLimit: 65_536,
  renderLimit: 1000,
  memoryLimit: 10_000_000,
  outputLimit: 20_000,
};

/** Why a template could not be used, and where. */
export interface TemplateProblem {
  /** What went wrong, e.g. `undefined variable: alert.lables`. */
  reason: string;
  /** 1-based line in the template. */
  line?: number;
  /** 1-based column in the template. */
  column?: number;
}

/** What the `local_time`, `duration`, `mention` and `silence_url` filters need to know. */
export interface TemplateHelpers {
  locale: Locale;
  timeZone: string;
  now: Date;
  /** Alertmanager's URL, for `silence_url`. */
  externalURL?: string;
  /** The `people:` map, so that `{{ "alice" | mention }}` writes alice's `@mobile`. */
  people?: PeopleConfig;
}

/** A template's output: the body, and the title when the template captured one. */
export interface TemplateOutput {
  body: string;
  /** Set by `{% capture title %}…{% endcapture %}`. */
  title?: string;
  /** Things that went wrong without stopping the render (an unknown person in `mention`). */
  warnings: string[];
}

const REGISTER = 'dingbot';

interface RenderState extends TemplateHelpers {
  warnings: string[];
  limit: number;
}

/** An output emitter that stops the render as soon as the output passes the limit. */
class BoundedEmitter {
  buffer = '';
  constructor(private readonly limit: number) {}
  write(html: unknown): void {
    this.buffer += stringify(html);
    // Characters never exceed bytes, so this cheap check is a safe early stop; bytes are checked after.
    if (this.buffer.length > this.limit) throw new Error(`output limit exceeded (${this.limit} bytes)`);
  }
}

function stringify(value: unknown): string {
  const v = toValue(value);
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.map(stringify).join('');
  return String(v);
}

/** `{% capture %}` writing through a bounded emitter, so a capture cannot grow without limit either. */
class BoundedCaptureTag extends CaptureTag {
  override *render(ctx: Context): Generator<unknown, void, string> {
    const state = ctx.getRegister(REGISTER) as RenderState;
    const emitter = new BoundedEmitter(state.limit);
    const html: string = yield this.liquid.renderer.renderTemplates(this.templates, ctx, emitter);
    ctx.bottom()[this.variable] = html;
  }
}

function stateOf(ctx: Context): RenderState {
  return ctx.getRegister(REGISTER) as RenderState;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringMap(value: unknown): Record<string, string> {
  if (!isRecord(value)) return {};
  return Object.fromEntries(
    Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
}

function mentionText(value: unknown, state: RenderState): string {
  if (isRecord(value)) {
    const ids = [
      ...(Array.isArray(value.mobiles) ? value.mobiles : []),
      ...(Array.isArray(value.userIds) ? value.userIds : []),
    ].filter((v): v is string => typeof v === 'string');
    return ids.map((id) => `@${id}`).join(' ');
  }
  const names = String(value ?? '')
    .split(/[\s,]+/)
    .filter(Boolean);
  const out: string[] = [];
  for (const name of names) {
    const person = state.people && Object.hasOwn(state.people, name) ? state.people[name] : undefined;
    if (person) out.push(...[...(person.mobiles ?? []), ...(person.userIds ?? [])].map((id) => `@${id}`));
    else if (/^\+?[0-9][0-9-]{4,19}$/.test(name)) out.push(`@${name}`);
    else state.warnings.push(`mention filter: no person "${name}" in people:`);
  }
  return out.join(' ');
}

/**
 * The liquid engine for user templates: one liquidjs instance with the relay's filters and limits,
 * and a cache of parsed templates.
 */
export class TemplateEngine {
  /** The limits in force. */
  readonly limits: TemplateLimits;
  private readonly liquid: Liquid;
  private readonly parsed = new Map<string, Template[]>();

  constructor(limits: Partial<TemplateLimits> = {}) {
    this.limits = { ...templateLimitDefaults, ...limits };
    this.liquid = new Liquid({
      strictVariables: true,
      strictFilters: true,
      // `{% if alert.annotations.runbook_url %}` and `| default:` work on absent keys; everything else is strict.
      lenientIf: true,
      ownPropertyOnly: true,
      // An in-memory, empty set of partials: include/render/layout can never read the disk.
      templates: {},
      parseLimit: this.limits.parseLimit,
      renderLimit: this.limits.renderLimit,
      memoryLimit: this.limits.memoryLimit,
    });
    this.liquid.registerTag('capture', BoundedCaptureTag);
    this.liquid.registerFilter(
      'local_time',
      function (this: { context: Context }, value: unknown, tz?: unknown) {
        const state = stateOf(this.context);
        return localTime(value as string, typeof tz === 'string' && tz ? tz : state.timeZone);
      },
    );
    this.liquid.registerFilter(
      'duration',
      function (this: { context: Context }, value: unknown, end?: unknown) {
        const state = stateOf(this.context);
        if (isRecord(value) && typeof value.startsAt === 'string') {
          const alert = {
            startsAt: value.startsAt,
            endsAt: typeof value.endsAt === 'string' ? value.endsAt : undefined,
            status: value.status === 'resolved' ? ('resolved' as const) : ('firing' as const),
          };
          return formatDuration(alertDuration(alert, state.now), state.locale);
        }
        if (typeof value === 'number' && end === undefined) return formatDuration(value, state.locale);
        const until = end === undefined || end === null ? state.now.getTime() : toMillis(end);
        return formatDuration(until - toMillis(value), state.locale);
      },
    );
    this.liquid.registerFilter('mention', function (this: { context: Context }, value: unknown) {
      return mentionText(value, stateOf(this.context));
    });
    this.liquid.registerFilter('silence_url', function (this: { context: Context }, value: unknown) {
      const state = stateOf(this.context);
      if (isRecord(value) && typeof value.silenceURL === 'string' && value.silenceURL)
        return value.silenceURL;
      const labels = isRecord(value) && isRecord(value.labels) ? stringMap(value.labels) : stringMap(value);
      return silenceUrl(state.externalURL ?? '', labels) ?? '';
    });
    this.liquid.registerFilter('escape_markdown', (value: unknown) => escapeMarkdown(stringify(value)));
  }

  /**
   * Parses a template, from the cache when it was parsed before.
   * @throws the liquidjs parse error; {@link check} and {@link render} turn it into a {@link TemplateProblem}.
   */
  private parse(source: string): Template[] {
    let templates = this.parsed.get(source);
    if (!templates) {
      templates = this.liquid.parse(source);
      if (this.parsed.size >= 256) this.parsed.delete(this.parsed.keys().next().value as string);
      this.parsed.set(source, templates);
    }
    return templates;
  }

  /**
   * Checks that a template parses (for config validation and `dingbot relay check`).
   * @returns the problem with its line and column, or `undefined` when it parses.
   */
  check(source: string): TemplateProblem | undefined {
    try {
      this.parse(source);
      return undefined;
    } catch (error) {
      return toProblem(error);
    }
  }

  /**
   * Renders a template with `scope` as its variables. Never throws.
   * @returns the output, or the problem (parse error, undefined variable, a limit) with its position.
   */
  async render(
    source: string,
    scope: Record<string, unknown>,
    helpers: TemplateHelpers,
  ): Promise<TemplateOutput | { problem: TemplateProblem }> {
    try {
      const templates = this.parse(source);
      const ctx = new Context(scope, this.liquid.options, {}, { liquid: this.liquid });
      const state: RenderState = { ...helpers, warnings: [], limit: this.limits.outputLimit };
      ctx.setRegister(REGISTER, state);
      const emitter = new BoundedEmitter(this.limits.outputLimit);
      const body = String(await toPromise(this.liquid.renderer.renderTemplates(templates, ctx, emitter)));
      const bytes = utf8Length(body);
      if (bytes > this.limits.outputLimit) {
        return { problem: { reason: `output limit exceeded (${bytes} > ${this.limits.outputLimit} bytes)` } };
      }
      const captured = ctx.bottom().title;
      const output: TemplateOutput = { body, warnings: [...new Set(state.warnings)] };
      if (typeof captured === 'string' && captured.trim() !== '') output.title = captured.trim();
      return output;
    } catch (error) {
      return { problem: toProblem(error) };
    }
  }
}

/** A liquidjs (or any) error as a {@link TemplateProblem}: message without liquidjs's position suffix, plus the position. */
export function toProblem(error: unknown): TemplateProblem {
  const message = error instanceof Error ? error.message : String(error);
  const reason = message.replace(/, line:\d+, col:\d+$/, '').split('\n')[0] ?? message;
  const problem: TemplateProblem = { reason };
  if (LiquidError.is(error)) {
    try {
      const [line, column] = error.token.getPosition();
      if (typeof line === 'number' && typeof column === 'number') {
        problem.line = line;
        problem.column = column;
      }
    } catch {
      // Some errors (a template too long to parse) have no token.
    }
  }
  if (problem.line === undefined) {
    const m = /line:(\d+), col:(\d+)/.exec(message);
    if (m) {
      problem.line = Number(m[1]);
      problem.column = Number(m[2]);
    }
  }
  return problem;
}

/** A one-line description of a problem: `line 2, column 6: undefined variable: alert.lables`. */
export function describeProblem(problem: TemplateProblem): string {
  return problem.line !== undefined
    ? `line ${problem.line}, column ${problem.column ?? 1}: ${problem.reason}`
    : problem.reason;
}

/** The `mentions` template variable: the people to @-mention and the text that pings them. */
export function mentionsVariable(m: Mentions): {
  mobiles: string[];
  userIds: string[];
  all: boolean;
  text: string;
} {
  return {
    mobiles: [...m.mobiles],
    userIds: [...m.userIds],
    all: m.all,
    text: [...m.mobiles, ...m.userIds].map((id) => `@${id}`).join(' '),
  };
}
