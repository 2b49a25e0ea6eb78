/**
 * Rendering for `/hooks/<name>` inputs: any JSON (GitHub, GitLab, Jenkins, your own) through the
 * hook's liquid template. Signatures are checked by the server before this runs. When the template
 * fails, a built-in message listing the payload's fields is sent instead, and `fallback` says why.
 */
import type { Mentions } from '../model.js';
import type { PeopleConfig } from '../people/people.js';
import { DEFAULT_TIME_ZONE, type Locale, mdText } from '../render/format.js';
import {
  describeProblem,
  mentionsVariable,
  type TemplateLimits,
  type TemplateProblem,
} from '../render/liquid.js';
import { composeChecked, composeMessage, loadTemplate, type RenderResult } from '../render/renderer.js';
import { engineFor } from '../render/shared-engine.js';
import type { RouteConfig, TemplateRef } from '../routing/routes.js';

/** Options of {@link renderHook}. */
export interface HookRenderOptions {
  /** The hook's name (`/hooks/<name>`), the default title. */
  name: string;
  /** Language of the filters' words and the fallback. @default 'zh-CN' */
  locale?: Locale;
  /** IANA time zone for `local_time`. @default 'Asia/Shanghai' */
  timeZone?: string;
  /** Message type. @default 'markdown' */
  type?: RouteConfig['type'];
  /** Who to @-mention; written into the text so they ping. */
  mentions?: Mentions;
  /**
   * Request headers the template may read as `headers` (names lower-case), e.g. `x-github-event`.
   * Authorization, cookies and signature or token headers are never exposed.
   */
  headers?: Readonly<Record<string, string>>;
  /** Directory `{ file }` templates are relative to. @default process.cwd() */
  baseDir?: string;
  /** Limits on the template. */
  limits?: Partial<TemplateLimits>;
  /** The `people:` map, for the `mention` filter. */
  people?: PeopleConfig;
  /** The clock, for `duration`. @default () => new Date() */
  now?: () => Date;
}

const SECRET_HEADERS =
  /^(authorization|proxy-authorization|cookie|set-cookie|x-hub-signature(-256)?|x-gitlab-token|x-grafana-alerting-signature|x-api-key|x-auth-token|x-signature)$/i;

/** The headers a template may see: lower-case names, secrets left out. */
export function templateHeaders(headers: Readonly<Record<string, string>> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const key = name.toLowerCase();
    if (!SECRET_HEADERS.test(key) && !/secret|token|signature|password/.test(key)) out[key] = value;
  }
  return out;
}

/** A copy of JSON data as plain objects, so the template sees exactly the JSON and nothing inherited. */
function plain(value: unknown, depth = 0): unknown {
  if (depth > 64) return null;
  if (Array.isArray(value)) return value.map((v) => plain(v, depth + 1));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v, depth + 1)]));
  }
  return value === undefined ? null : value;
}

/**
 * Renders a hook's payload with its template. Template variables: `payload` (the JSON as posted),
 * `headers` (safe request headers, lower-case), `hook` (`{ name }`), `mentions`, `locale`, `timeZone`.
 * Never throws; a failing template falls back to a built-in listing of the payload, reported in `fallback`.
 * @example
 * const { message } = await renderHook('{% capture title %}{{ payload.repository.full_name }}{% endcapture %}…', body, { name: 'github', headers });
 */
export async function renderHook(
  template: TemplateRef,
  payload: unknown,
  options: HookRenderOptions,
): Promise<RenderResult> {
  const locale = options.locale ?? 'zh-CN';
  const timeZone = options.timeZone ?? DEFAULT_TIME_ZONE;
  const mentions = options.mentions ?? { mobiles: [], userIds: [], all: false };
  const warnings: string[] = [];
  const loaded = await loadTemplate(template, options.baseDir ?? process.cwd());
  let problem: TemplateProblem;
  if ('problem' in loaded) problem = loaded.problem;
  else {
    const scope = {
      payload: plain(payload),
      headers: templateHeaders(options.headers),
      hook: { name: options.name },
      mentions: mentionsVariable(mentions),
      locale,
      timeZone,
    };
    const helpers = {
      locale,
      timeZone,
      now: (options.now ?? (() => new Date()))(),
      ...(options.people ? { people: options.people } : {}),
    };
    const out = await engineFor(options.limits).render(loaded.source, scope, helpers);
    if ('problem' in out) problem = out.problem;
    else {
      const own: string[] = [];
      const made = composeChecked(
        options.type,
        { title: out.title ?? options.name, body: out.body.trim(), buttons: [] },
        mentions,
        own,
      );
      if ('message' in made) return { message: made.message, warnings: [...out.warnings, ...own] };
      problem = made.problem;
    }
  }
  const fallback: RenderResult['fallback'] = {
    reason: `template ${loaded.name === 'inline' ? '' : `"${loaded.name}" `}of hook "${options.name}": ${describeProblem(problem)}; sent with the built-in template`,
  };
  if (problem.line !== undefined) fallback.line = problem.line;
  if (problem.column !== undefined) fallback.column = problem.column;
  const type = options.type === 'text' ? 'text' : 'markdown';
  const builtin = hookFallbackParts(options.name, payload, type);
  return { message: composeMessage(type, builtin, mentions, warnings), warnings, fallback };
}

/** The built-in hook message: the hook's name and the payload's fields, two levels deep, at most 20. */
export function hookFallbackParts(
  name: string,
  payload: unknown,
  type: 'markdown' | 'text',
): { title: string; body: string; buttons: [] } {
  const fields: [string, string][] = [];
  const visit = (value: unknown, path: string, depth: number) => {
    if (fields.length >= 20) return;
    if (typeof value === 'object' && value !== null && depth < 2 && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) visit(v, path ? `${path}.${k}` : k, depth + 1);
      return;
    }
    let shown: string;
    if (Array.isArray(value)) shown = `[${value.length} items]`;
    else if (typeof value === 'object' && value !== null) shown = '{…}';
    else shown = String(value);
    fields.push([path || '(body)', shown.length > 200 ? `${shown.slice(0, 200)}…` : shown]);
  };
  visit(payload, '', 0);
  const title = `📨 ${name}`;
  if (type === 'text') {
    return { title, body: [title, ...fields.map(([k, v]) => `${k}: ${v}`)].join('\n'), buttons: [] };
  }
  const lines = fields.map(([k, v]) => `- **${mdText(k)}**: ${mdText(v.replace(/\s+/g, ' '))}`);
  return {
    title,
    body: [`### ${mdText(title)}`, lines.join('\n')].filter(Boolean).join('\n\n'),
    buttons: [],
  };
}
