import { sign } from '@dingbot/sdk';
import { parseCommand } from '../args.js';
import { loadConfig } from '../config-file.js';
import { CLIError, ConfigError, OptionValueError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import type { CommandContext } from '../run.js';

const OPTIONS = {
  secret: { type: 'string' },
  profile: { type: 'string' },
  timestamp: { type: 'string' },
  json: { type: 'boolean' },
} as const;

/**
 * `dingbot sign`: prints a timestamp and its URL-encoded sign, like the Python snippet of DingTalk's
 * guide. The secret itself is never printed.
 */
export default async function signCommand(args: string[], { out, env }: CommandContext): Promise<number> {
  const { values, positionals } = parseCommand('sign', args, OPTIONS);
  if (positionals.length > 0) {
    throw new CLIError(`sign: unexpected argument ${JSON.stringify(positionals[0])}`, { command: 'sign' });
  }
  out.addSecret(values.secret);
  const secret = values.secret ?? (await secretFromConfig(values.profile, env, out));
  out.addSecret(secret);
  let timestamp: number;
  if (values.timestamp === undefined) {
    timestamp = Date.now();
  } else {
    timestamp = Number(values.timestamp);
    if (!/^\d+$/.test(values.timestamp.trim()) || !Number.isSafeInteger(timestamp)) {
      throw new OptionValueError(
        `--timestamp ${JSON.stringify(values.timestamp)} is not a whole number of milliseconds`,
        {
          command: 'sign',
        },
      );
    }
    if (timestamp < 1e12) {
      out.err(
        'dingbot: warning: --timestamp looks like seconds; DingTalk wants milliseconds since the epoch.',
      );
    }
  }
  // Refused like `send` does: an unset variable ("$DINGTALK_SECRET") or a copy with a line break
  // would otherwise print a sign that DingTalk refuses, with exit code 0.
  if (secret.trim() === '') {
    throw new ConfigError('the secret is empty', {
      hint: 'Pass the robot\'s SEC… secret: --secret, DINGTALK_SECRET or a profile\'s "secret" (is the variable set?).',
    });
  }
  if (/\s/.test(secret)) {
    throw new ConfigError('the secret contains white space', {
      hint: 'Copy the secret again without spaces or line breaks.',
    });
  }
  if (!secret.startsWith('SEC')) {
    out.err("dingbot: warning: the secret does not start with SEC; DingTalk's robot secrets do.");
  }
  const signature = sign(secret, timestamp);
  if (out.json) out.printJson({ timestamp, sign: signature });
  else out.out(`${timestamp}\n${signature}`);
  return EXIT.OK;
}

async function secretFromConfig(
  profile: string | undefined,
  env: CommandContext['env'],
  out: CommandContext['out'],
): Promise<string> {
  if (profile === undefined && env.DINGTALK_SECRET) return env.DINGTALK_SECRET;
  const loaded = await loadConfig(env, (line) => out.err(line));
  const name = profile ?? loaded?.config.defaultProfile;
  const found =
    loaded && name !== undefined && Object.hasOwn(loaded.config.profiles, name)
      ? loaded.config.profiles[name]
      : undefined;
  if (profile !== undefined && !found) {
    throw new ConfigError(
      `no profile named ${JSON.stringify(profile)}${loaded ? ` in ${loaded.path}` : ' (there is no config file)'}`,
    );
  }
  if (found?.secret) return found.secret;
  throw new ConfigError('no secret to sign with', {
    hint: `Pass --secret <SEC…>, set DINGTALK_SECRET, or give ${found ? `profile "${name}"` : 'a profile'} a "secret".`,
  });
}
