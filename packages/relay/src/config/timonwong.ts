import { describeGoTemplate } from '../render/go-template.js';

/**
 * prometheus-webhook-dingtalk (timonwong) config files, used unchanged: each `targets:` entry becomes a
 * robot and a route of the same name, served at `POST /dingtalk/<target>/send` like the original.
 */

/** The templates prometheus-webhook-dingtalk ships; a message naming one of them gets the built-in template. */
const SHIPPED_TEMPLATES = new Set(['ding.link.title', 'ding.link.content', 'legacy.title', 'legacy.content']);
const TEMPLATE_CALL = /^\s*\{\{-?\s*template\s+"([^"]+)"\s+\.\s*-?\}\}\s*$/;

/** Whether a parsed YAML file is a prometheus-webhook-dingtalk config (it has `targets:`, no `robots:`). */
export function isTimonwongConfig(raw: object): raw is Record<string, unknown> {
  return 'targets' in raw && !('robots' in raw);
}

interface Problem {
  path: (string | number)[];
  message: string;
}

const TOP_KEYS = ['timeout', 'no_builtin_template', 'templates', 'default_message', 'targets'];
const TARGET_KEYS = ['url', 'secret', 'mention', 'message'];

/** Explains why a Go template cannot run here and what to use instead (relay-render's translation hints). */
export function goTemplateMessage(text: string): string {
  return `is a Go template: ${describeGoTemplate(text)}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A route of a converted file: the target's robot and its mentions. */
export interface TimonwongRoute {
  name: string;
  robot: string;
  /** `all`, and the target's own people entry (named after the target) for its mobiles. */
  mention?: string[];
}

/**
 * Turns a prometheus-webhook-dingtalk config into relay.yml's shape; problems name the file's own keys.
 * Go templates other than the shipped ones are refused (with the equivalent); `timeout` and
 * `templates` files only used by shipped names are ignored with a warning.
 */
export function convertTimonwong(raw: Record<string, unknown>): {
  config: Record<string, unknown>;
  problems: Problem[];
  warnings: string[];
} {
  const problems: Problem[] = [];
  const warnings: string[] = [];
  for (const key of Object.keys(raw)) {
    if (!TOP_KEYS.includes(key)) {
      problems.push({
        path: [key],
        message: `unknown key \`${key}\` in a prometheus-webhook-dingtalk config`,
      });
    }
  }
  const checkMessage = (value: unknown, path: (string | number)[]) => {
    if (value === undefined) return;
    if (!isRecord(value)) {
      problems.push({ path, message: 'expected `title:` and `text:`' });
      return;
    }
    for (const field of ['title', 'text']) {
      const text = value[field];
      if (text === undefined) continue;
      if (typeof text !== 'string') {
        problems.push({ path: [...path, field], message: 'expected a string' });
        continue;
      }
      const call = TEMPLATE_CALL.exec(text);
      if (!call || !SHIPPED_TEMPLATES.has(call[1]!)) {
        problems.push({ path: [...path, field], message: goTemplateMessage(text) });
      }
    }
  };
  checkMessage(raw['default_message'], ['default_message']);
  if (raw['templates'] !== undefined) {
    warnings.push(
      '`templates:` files are not read: the relay renders with its built-in templates (see `locale:`)',
    );
  }
  if (raw['timeout'] !== undefined) {
    warnings.push('`timeout:` is ignored: the relay answers at once and retries DingTalk on its own');
  }
  if (raw['no_builtin_template'] === true) {
    problems.push({
      path: ['no_builtin_template'],
      message: 'asks for Go templates written from scratch, which the relay does not run: remove it',
    });
  }

  const robots: Record<string, unknown> = {};
  const people: Record<string, { mobiles: string[] }> = {};
  const routes: TimonwongRoute[] = [];
  const targets = raw['targets'];
  if (!isRecord(targets) || Object.keys(targets).length === 0) {
    problems.push({ path: ['targets'], message: 'expected at least one target (name: { url: … })' });
  } else {
    for (const [name, target] of Object.entries(targets)) {
      if (!isRecord(target)) {
        problems.push({
          path: ['targets', name],
          message: 'expected `url:` (and optionally secret, mention)',
        });
        continue;
      }
      for (const key of Object.keys(target)) {
        if (!TARGET_KEYS.includes(key)) {
          problems.push({ path: ['targets', name, key], message: `unknown key \`${key}\` in a target` });
        }
      }
      checkMessage(target['message'], ['targets', name, 'message']);
      robots[name] = {
        webhook: target['url'],
        ...(target['secret'] === undefined ? {} : { secret: target['secret'] }),
      };
      const route: TimonwongRoute = { name, robot: name };
      const mention = target['mention'];
      if (mention !== undefined) {
        if (!isRecord(mention)) {
          problems.push({ path: ['targets', name, 'mention'], message: 'expected `all:` and/or `mobiles:`' });
        } else {
          const mobiles = mention['mobiles'];
          if (
            mobiles !== undefined &&
            !(Array.isArray(mobiles) && mobiles.every((m) => typeof m === 'string' || typeof m === 'number'))
          ) {
            problems.push({
              path: ['targets', name, 'mention', 'mobiles'],
              message: 'expected a list of mobiles',
            });
          }
          route.mention = [];
          if (mention['all'] === true) route.mention.push('all');
          if (Array.isArray(mobiles) && mobiles.length > 0) {
            people[name] = { mobiles: mobiles.map(String) };
            route.mention.push(name);
          }
        }
      }
      routes.push(route);
    }
  }
  // The original has no default: every request names its target. `/alertmanager` without a route
  // goes to the first target.
  const first = routes[0];
  const defaultRoute = first
    ? { name: 'default', robot: first.robot, ...(first.mention ? { mention: first.mention } : {}) }
    : undefined;
  return {
    config: { robots, routes, people, ...(defaultRoute ? { defaultRoute } : {}) },
    problems,
    warnings,
  };
}

/** Maps a path of the converted config back to the file's own keys (for error positions). */
export function timonwongPath(path: readonly PropertyKey[]): readonly PropertyKey[] {
  if (path[0] === 'robots' && path.length >= 2) {
    const rest = path.slice(2);
    if (rest[0] === 'webhook') return ['targets', path[1]!, 'url', ...rest.slice(1)];
    return ['targets', path[1]!, ...rest];
  }
  if (path[0] === 'people' && path.length >= 2) return ['targets', path[1]!, 'mention', ...path.slice(2)];
  return path;
}
