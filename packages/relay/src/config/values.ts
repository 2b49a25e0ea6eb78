import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';

/** Where `${ENV}` references and `{ file: path }` secrets are resolved from. */
export interface ResolveContext {
  /** The environment `${NAME}` reads. */
  env: Readonly<Record<string, string | undefined>>;
  /** Relative `file:` paths are read from here (the config file's folder). */
  baseDir: string;
}

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `'90s'` → 90000; plain numbers are milliseconds. Returns undefined when it is not a duration. */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  const match = DURATION.exec(value.trim());
  if (!match) return undefined;
  return Math.round(Number(match[1]) * UNIT_MS[match[2]!]!);
}

/** A duration as written in the config: `500ms`, `30s`, `10m`, `1h`, `1d`, or milliseconds. */
export const durationSchema = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `${JSON.stringify(value)} is not a duration: write e.g. 30s, 10m, 1h (or milliseconds)`,
    });
    return z.NEVER;
  }
  return ms;
});

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * A string that may hold `${ENV}` references, resolved against the context's environment. Used for
 * every secret and for webhooks (their URLs carry the access token).
 */
export function interpolatedString(context: ResolveContext) {
  return z.string().transform((value, ctx) => {
    const missing: string[] = [];
    const out = value.replace(ENV_REF, (_, name: string) => {
      const found = context.env[name];
      if (found === undefined) missing.push(name);
      return found ?? '';
    });
    if (missing.length) {
      ctx.addIssue({
        code: 'custom',
        message: `the environment variable ${missing.join(', ')} is not set: export it or write the value in the file`,
      });
      return z.NEVER;
    }
    return out;
  });
}

/**
 * A secret: a string (with `${ENV}` references) or `{ file: path }` whose trimmed content is the
 * secret. The value never appears in an error.
 */
export function secretSchema(context: ResolveContext) {
  return z.union([
    interpolatedString(context),
    z.strictObject({ file: z.string().min(1, 'must not be empty') }).transform((value, ctx) => {
      const path = isAbsolute(value.file) ? value.file : resolve(context.baseDir, value.file);
      try {
        const text = readFileSync(path, 'utf8').trim();
        if (text === '') {
          ctx.addIssue({ code: 'custom', message: `the file ${value.file} is empty` });
          return z.NEVER;
        }
        return text;
      } catch (error) {
        const code = (error as { code?: string }).code ?? 'unreadable';
        ctx.addIssue({ code: 'custom', message: `cannot read the file ${value.file} (${code})` });
        return z.NEVER;
      }
    }),
  ]);
}
