import { parseCommand } from '../args.js';
import { configPath, loadConfig } from '../config-file.js';
import { CLIError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import type { CommandContext } from '../run.js';
import { registerSecrets } from '../target.js';

const OPTIONS = { json: { type: 'boolean' } } as const;

/** `dingbot config list|path`: shows the config file's profiles with tokens and secrets masked. */
export default async function config(args: string[], { out, env }: CommandContext): Promise<number> {
  const { positionals } = parseCommand('config', args, OPTIONS);
  const [action, ...rest] = positionals;
  if (rest.length > 0)
    throw new CLIError(`config: unexpected argument ${JSON.stringify(rest[0])}`, { command: 'config' });
  if (action === 'path') {
    const { path } = configPath(env);
    if (out.json) out.printJson({ path });
    else out.out(path);
    return EXIT.OK;
  }
  if (action !== 'list') {
    throw new CLIError(
      action === undefined ? 'config: list or path?' : `config: unknown action ${JSON.stringify(action)}`,
      {
        command: 'config',
      },
    );
  }
  const loaded = await loadConfig(env, (line) => out.err(line));
  const { redactUrl } = await import('@dingbot/sdk');
  const profiles = Object.entries(loaded?.config.profiles ?? {}).map(([name, profile]) => {
    registerSecrets({ webhook: profile.webhook, accessToken: profile.token, secret: profile.secret }, out);
    return {
      name,
      default: name === loaded?.config.defaultProfile,
      robot:
        profile.webhook !== undefined
          ? redactUrl(profile.webhook)
          : `${profile.baseUrl ?? 'https://oapi.dingtalk.com'}/robot/send?access_token=[REDACTED]`,
      signed: profile.secret !== undefined,
      keywords: profile.keywords ?? [],
    };
  });
  const path = loaded?.path ?? configPath(env).path;
  if (out.json) {
    out.printJson({ path, exists: loaded !== undefined, profiles });
    return EXIT.OK;
  }
  if (!loaded) {
    out.out(`No config file at ${path} ("dingbot config --help" shows its shape).`);
    return EXIT.OK;
  }
  out.out(`${path}:`);
  if (profiles.length === 0) out.out('  (no profiles)');
  for (const p of profiles) {
    const notes = [
      p.signed ? 'signed' : 'unsigned',
      p.keywords.length > 0 ? `keywords: ${p.keywords.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join('; ');
    out.out(`  ${p.name}${p.default ? ' (default)' : ''}  ${p.robot}  ${notes}`);
  }
  return EXIT.OK;
}
