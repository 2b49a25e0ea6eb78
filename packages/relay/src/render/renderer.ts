/**
 * Turns a notification into the DingTalk message a route sends: the route's liquid template when it
 * has one (falling back to the built-in template, and saying so, when it fails), the built-in
 * template otherwise; as markdown, text or an action card; with the mentions written into the text
 * so that they ping.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import {
  actionCard,
  type ButtonInput,
  insertMentions,
  type Message,
  markdown,
  text,
  utf8Length,
  validateMessage,
} from '@dingbot/sdk';
import type { Alert, AlertNotification, Mentions } from '../model.js';
import type { PeopleConfig } from '../people/people.js';
import { isTimeZone, type RouteConfig, type TemplateRef } from '../routing/routes.js';
import { buildAlertMessage } from './builtin.js';
import { DEFAULT_TIME_ZONE, type Locale, silenceUrl } from './format.js';
import {
  describeProblem,
  mentionsVariable,
  type TemplateEngine,
  type TemplateLimits,
  type TemplateProblem,
} from './liquid.js';
import { engineFor } from './shared-engine.js';

/** What {@link Renderer.renderAlerts} produces. */
export interface RenderResult {
  /** The message to put in the outbox. */
  message: Message;
  /** What went wrong without stopping the message (mentions an action card cannot carry…). */
  warnings: string[];
  /** Set when the route's template failed and the built-in one was used instead. */
  fallback?: {
    /** Why, e.g. `template "oncall.liquid": line 3, column 9: undefined variable: alert.lables`. */
    reason: string;
    /** 1-based line of the template where it failed, when known. */
    line?: number;
    /** 1-based column, when known. */
    column?: number;
  };
}

/** Where templates come from and how far they may go. */
export interface TemplateOptions {
  /** Directory that `template: { file: … }` paths are relative to (the config file's). @default process.cwd() */
  baseDir?: string;
  /** Limits on every user template. */
  limits?: Partial<TemplateLimits>;
}

/** Options of {@link createRenderer}. */
export interface RendererOptions {
  /** Language of the built-in templates (a route's `locale` wins). */
  locale: Locale;
  /** IANA time zone for times in messages (a route's `timeZone` wins). @example 'Asia/Shanghai' */
  timeZone: string;
  /** User template settings. */
  templates?: TemplateOptions;
  /** The `people:` map, for the `mention` filter. */
  people?: PeopleConfig;
  /** The clock, for durations ("for 5 min"). @default () => new Date() */
  now?: () => Date;
}

/** Renders notifications for routes. */
export interface Renderer {
  /**
   * Renders one notification for one route with the mentions already resolved. Never throws: a
   * failing template falls back to the built-in one, reported in `fallback`.
   */
  renderAlerts(n: AlertNotification, route: RouteConfig, mentions: Mentions): Promise<RenderResult>;
}

/** Alert fields as template variables: every field present (`null` when absent), for `strictVariables`. */
function alertVariable(n: AlertNotification, a: Alert): Record<string, unknown> {
  return {
    status: a.status,
    labels: { ...a.labels },
    annotations: { ...a.annotations },
    startsAt: a.startsAt,
    endsAt: a.endsAt ?? null,
    generatorURL: a.generatorURL ?? null,
    fingerprint: a.fingerprint ?? null,
    silenceURL:
      a.silenceURL ?? (n.source === 'alertmanager' ? (silenceUrl(n.externalURL, a.labels) ?? null) : null),
    dashboardURL: a.dashboardURL ?? null,
    panelURL: a.panelURL ?? null,
    values: a.values ? { ...a.values } : null,
  };
}

/**
 * The variables of an alert template (documented in the README's Templates section).
 * @example await engine.render(source, alertTemplateScope(n, route, mentions, 'en', 'UTC'), helpers)
 */
export function alertTemplateScope(
  n: AlertNotification,
  route: RouteConfig,
  mentions: Mentions,
  locale: Locale,
  timeZone: string,
): Record<string, unknown> {
  const alerts = n.alerts.map((a) => alertVariable(n, a));
  return {
    source: n.source,
    receiver: n.receiver,
    status: n.status,
    groupKey: n.groupKey,
    groupLabels: { ...n.groupLabels },
    commonLabels: { ...n.commonLabels },
    commonAnnotations: { ...n.commonAnnotations },
    externalURL: n.externalURL,
    truncatedAlerts: n.truncatedAlerts,
    title: n.title ?? null,
    message: n.message ?? null,
    alerts,
    firing: alerts.filter((a) => a.status === 'firing'),
    resolved: alerts.filter((a) => a.status === 'resolved'),
    route: { name: route.name, robot: route.robot, type: route.type ?? 'markdown' },
    mentions: mentionsVariable(mentions),
    locale,
    timeZone,
  };
}

/** Reads a route's template: inline source as it is, `{ file }` from disk relative to `baseDir`. */
export async function loadTemplate(
  ref: TemplateRef,
  baseDir: string,
): Promise<{ source: string; name: string } | { problem: TemplateProblem; name: string }> {
  if (typeof ref === 'string') return { source: ref, name: 'inline' };
  const path = isAbsolute(ref.file) ? ref.file : resolve(baseDir, ref.file);
  try {
    return { source: await readFile(path, 'utf8'), name: ref.file };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    return { problem: { reason: `cannot read the template file ${path} (${code})` }, name: ref.file };
  }
}

/** The text that pings these mentions: `@138… @user…`. */
export function mentionLine(m: Mentions): string {
  return [...m.mobiles, ...m.userIds].map((id) => `@${id}`).join(' ');
}

/** Parts a message is built from, whatever wrote them. */
export interface MessageParts {
  title: string;
  /** Markdown (markdown and action card) or plain text (text). */
  body: string;
  buttons: ButtonInput[];
}

/**
 * Builds the SDK message of a route's type. Mentions are written into text and markdown (so they
 * ping) and set in `at`; an action card cannot mention anyone, which is a warning.
 */
export function composeMessage(
  type: RouteConfig['type'],
  parts: MessageParts,
  mentions: Mentions,
  warnings: string[],
): Message {
  const at = { mobiles: mentions.mobiles, userIds: mentions.userIds, all: mentions.all };
  const hasMentions = mentions.mobiles.length + mentions.userIds.length > 0 || mentions.all;
  if (type === 'actionCard') {
    if (hasMentions) {
      warnings.push(
        'an action card cannot @-mention anyone: use type markdown or text on this route to ping people',
      );
    }
    if (parts.buttons.length > 0) {
      return actionCard({
        title: parts.title,
        text: parts.body,
        buttons: parts.buttons,
        orientation: parts.buttons.length <= 3 ? 'horizontal' : 'vertical',
      });
    }
    warnings.push('no links for action card buttons (runbook, silence, dashboard): sent as markdown');
    type = 'markdown';
  }
  const line = mentionLine(mentions);
  if (type === 'text') {
    const content = line && !parts.body.includes(line) ? `${parts.body}\n${line}` : parts.body;
    return insertMentions(text(content, hasMentions ? { at } : {}));
  }
  const body = line && !parts.body.includes(line) ? `${parts.body}\n\n${line}` : parts.body;
  return insertMentions(markdown(parts.title, body, hasMentions ? { at } : {}));
}

/**
 * The message a template's output makes, or why it cannot be sent: nothing rendered, a field the
 * SDK's builders refuse (a blank title, say), DingTalk's shape or its 20 000 bytes.
 */
export function composeChecked(
  type: RouteConfig['type'],
  parts: { title: string; body: string; buttons: ButtonInput[] },
  mentions: Mentions,
  warnings: string[],
): { message: Message } | { problem: TemplateProblem } {
  if (parts.body.trim() === '') return { problem: { reason: 'the template rendered nothing' } };
  let message: Message;
  try {
    message = composeMessage(type, parts, mentions, warnings);
  } catch (error) {
    return { problem: { reason: `the template's message is not valid: ${(error as Error).message}` } };
  }
  const bad = checkMessage(message);
  return bad ? { problem: bad } : { message };
}

/** Checks a message a template produced: DingTalk's shape, not empty, not over 20 000 bytes. */
export function checkMessage(message: Message): TemplateProblem | undefined {
  try {
    validateMessage(message);
  } catch (error) {
    return { reason: `the template's message is not valid: ${(error as Error).message}` };
  }
  const bytes = utf8Length(JSON.stringify(message));
  if (bytes > 20_000) return { reason: `the message is ${bytes} bytes, over DingTalk's 20000` };
  return undefined;
}

/**
 * Creates the renderer of alert notifications.
 * @example
 * const renderer = createRenderer({ locale: 'zh-CN', timeZone: 'Asia/Shanghai', templates: { baseDir: dirname(configPath) } });
 * const { message, warnings, fallback } = await renderer.renderAlerts(notification, route, mentions);
 */
export function createRenderer(options: RendererOptions): Renderer {
  const now = options.now ?? (() => new Date());
  const engine: TemplateEngine = engineFor(options.templates?.limits);
  const baseDir = options.templates?.baseDir ?? process.cwd();
  return {
    async renderAlerts(n, route, mentions) {
      const locale = route.locale ?? options.locale;
      const warnings: string[] = [];
      let timeZone = route.timeZone ?? options.timeZone ?? DEFAULT_TIME_ZONE;
      if (!isTimeZone(timeZone)) {
        warnings.push(`unknown time zone "${timeZone}": times are shown in ${DEFAULT_TIME_ZONE}`);
        timeZone = DEFAULT_TIME_ZONE;
      }
      const at = now();
      const built = buildAlertMessage(n, { locale, timeZone, now: at });
      const builtin = (): Message =>
        composeMessage(
          route.type,
          {
            title: built.title,
            body:
              route.type === 'text' ? built.text : route.type === 'actionCard' ? built.card : built.markdown,
            buttons: built.buttons,
          },
          mentions,
          warnings,
        );
      if (route.template === undefined) return { message: builtin(), warnings };

      const loaded = await loadTemplate(route.template, baseDir);
      let problem: TemplateProblem;
      if ('problem' in loaded) problem = loaded.problem;
      else {
        const scope = alertTemplateScope(n, route, mentions, locale, timeZone);
        const helpers = { locale, timeZone, now: at, externalURL: n.externalURL, ...peopleOf(options) };
        const out = await engine.render(loaded.source, scope, helpers);
        if (!('problem' in out)) {
          const templateWarnings: string[] = [];
          const made = composeChecked(
            route.type,
            { title: out.title ?? built.title, body: out.body.trim(), buttons: built.buttons },
            mentions,
            templateWarnings,
          );
          if ('message' in made)
            return { message: made.message, warnings: [...out.warnings, ...templateWarnings] };
          problem = made.problem;
        } else problem = out.problem;
      }
      const fallback: RenderResult['fallback'] = {
        reason: `template ${loaded.name === 'inline' ? 'of route' : `"${loaded.name}" of route`} "${route.name}": ${describeProblem(problem)}; sent with the built-in template`,
      };
      if (problem.line !== undefined) fallback.line = problem.line;
      if (problem.column !== undefined) fallback.column = problem.column;
      return { message: builtin(), warnings, fallback };
    },
  };
}

function peopleOf(options: RendererOptions): { people?: PeopleConfig } {
  return options.people ? { people: options.people } : {};
}
