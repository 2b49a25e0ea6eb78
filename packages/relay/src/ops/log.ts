import { pino } from 'pino';
import type { Logger } from '../sender/sender.js';

/** Log fields that may hold secrets: censored wherever they appear. */
export const REDACTED_PATHS = [
  'secret',
  '*.secret',
  'token',
  '*.token',
  'webhook',
  '*.webhook',
  'url',
  '*.url',
  'sign',
  '*.sign',
  'headers.authorization',
  'headers["x-gitlab-token"]',
  'headers["x-hub-signature-256"]',
  'headers["x-grafana-alerting-signature"]',
  'authorization',
  '*.authorization',
  'password',
  '*.password',
  'bearer',
  '*.bearer',
];

/** Removes access tokens, signs and timestamps from any URL in a string. */
export function redactText(text: string): string {
  return text.replace(/([?&](?:access_token|sign|timestamp)=)[^&\s"']+/gi, '$1[REDACTED]');
}

/**
 * The relay's logger: pino JSON on stderr, with tokens, secrets, signs and auth headers redacted by
 * key and access tokens removed from URLs in messages.
 */
export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const logger = pino(
    {
      name: 'dingbot-relay',
      level: options.level ?? process.env['LOG_LEVEL'] ?? 'info',
      redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
      hooks: {
        logMethod(args, method) {
          method.apply(
            this,
            args.map((arg) => (typeof arg === 'string' ? redactText(arg) : arg)) as Parameters<typeof method>,
          );
        },
      },
    },
    (options.destination as pino.DestinationStream | undefined) ?? pino.destination(2),
  );
  return logger;
}
