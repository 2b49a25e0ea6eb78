/**
 * One {@link TemplateEngine} per set of limits, shared by every renderer and hook, so that parsed
 * templates are cached across messages and config reloads that keep the same limits.
 */
import { TemplateEngine, type TemplateLimits } from './liquid.js';

const engines = new Map<string, TemplateEngine>();

/** The shared engine for these limits (defaults filled in). */
export function engineFor(limits: Partial<TemplateLimits> = {}): TemplateEngine {
  const key = JSON.stringify(Object.entries(limits).sort(([a], [b]) => (a < b ? -1 : 1)));
  let engine = engines.get(key);
  if (!engine) {
    engine = new TemplateEngine(limits);
    if (engines.size >= 16) engines.delete(engines.keys().next().value as string);
    engines.set(key, engine);
  }
  return engine;
}
