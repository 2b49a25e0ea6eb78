import type { RobotOptions } from '@dingbot/sdk';
import { closest } from './args.js';
import { OptionValueError } from './errors.js';
import type { CliIO } from './io.js';

/** The languages of the texts dingbot writes into messages (digest headings, part labels). */
export const LOCALES = ['zh-CN', 'en'] as const;

/** One of {@link LOCALES}. */
export type Locale = (typeof LOCALES)[number];

/**
 * The locale from `--locale`, else `DINGBOT_LOCALE`; `undefined` leaves the SDK's default. A value that
 * is not a locale is refused, naming where it came from.
 * @example resolveLocale(undefined, { DINGBOT_LOCALE: 'zh-CN' }) // 'zh-CN'
 */
export function resolveLocale(flag: string | undefined, env: CliIO['env']): Locale | undefined {
  const [value, source] =
    flag !== undefined ? [flag, '--locale'] : [env.DINGBOT_LOCALE || undefined, 'DINGBOT_LOCALE'];
  if (value === undefined) return undefined;
  if ((LOCALES as readonly string[]).includes(value)) return value as Locale;
  const spelled = LOCALES.find((locale) => locale.toLowerCase() === value.toLowerCase().replace('_', '-'));
  const guess = spelled ?? (/^zh|^cn$/i.test(value) ? 'zh-CN' : closest(value, LOCALES));
  throw new OptionValueError(`${source} ${JSON.stringify(value)} is not a locale dingbot knows`, {
    hint: `${guess ? `Did you mean ${guess}? ` : ''}Use ${LOCALES.join(' or ')}.`,
  });
}

/** The Robot options with `locale` added when one was given. */
export function withLocale(options: RobotOptions, locale: Locale | undefined): RobotOptions {
  return locale === undefined ? options : { ...options, locale };
}
