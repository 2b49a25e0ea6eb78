import { Robot } from '@dingbot/sdk';
import { parseCommand } from '../args.js';
import { type ConfigFile, configPath, loadConfig, type Profile, writeConfig } from '../config-file.js';
import { CLIError, ConfigError, OptionValueError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { readAll } from '../io.js';
import { promptSecret } from '../prompt.js';
import type { CommandContext } from '../run.js';
import { registerSecrets, robotOptionsError, type SettingNames, tokenOf } from '../target.js';

const OPTIONS = {
  json: { type: 'boolean' },
  webhook: { type: 'string' },
  token: { type: 'string' },
  'base-url': { type: 'string' },
  keyword: { type: 'string', multiple: true },
  default: { type: 'boolean' },
  force: { type: 'boolean' },
  'secret-stdin': { type: 'boolean' },
  'secret-env': { type: 'string' },
  'insecure-secret': { type: 'string' },
  'no-secret': { type: 'boolean' },
  // Refused with a pointer to the safe ways: a secret in a flag lands in shell history and `ps`.
  secret: { type: 'string' },
} as const;

const ADD_ONLY = [
  'webhook',
  'token',
  'base-url',
  'keyword',
  'default',
  'force',
  'secret-stdin',
  'secret-env',
  'insecure-secret',
  'no-secret',
  'secret',
] as const;

const ACTIONS = ['init', 'add', 'remove', 'list', 'path'] as const;
type Action = (typeof ACTIONS)[number];

/** A profile name: a word that needs no quoting in a shell. */
const PROFILE_NAME = /^[A-Za-z0-9][\w.-]*$/;

/**
 * `dingbot config init | add <name> | remove <name> | list | path`: creates and edits the config file
 * (always written with mode 0600) and shows its profiles without their secrets.
 */
export default async function config(args: string[], context: CommandContext): Promise<number> {
  const command = 'config';
  const { values, positionals } = parseCommand(command, args, OPTIONS);
  const [word, ...rest] = positionals;
  if (word === undefined || !(ACTIONS as readonly string[]).includes(word)) {
    throw new CLIError(
      word === undefined ? 'config: which action?' : `config: unknown action ${JSON.stringify(word)}`,
      { hint: `Actions: ${ACTIONS.join(', ')}. Run "dingbot config --help" for usage.`, command },
    );
  }
  const action = word as Action;
  if (action !== 'add') {
    const stray = ADD_ONLY.find((name) => values[name] !== undefined);
    if (stray) throw new CLIError(`--${stray} is an option of "config add" only`, { command });
  }
  const needsName = action === 'add' || action === 'remove';
  if (needsName && rest.length === 0) {
    throw new CLIError(`config ${action}: which profile? Give its name`, {
      hint: `e.g. dingbot config ${action} ops${action === 'add' ? ' --webhook <url>' : ''}`,
      command,
    });
  }
  const extra = needsName ? rest.slice(1) : rest;
  if (extra.length > 0) {
    throw new CLIError(`config ${action}: unexpected argument ${JSON.stringify(extra[0])}`, { command });
  }
  switch (action) {
    case 'path':
      return showPath(context);
    case 'list':
      return list(context);
    case 'init':
      return init(context);
    case 'add':
      return add(rest[0]!, values, context);
    case 'remove':
      return remove(rest[0]!, context);
  }
}

function showPath({ out, env }: CommandContext): number {
  const { path } = configPath(env);
  if (out.json) out.printJson({ path });
  else out.out(path);
  return EXIT.OK;
}

async function init({ out, env }: CommandContext): Promise<number> {
  const loaded = await loadConfig(env, (line) => out.err(line), { missingOk: true });
  if (loaded) {
    if (out.json) out.printJson({ path: loaded.path, created: false });
    else out.out(`${loaded.path} already exists (${Object.keys(loaded.config.profiles).length} profiles).`);
    return EXIT.OK;
  }
  const { path } = configPath(env);
  await writeConfig(path, { profiles: {} });
  if (out.json) out.printJson({ path, created: true });
  else {
    out.out(`created ${path} (mode 0600)`);
    out.out('Add a robot: dingbot config add <name> --webhook <url>   (asks for the secret)');
  }
  return EXIT.OK;
}

type ConfigValues = ReturnType<typeof parseCommand<typeof OPTIONS>>['values'];

async function add(name: string, values: ConfigValues, context: CommandContext): Promise<number> {
  const { out, env } = context;
  const command = 'config';
  if (!PROFILE_NAME.test(name)) {
    throw new OptionValueError(`config add: ${JSON.stringify(name)} is not a profile name`, {
      hint: 'Use letters, digits, ".", "_" and "-", starting with a letter or digit, e.g. ops or ci-prod.',
    });
  }
  if (values.secret !== undefined) {
    out.addSecret(values.secret);
    throw new CLIError(
      'config add does not take the secret as --secret: it would stay in your shell history',
      {
        hint: 'Type it at the prompt (on a terminal), pipe it with --secret-stdin, name a variable with --secret-env NAME, or, if you mean it, --insecure-secret <SEC…>.',
        command,
      },
    );
  }
  if (values.webhook === undefined && values.token === undefined) {
    throw new CLIError('config add: give the robot as --webhook <url> or --token <token>', { command });
  }
  if (values.webhook !== undefined && values.token !== undefined) {
    throw new CLIError('--webhook and --token are both given', {
      hint: 'Give one: the whole webhook URL, or the token alone (with --base-url for another host).',
      command,
    });
  }
  if (values['base-url'] !== undefined && values.webhook !== undefined) {
    throw new CLIError('--base-url applies to a token, but the robot is a whole webhook URL', {
      hint: 'Drop --base-url, or give the robot as --token <token> --base-url <url>.',
      command,
    });
  }
  out.addSecret(values.token);
  if (values.webhook) out.addSecret(tokenOf(values.webhook));
  const keywords = values.keyword ?? [];
  if (keywords.some((keyword) => keyword.trim() === '')) {
    throw new OptionValueError('--keyword is empty', { hint: 'Give it a value, or leave it out.' });
  }
  const { secret, from } = await readSecret(values, context);
  out.addSecret(secret);

  const loaded = await loadConfig(env, (line) => out.err(line), { missingOk: true });
  const path = loaded?.path ?? configPath(env).path;
  const file: ConfigFile = loaded?.config ?? { profiles: {} };
  if (Object.hasOwn(file.profiles, name) && !values.force) {
    throw new ConfigError(`profile ${JSON.stringify(name)} already exists in ${path}`, {
      hint: `Replace it with --force, or choose another name. "dingbot config list" shows the profiles.`,
    });
  }
  const profile: Profile = {};
  if (values.webhook !== undefined) profile.webhook = values.webhook;
  if (values.token !== undefined) profile.token = values.token;
  if (values['base-url'] !== undefined) profile.baseUrl = values['base-url'];
  if (secret !== undefined) profile.secret = secret;
  if (keywords.length > 0) profile.keywords = keywords;
  await checkWithSdk(profile, from);

  const profiles = { ...file.profiles, [name]: profile };
  const hasDefault = file.defaultProfile !== undefined || Object.hasOwn(file.profiles, 'default');
  const isDefault = values.default === true || !hasDefault;
  const next: ConfigFile = { profiles, defaultProfile: isDefault ? name : file.defaultProfile };
  const { previousMode } = await writeConfig(path, next);
  const shown = describeProfile(profile);
  if (out.json) {
    out.printJson({ path, added: name, default: isDefault, ...shown });
    return EXIT.OK;
  }
  const notes = [
    shown.signed ? 'signed' : 'unsigned',
    ...(keywords.length > 0 ? [`keywords: ${keywords.join(', ')}`] : []),
  ];
  out.out(`added profile "${name}"${isDefault ? ' (default)' : ''}: ${shown.robot}  ${notes.join('; ')}`);
  const tightened = previousMode !== undefined && (previousMode & 0o077) !== 0;
  out.out(
    `wrote ${path} (mode 0600${tightened ? `, was ${previousMode.toString(8).padStart(4, '0')}` : ''})`,
  );
  if (secret === undefined && !values['no-secret']) {
    out.err(
      'dingbot: note: no secret given, so the profile does not sign; if the robot uses 加签, add it again with --force and --secret-stdin or --secret-env NAME.',
    );
  }
  return EXIT.OK;
}

/** Where the secret came from, to name it in errors. */
type SecretSource = 'prompt' | 'stdin' | 'env' | 'flag' | 'none';

async function readSecret(
  values: ConfigValues,
  { io, out, env }: CommandContext,
): Promise<{ secret: string | undefined; from: { source: SecretSource; name: string } }> {
  const given = (['secret-stdin', 'secret-env', 'insecure-secret', 'no-secret'] as const).filter(
    (name) => values[name] !== undefined,
  );
  if (given.length > 1) {
    throw new CLIError(`--${given[0]} and --${given[1]} are both given`, {
      hint: 'Take the secret from one place: the prompt, --secret-stdin, --secret-env NAME, or none with --no-secret.',
      command: 'config',
    });
  }
  let secret: string | undefined;
  let from: { source: SecretSource; name: string };
  if (values['no-secret']) {
    return { secret: undefined, from: { source: 'none', name: '--no-secret' } };
  } else if (values['secret-stdin']) {
    // On a terminal "stdin" is the keyboard: ask without echo rather than read what the screen shows.
    secret = io.stdin.isTTY
      ? await promptSecret(io, 'Secret (SEC…): ')
      : (await readAll(io.stdin)).replace(/\r?\n$/, '');
    from = { source: 'stdin', name: 'the secret from stdin (--secret-stdin)' };
    if (secret === '')
      throw new OptionValueError('--secret-stdin: stdin is empty', {
        hint: 'Pipe the SEC… secret in, e.g. printf %s "$SECRET" | dingbot config add …',
      });
  } else if (values['secret-env'] !== undefined) {
    const name = values['secret-env'];
    secret = env[name];
    from = { source: 'env', name: `${name} (--secret-env)` };
    if (secret === undefined || secret === '') {
      throw new OptionValueError(
        `--secret-env ${name}: the variable ${secret === undefined ? 'is not set' : 'is empty'}`,
        {
          hint: `Export it first (export ${name}='SEC…'), or use --secret-stdin.`,
        },
      );
    }
  } else if (values['insecure-secret'] !== undefined) {
    secret = values['insecure-secret'];
    from = { source: 'flag', name: '--insecure-secret' };
  } else if (io.stdin.isTTY) {
    secret = await promptSecret(
      io,
      "Secret (SEC…, under 加签 in the robot's security settings; empty if it does not sign): ",
    );
    from = { source: 'prompt', name: 'the secret typed at the prompt' };
    if (secret === '') return { secret: undefined, from: { source: 'none', name: 'the prompt' } };
  } else {
    return { secret: undefined, from: { source: 'none', name: '' } };
  }
  out.addSecret(secret);
  return { secret, from };
}

/** Lets the SDK check the profile as `send` will use it, naming each setting as `config add` took it. */
async function checkWithSdk(profile: Profile, from: { name: string }): Promise<void> {
  const names: SettingNames = {
    webhook: { subject: '--webhook', word: '--webhook' },
    accessToken: { subject: '--token', word: '--token' },
    baseUrl: { subject: '--base-url', word: '--base-url' },
    secret: { subject: from.name, word: 'the secret' },
    keywords: { subject: '--keyword', word: '--keyword' },
  };
  try {
    const robot = new Robot({
      ...(profile.webhook !== undefined ? { webhook: profile.webhook } : {}),
      ...(profile.token !== undefined ? { accessToken: profile.token } : {}),
      ...(profile.baseUrl !== undefined ? { baseUrl: profile.baseUrl } : {}),
      ...(profile.secret !== undefined ? { secret: profile.secret } : {}),
      keywords: profile.keywords ?? [],
    });
    await robot.close();
  } catch (error) {
    throw robotOptionsError(error, names);
  }
}

async function remove(name: string, { out, env }: CommandContext): Promise<number> {
  const loaded = await loadConfig(env, (line) => out.err(line));
  const names = Object.keys(loaded?.config.profiles ?? {});
  if (!loaded || !names.includes(name)) {
    throw new ConfigError(
      `no profile named ${JSON.stringify(name)}${loaded ? ` in ${loaded.path}` : ' (there is no config file)'}`,
      { hint: names.length > 0 ? `Profiles: ${names.join(', ')}.` : 'There are no profiles.' },
    );
  }
  registerProfiles(loaded.config, out);
  const { [name]: _removed, ...profiles } = loaded.config.profiles;
  const wasDefault = loaded.config.defaultProfile === name;
  await writeConfig(loaded.path, {
    profiles,
    defaultProfile: wasDefault ? undefined : loaded.config.defaultProfile,
  });
  if (out.json) out.printJson({ path: loaded.path, removed: name });
  else {
    out.out(`removed profile "${name}" from ${loaded.path}`);
    if (wasDefault && Object.keys(profiles).length > 0) {
      out.err(
        `dingbot: note: "${name}" was the default profile; there is none now (config add <name> --default …).`,
      );
    }
  }
  return EXIT.OK;
}

async function list({ out, env }: CommandContext): Promise<number> {
  const loaded = await loadConfig(env, (line) => out.err(line));
  if (loaded) registerProfiles(loaded.config, out);
  const profiles = Object.entries(loaded?.config.profiles ?? {}).map(([name, profile]) => ({
    name,
    default: name === loaded?.config.defaultProfile,
    ...describeProfile(profile),
    keywords: profile.keywords ?? [],
  }));
  const path = loaded?.path ?? configPath(env).path;
  if (out.json) {
    out.printJson({ path, exists: loaded !== undefined, profiles });
    return EXIT.OK;
  }
  if (!loaded) {
    out.out(
      `No config file at ${path} ("dingbot config init" creates it, "dingbot config add" adds a robot).`,
    );
    return EXIT.OK;
  }
  out.out(`${path}:`);
  if (profiles.length === 0) out.out('  (no profiles)');
  const width = Math.max(0, ...profiles.map((p) => p.name.length + (p.default ? 10 : 0)));
  for (const p of profiles) {
    const notes = [
      p.signed ? 'signed' : 'unsigned',
      p.keywords.length > 0 ? `keywords: ${p.keywords.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join('; ');
    out.out(`  ${`${p.name}${p.default ? ' (default)' : ''}`.padEnd(width)}  ${p.robot}  ${notes}`);
  }
  return EXIT.OK;
}

function registerProfiles(file: ConfigFile, out: CommandContext['out']): void {
  for (const profile of Object.values(file.profiles)) {
    registerSecrets({ webhook: profile.webhook, accessToken: profile.token, secret: profile.secret }, out);
  }
}

/**
 * How a profile is shown: its URL with the token cut to its last 4 characters (enough to tell robots
 * apart, too little to post), and whether it signs. Never the secret.
 */
function describeProfile(profile: Profile): { robot: string; tokenEnd: string; signed: boolean } {
  const token = profile.token ?? (profile.webhook ? tokenOf(profile.webhook) : undefined) ?? '';
  const tokenEnd = token.length > 8 ? `…${token.slice(-4)}` : '…';
  let robot: string;
  if (profile.webhook !== undefined) {
    robot = profile.webhook.replace(/([?&]access_token=)[^&#\s]*/, `$1${tokenEnd}`);
    // Anything else secret-looking in the URL (timestamp, sign) goes too.
    robot = robot.replace(/([?&](?:sign|timestamp)=)[^&#\s]*/g, '$1[REDACTED]');
  } else {
    robot = `${(profile.baseUrl ?? 'https://oapi.dingtalk.com').replace(/\/+$/, '')}/robot/send?access_token=${tokenEnd}`;
  }
  return { robot, tokenEnd, signed: profile.secret !== undefined };
}
