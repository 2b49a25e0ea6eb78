import { readFileSync } from 'node:fs';
// Static: this module itself loads only when `send` runs, and the bundle keeps only what it uses.
import { lintMarkdown, type Message, Robot, type RobotOptions, type SendResult } from '@dingbot/sdk';
import { closest, parseCommand, refuseOptions, type Values } from '../args.js';
import { parseDuration } from '../duration.js';
import { CLIError, HINT_OVERRIDES, OptionValueError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { oneShotFetch } from '../http-fetch.js';
import { fileProblem, TextInput } from '../input.js';
import { readAll } from '../io.js';
import { describeJsonError } from '../json-error.js';
import { resolveLocale, withLocale } from '../locale.js';
import { proxyFetch } from '../proxy.js';
import type { CommandContext } from '../run.js';
import { isSdkError } from '../sdk-error.js';
import {
  inUserWords,
  type ResolvedTarget,
  ROBOT_OPTIONS,
  resolveTarget,
  robotOptionsError,
  settingNames,
} from '../target.js';
import { deliver, type ProgressMode, type WaitPolicy } from '../throttle.js';
import { messageUuid } from '../uuid.js';

const OPTIONS = {
  ...ROBOT_OPTIONS,
  'at-mobile': { type: 'string', multiple: true },
  'at-user': { type: 'string', multiple: true },
  'at-all': { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  'msg-uuid': { type: 'string' },
  timeout: { type: 'string' },
  retries: { type: 'string' },
  wait: { type: 'string' },
  'no-wait': { type: 'boolean' },
  penalty: { type: 'string' },
  progress: { type: 'boolean' },
  'no-progress': { type: 'boolean' },
  payload: { type: 'string' },
  title: { type: 'string' },
  text: { type: 'string' },
  url: { type: 'string' },
  pic: { type: 'string' },
  'single-title': { type: 'string' },
  'single-url': { type: 'string' },
  button: { type: 'string', multiple: true },
  horizontal: { type: 'boolean' },
  'hide-avatar': { type: 'boolean' },
  item: { type: 'string', multiple: true },
  locale: { type: 'string' },
  file: { type: 'string' },
} as const;

type SendValues = Values<typeof OPTIONS>;

/** The options that belong to one message type; every other type refuses them. */
const TYPE_OPTIONS = {
  text: ['file'],
  markdown: ['title', 'file'],
  link: ['title', 'text', 'url', 'pic', 'file'],
  'action-card': [
    'title',
    'text',
    'single-title',
    'single-url',
    'button',
    'horizontal',
    'hide-avatar',
    'file',
  ],
  'feed-card': ['item'],
  payload: ['payload'],
} as const;
type Form = keyof typeof TYPE_OPTIONS;
const ALL_TYPE_OPTIONS = [...new Set(Object.values(TYPE_OPTIONS).flat())];

/** Default cap on waiting out DingTalk's throttling: a whole 10-minute penalty and a bit. */
const DEFAULT_WAIT_MS = 11 * 60_000;
/** How long DingTalk throttles a robot after it sent too fast. */
const DEFAULT_PENALTY_MS = 10 * 60_000;

/** `dingbot send <type> …`: builds, validates and sends one message; see `dingbot send --help`. */
export default async function send(args: string[], { io, out, env }: CommandContext): Promise<number> {
  const { values, positionals } = parseCommand('send', args, OPTIONS);
  const [first, ...rest] = positionals;
  const form: Form = values.payload !== undefined ? 'payload' : parseForm(first);
  const command = form === 'payload' ? 'send' : `send ${form}`;
  const words = form === 'payload' ? positionals : rest;
  refuseOptions(
    command,
    values,
    ALL_TYPE_OPTIONS.filter((name) => !(TYPE_OPTIONS[form] as readonly string[]).includes(name)),
  );
  const mentions = mentionsOf(values);
  if (mentions && form !== 'text' && form !== 'markdown' && form !== 'payload') {
    throw new CLIError(`${command}: a ${form} message cannot mention anyone`, {
      hint: 'Mentions (--at-mobile, --at-user, --at-all) work on text and markdown messages only.',
      command,
    });
  }
  if (values.wait !== undefined && values['no-wait']) {
    throw new CLIError('--wait and --no-wait are both given', { command });
  }
  const timeoutMs = values.timeout === undefined ? undefined : parseDuration(values.timeout, '--timeout');
  if (timeoutMs === 0) throw new OptionValueError('--timeout must be longer than 0', { command });
  const retries = values.retries === undefined ? undefined : parseCount(values.retries, '--retries', command);
  const wait: WaitPolicy = {
    maxWaitMs: values['no-wait']
      ? 0
      : values.wait === undefined
        ? DEFAULT_WAIT_MS
        : parseDuration(values.wait, '--wait'),
  };
  const locale = resolveLocale(values.locale, env);
  const penaltyMs =
    values.penalty === undefined ? DEFAULT_PENALTY_MS : parseDuration(values.penalty, '--penalty');

  // Mistakes in the command line first: a missing text is not a configuration problem.
  checkShape(form, words, values, command);
  // An empty value is usually an unset variable ("$MSG_ID"): say so rather than send it.
  for (const name of ['msg-uuid', 'keyword', 'at-mobile', 'at-user'] as const) {
    const given = values[name];
    if ((Array.isArray(given) ? given : [given]).some((value) => value?.trim() === '')) {
      throw new OptionValueError(`--${name} is empty`, {
        hint: 'Give it a value, or leave it out (is the variable set?).',
        command,
      });
    }
  }
  // The robot next: its token and secret must be known to the output before anything is printed.
  const target = await resolveTarget(values, env, out);
  const message = await buildMessage(
    form,
    words,
    values,
    new TextInput(io, (line) => {
      if (!values.quiet) out.err(line);
    }),
    command,
    io,
  );
  if (mentions) addMentions(message, mentions);
  if (values['msg-uuid'] !== undefined) message.msgUuid = values['msg-uuid'];

  if (!values.quiet) warnAboutMarkdown(message, lintMarkdown, out);
  const fetch = ((await proxyFetch(env)) as RobotOptions['fetch']) ?? oneShotFetch;
  let robot: Robot;
  try {
    const options: RobotOptions = {
      ...robotOptions(target),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
      ...(retries === undefined ? {} : { retry: { ...RETRY, retries } }),
      fetch,
      penaltyMs,
      // --no-wait: the engine rejects at once instead of waiting the penalty out.
      penalty: wait.maxWaitMs === 0 ? 'fail' : 'wait',
    };
    robot = new Robot(withLocale(options, locale));
  } catch (error) {
    throw robotOptionsError(error, settingNames(target, values));
  }

  if (values['dry-run']) return dryRun(robot, message, target, out);

  // On a terminal a live countdown; in CI logs one line when a wait starts and one when it ends.
  const progress = (): ProgressMode =>
    values['no-progress'] ? 'off' : out.stderrIsTTY && !out.json ? 'live' : 'lines';
  // Numbered here rather than by the SDK: see messageUuid() (it keeps the crypto module unloaded).
  message.msgUuid ??= messageUuid();
  let result: SendResult;
  try {
    result = await deliver(robot, message, wait, out, progress);
  } catch (error) {
    const names = settingNames(target, values);
    if (target.secret === undefined && isSignatureRefusal(error)) {
      HINT_OVERRIDES.set(
        error as object,
        `This robot signs its messages (加签) and no secret was given: set ${names.secret.word} to the SEC… secret from the robot's security settings.`,
      );
    } else if (isSdkError(error) && !HINT_OVERRIDES.has(error)) {
      // The SDK's hint names its options: name the settings where this robot's came from.
      HINT_OVERRIDES.set(error, inUserWords(error.hint, names, target));
    }
    throw error;
  } finally {
    await robot.close();
  }
  if (out.json) {
    out.printJson({ ok: true, exitCode: EXIT.OK, msgtype: message.msgtype, ...result, url: robot.url });
  } else if (!values.quiet) {
    const tries = result.attempts > 1 ? `, ${result.attempts} attempts` : '';
    const parts = result.parts ? ` in ${result.parts.length} parts` : '';
    out.out(
      `${out.style('green', '✓', 'out')} delivered ${message.msgtype} message${parts} (msgUuid ${result.msgUuid}${tries})`,
    );
  }
  return EXIT.OK;
}

/**
 * Prints the SDK's `lintMarkdown` warnings for a markdown text (a markdown message or an action card's
 * text) on stderr, one line per kind of trouble with the lines it is on: a table or a code fence is
 * sent, and DingTalk shows it as raw text.
 */
function warnAboutMarkdown(
  message: Message,
  lint: (text: string) => { rule: string; line: number; message: string }[],
  out: CommandContext['out'],
): void {
  const text =
    message.msgtype === 'markdown'
      ? message.markdown?.text
      : message.msgtype === 'actionCard'
        ? message.actionCard?.text
        : undefined;
  if (typeof text !== 'string') return;
  const byRule = new Map<string, { lines: number[]; message: string }>();
  for (const warning of lint(text)) {
    const seen = byRule.get(warning.rule) ?? { lines: [], message: warning.message };
    seen.lines.push(warning.line);
    byRule.set(warning.rule, seen);
  }
  for (const { lines, message: advice } of byRule.values()) {
    const where = lines.length === 1 ? `line ${lines[0]}` : `lines ${compactLines(lines)}`;
    out.err(`${out.style('yellow', 'dingbot: warning:')} ${where}: ${advice}`);
  }
}

/** `1, 2, 3, 7` → `1–3, 7`. */
function compactLines(lines: readonly number[]): string {
  const ranges: string[] = [];
  for (let i = 0; i < lines.length; ) {
    let j = i;
    while (j + 1 < lines.length && lines[j + 1] === lines[j]! + 1) j++;
    ranges.push(j === i ? String(lines[i]) : `${lines[i]}–${lines[j]}`);
    i = j + 1;
  }
  return ranges.join(', ');
}

/** DingTalk refused the signature or its timestamp: what a signed robot answers to an unsigned request. */
function isSignatureRefusal(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SIGN_MISMATCH' || code === 'INVALID_TIMESTAMP';
}

/** The retry policy shape of the SDK's default, with `--retries` applied. */
const RETRY = { minDelayMs: 500, maxDelayMs: 8_000, factor: 2, jitter: true } as const;

function parseForm(word: string | undefined): Form {
  if (word === undefined) {
    throw new CLIError('send what? Give a message type or --payload', {
      hint: 'Types: text, markdown, link, action-card, feed-card. Run "dingbot send --help" for usage.',
    });
  }
  const aliases: Record<string, Form> = {
    actionCard: 'action-card',
    actioncard: 'action-card',
    feedCard: 'feed-card',
    feedcard: 'feed-card',
  };
  const form = aliases[word] ?? word;
  if (form === 'payload' || !Object.hasOwn(TYPE_OPTIONS, form)) {
    const guess = closest(word, ['text', 'markdown', 'link', 'action-card', 'feed-card']);
    throw new CLIError(`unknown message type ${JSON.stringify(word)}`, {
      hint: `${guess ? `Did you mean ${guess}? ` : ''}Types: text, markdown, link, action-card, feed-card, or --payload <file> for any JSON body.`,
    });
  }
  return form as Form;
}

function parseCount(value: string, option: string, command: string): number {
  const count = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(count)) {
    throw new OptionValueError(`${option} ${JSON.stringify(value)} is not a whole number`, { command });
  }
  return count;
}

function robotOptions(target: ResolvedTarget): RobotOptions {
  const options: RobotOptions = { keywords: target.keywords };
  if (target.webhook !== undefined) options.webhook = target.webhook;
  if (target.accessToken !== undefined) options.accessToken = target.accessToken;
  if (target.baseUrl !== undefined) options.baseUrl = target.baseUrl;
  if (target.secret !== undefined) options.secret = target.secret;
  return options;
}

interface MentionFlags {
  mobiles: string[];
  userIds: string[];
  all: boolean;
}

function mentionsOf(values: SendValues): MentionFlags | undefined {
  const mobiles = values['at-mobile'] ?? [];
  const userIds = values['at-user'] ?? [];
  const all = values['at-all'] === true;
  return mobiles.length > 0 || userIds.length > 0 || all ? { mobiles, userIds, all } : undefined;
}

/** Merges mention flags into a message's `at` (a payload may carry its own). */
function addMentions(message: Message, mentions: MentionFlags): void {
  const target = message as Message & {
    at?: { atMobiles?: string[]; atUserIds?: string[]; isAtAll?: boolean };
  };
  const at = { ...(target.at ?? {}) };
  if (mentions.mobiles.length > 0)
    at.atMobiles = [...new Set([...(at.atMobiles ?? []), ...mentions.mobiles])];
  if (mentions.userIds.length > 0)
    at.atUserIds = [...new Set([...(at.atUserIds ?? []), ...mentions.userIds])];
  if (mentions.all) at.isAtAll = true;
  target.at = at;
}

/** The flags each type cannot do without (`--text` may come from `--file` instead). */
const REQUIRED: Partial<Record<Form, readonly ('title' | 'text' | 'url')[]>> = {
  markdown: ['title'],
  link: ['title', 'text', 'url'],
  'action-card': ['title', 'text'],
};

/** Checks the words and required flags without reading anything, before the robot is looked up. */
function checkShape(form: Form, words: readonly string[], values: SendValues, command: string): void {
  const file = values.file !== undefined;
  if (form === 'text' || form === 'markdown') {
    const what = form === 'text' ? '<content>' : '<text>';
    if (file && words.length > 0) {
      throw new CLIError(`${command}: --file and ${what} are both given`, {
        hint: `Give the text as an argument, or --file <path> for a file's content; not both.`,
        command,
      });
    }
    if (!file) one(words, what, command);
  } else none(words, command);
  if (file && values.text !== undefined) {
    throw new CLIError(`${command}: --file and --text are both given`, {
      hint: "Give the text with --text, or --file <path> for a file's content; not both.",
      command,
    });
  }
  for (const name of REQUIRED[form] ?? []) {
    if (name !== 'text' || !file) required(values[name], `--${name}`, command);
  }
}

/** The message's main text: its argument or `--text`, or the file `--file` names. */
async function mainText(
  input: TextInput,
  values: SendValues,
  given: string | undefined,
  what: string,
  command: string,
): Promise<string> {
  if (values.file !== undefined) return input.file(values.file);
  return input.resolve(required(given, what, command), what);
}

function one(words: readonly string[], what: string, command: string): string {
  if (words.length === 0) throw new CLIError(`${command}: missing ${what}`, { command });
  if (words.length > 1) {
    throw new CLIError(`${command}: expected one ${what}, got ${words.length} words`, {
      hint: `Quote the ${what}, e.g. dingbot ${command} 'two words'.`,
      command,
    });
  }
  return words[0]!;
}

function none(words: readonly string[], command: string): void {
  if (words.length > 0)
    throw new CLIError(`${command}: unexpected argument ${JSON.stringify(words[0])}`, { command });
}

function required(value: string | undefined, option: string, command: string): string {
  if (value === undefined) throw new CLIError(`${command}: ${option} is required`, { command });
  return value;
}

async function buildMessage(
  form: Form,
  words: string[],
  values: SendValues,
  input: TextInput,
  command: string,
  io: CommandContext['io'],
): Promise<Message> {
  switch (form) {
    case 'text':
      return {
        msgtype: 'text',
        text: { content: await mainText(input, values, words[0], '<content>', command) },
      };
    case 'markdown': {
      const title = required(values.title, '--title', command);
      return {
        msgtype: 'markdown',
        markdown: { title, text: await mainText(input, values, words[0], '<text>', command) },
      };
    }
    case 'link': {
      none(words, command);
      const link: { title: string; text: string; messageUrl: string; picUrl?: string } = {
        title: required(values.title, '--title', command),
        text: await mainText(input, values, values.text, '--text', command),
        messageUrl: required(values.url, '--url', command),
      };
      if (values.pic !== undefined) link.picUrl = values.pic;
      return { msgtype: 'link', link };
    }
    case 'action-card':
      none(words, command);
      return actionCardOf(values, await mainText(input, values, values.text, '--text', command), command);
    case 'feed-card': {
      none(words, command);
      const items = values.item ?? [];
      if (items.length === 0)
        throw new CLIError(`${command}: give at least one --item "<title>|<url>|<pic>"`, { command });
      return { msgtype: 'feedCard', feedCard: { links: items.map((item) => feedItem(item, command)) } };
    }
    case 'payload': {
      none(words, command);
      return readPayload(values.payload!, io);
    }
  }
}

function actionCardOf(values: SendValues, text: string, command: string): Message {
  const title = required(values.title, '--title', command);
  const single = values['single-title'] !== undefined || values['single-url'] !== undefined;
  const buttons = values.button ?? [];
  if (single && buttons.length > 0) {
    throw new CLIError(`${command}: --single-title/--single-url and --button are both given`, {
      hint: 'Give one button covering the card (--single-title and --single-url) or several --button <title>=<url>.',
      command,
    });
  }
  const base = {
    title,
    text,
    btnOrientation: values.horizontal ? ('1' as const) : ('0' as const),
    ...(values['hide-avatar'] ? { hideAvatar: '1' as const } : {}),
  };
  if (single) {
    return {
      msgtype: 'actionCard',
      actionCard: {
        ...base,
        singleTitle: required(values['single-title'], '--single-title', command),
        singleURL: required(values['single-url'], '--single-url', command),
      },
    };
  }
  if (buttons.length === 0) {
    throw new CLIError(
      `${command}: give --single-title and --single-url, or one --button <title>=<url> or more`,
      {
        command,
      },
    );
  }
  const btns = buttons.map((button) => {
    const at = button.indexOf('=');
    if (at <= 0 || at === button.length - 1) {
      throw new CLIError(`${command}: --button ${JSON.stringify(button)} is not <title>=<url>`, { command });
    }
    return { title: button.slice(0, at), actionURL: button.slice(at + 1) };
  });
  return { msgtype: 'actionCard', actionCard: { ...base, btns } };
}

function feedItem(item: string, command: string): { title: string; messageURL: string; picURL: string } {
  const last = item.lastIndexOf('|');
  const middle = last > 0 ? item.lastIndexOf('|', last - 1) : -1;
  if (middle <= 0) {
    throw new CLIError(`${command}: --item ${JSON.stringify(item)} is not "<title>|<url>|<pic>"`, {
      command,
    });
  }
  return {
    title: item.slice(0, middle),
    messageURL: item.slice(middle + 1, last),
    picURL: item.slice(last + 1),
  };
}

async function readPayload(source: string, io: CommandContext['io']): Promise<Message> {
  const command = 'send';
  const name = source === '-' ? '--payload - (stdin)' : `--payload ${source}`;
  let text: string;
  if (source === '-') {
    if (io.stdin.isTTY) io.stderr.write('dingbot: reading --payload from the terminal; end it with Ctrl+D\n');
    text = await readAll(io.stdin);
  } else {
    try {
      text = readFileSync(source, 'utf8');
    } catch (error) {
      throw new CLIError(`--payload: cannot read ${source}: ${fileProblem(error)}`, { command });
    }
  }
  const example = 'Give a DingTalk message body, e.g. {"msgtype":"text","text":{"content":"hi"}}.';
  if (text.trim() === '') throw new CLIError(`${name} is empty`, { hint: example, command });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CLIError(`${name} is not valid JSON: ${describeJsonError(text, error)}`, { hint: example });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new CLIError(`${name} is not a JSON object`, { hint: example });
  }
  return json as Message;
}

function dryRun(robot: Robot, message: Message, target: ResolvedTarget, out: CommandContext['out']): number {
  const body = robot.prepare(message);
  const prepared = message.msgUuid === undefined ? body : { ...body, msgUuid: message.msgUuid };
  // robot.url has the token masked; a signed robot also gets a fresh timestamp and sign per request.
  const url = target.secret === undefined ? robot.url : `${robot.url}&timestamp=[REDACTED]&sign=[REDACTED]`;
  if (out.json) {
    out.printJson({ ok: true, exitCode: EXIT.OK, dryRun: true, method: 'POST', url, body: prepared });
  } else {
    out.out(`POST ${url}`);
    out.out(JSON.stringify(prepared, null, 2));
  }
  return EXIT.OK;
}
