import { OptionValueError } from './errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000 };

/**
 * Parses a duration such as `500ms`, `30s`, `10m`, `1h30m` or `0` into milliseconds.
 * A bare number other than 0 is refused: `--wait 10` could mean seconds or minutes.
 */
export function parseDuration(input: string, option: string): number {
  const text = input.trim();
  if (text === '0') return 0;
  const part = /(\d+(?:\.\d+)?)(ms|min|s|m|h)/gy;
  let total = 0;
  let end = 0;
  for (let match = part.exec(text); match; match = part.exec(text)) {
    total += Number(match[1]) * UNIT_MS[match[2]!]!;
    end = part.lastIndex;
  }
  if (end === 0 || end !== text.length) {
    throw new OptionValueError(`${option} ${JSON.stringify(input)} is not a duration`, {
      hint: 'Write it with a unit, e.g. 500ms, 30s, 10m or 1h30m.',
    });
  }
  return Math.round(total);
}

/** Parses a rate such as `20/60s`, `20/1m` or `20/m` into `{ limit, windowMs }`. */
export function parseRate(input: string, option: string): { limit: number; windowMs: number } {
  const match = /^\s*(\d+)\s*\/\s*(.+?)\s*$/.exec(input);
  const limit = Number(match?.[1]);
  if (!match || !Number.isInteger(limit) || limit < 1) {
    throw new OptionValueError(`${option} ${JSON.stringify(input)} is not a rate`, {
      hint: 'Write messages per window, e.g. 20/60s (DingTalk), 5/10s or 100/m.',
    });
  }
  const window = match[2]!;
  const windowMs = parseDuration(/^(ms|min|s|m|h)$/.test(window) ? `1${window}` : window, option);
  if (windowMs <= 0) throw new OptionValueError(`${option}: the window must be longer than 0`);
  return { limit, windowMs };
}

/** Formats milliseconds for people: `9m58s`, `42s`, `1h05m`, `800ms`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const seconds = Math.round(ms / 1000);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(s).padStart(2, '0')}s`;
  return `${s}s`;
}
