import { closest } from './args.js';
import { CLIError, HINT_OVERRIDES, isCLIError } from './errors.js';
import { EXIT, exitCodeForSdkCode } from './exit-codes.js';
import { type CliIO, processIO } from './io.js';
import { Output } from './output.js';
import { isSdkError, sdkSummary } from './sdk-error.js';

/** What a command gets: the streams and environment, and the redacting output. */
export interface CommandContext {
  io: CliIO;
  out: Output;
  env: CliIO['env'];
}

/** A subcommand: takes the words after its name, returns the exit code. */
export type Command = (args: string[], context: CommandContext) => Promise<number>;

/** The command table. Each module loads only when its command runs, so `--help` never loads the SDK. */
const COMMANDS: Record<string, () => Promise<{ default: Command }>> = {
  send: () => import('./commands/send.js'),
  sign: () => import('./commands/sign.js'),
  emulator: () => import('./commands/emulator.js'),
  config: () => import('./commands/config.js'),
  relay: () => import('./commands/relay.js'),
};

/**
 * Runs `dingbot` with the given arguments (without `node` and the script) and returns its exit code.
 * Never throws and never calls `process.exit`.
 * @example process.exitCode = await run(['send', 'text', 'hello'], processIO());
 */
export async function run(argv: readonly string[], io: CliIO = processIO()): Promise<number> {
  const args = [...argv];
  const dashes = args.indexOf('--');
  const flags = dashes === -1 ? args : args.slice(0, dashes);
  const out = new Output(io, { json: flags.includes('--json') });
  try {
    const { quickAnswer } = await import('./help.js');
    const quick = quickAnswer(args);
    if (quick) {
      if (quick.stream === 'out') out.out(quick.text);
      else out.err(quick.text);
      return quick.exitCode;
    }
    const [first, ...rest] = args as [string, ...string[]];
    const load = Object.hasOwn(COMMANDS, first) ? COMMANDS[first] : undefined;
    if (!load && first.startsWith('-')) {
      const command = rest.find((word) => Object.hasOwn(COMMANDS, word));
      const guess = closest(first.replace(/^--?/, ''), ['help', 'version']);
      throw new CLIError(
        command
          ? `options go after the command: ${first} comes before "${command}"`
          : `unknown option ${first}`,
        {
          hint: command
            ? `Put the command first, then its options: dingbot ${command} … ${first} …`
            : `${guess ? `Did you mean --${guess}? ` : ''}Run "dingbot --help" for usage.`,
        },
      );
    }
    if (!load) {
      const guess = closest(first, Object.keys(COMMANDS));
      throw new CLIError(`unknown command ${JSON.stringify(first)}`, {
        hint: `${guess ? `Did you mean "dingbot ${guess}"? ` : ''}Commands: ${Object.keys(COMMANDS).join(', ')}. Run "dingbot --help" for usage.`,
      });
    }
    const command = await load();
    return await command.default(rest, { io, out, env: io.env });
  } catch (error) {
    return report(error, out);
  }
}

const THROTTLED_HINT =
  'DingTalk allows 20 messages a minute per robot, then pauses it for about 10 minutes: send again later, let send wait (--wait 11m), or merge messages into one markdown summary.';

/** The SDK's hints name its options; on the command line they are flags. */
const FLAG_OF: Record<string, string> = {
  '`keywords`': '--keyword',
  '`secret`': '--secret',
  '`webhook`': '--webhook',
  '`accessToken`': '--token',
  '`baseUrl`': '--base-url',
  '`timeoutMs`': '--timeout',
  '`baseUrl`/`webhook`': '--base-url/--webhook',
};

function cliWords(hint: string): string {
  return hint.replace(/`[a-zA-Z]+`(?:\/`[a-zA-Z]+`)?/g, (word) => FLAG_OF[word] ?? word);
}

/** Prints an error (one or two lines, or JSON) and returns its exit code. */
export function report(error: unknown, out: Output): number {
  let exitCode: number;
  let code: string;
  let summary: string;
  let hint: string | undefined;
  let extra: Record<string, unknown> = {};
  if (isCLIError(error)) {
    exitCode = error.exitCode;
    code = error.code;
    summary = error.message;
    hint =
      error.hint ??
      (error.command
        ? `Run "dingbot ${error.command} --help" for usage.`
        : 'Run "dingbot --help" for usage.');
  } else if (isSdkError(error)) {
    exitCode = exitCodeForSdkCode(error.code);
    code = error.code;
    // The hint goes on a line of its own.
    summary = sdkSummary(error);
    hint =
      error.code === 'RATE_LIMITED' ? THROTTLED_HINT : (HINT_OVERRIDES.get(error) ?? cliWords(error.hint));
    extra = { errcode: error.errcode, errmsg: error.errmsg, retryable: error.retryable };
  } else if (error instanceof Error && error.name === 'EmulatorConfigError') {
    exitCode = EXIT.CONFIG;
    code = 'CONFIG';
    summary = error.message;
  } else if (error instanceof Error && (error as { code?: unknown }).code === 'EADDRINUSE') {
    exitCode = EXIT.CONFIG;
    code = 'ADDRESS_IN_USE';
    summary = error.message;
    hint = 'Another program uses that port: choose another with --port, or --port 0 for any free one.';
  } else {
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    if (out.json) {
      out.printJson({
        ok: false,
        exitCode: EXIT.FAILURE,
        error: { code: 'INTERNAL', message: String(error) },
      });
    } else {
      out.err(`dingbot: internal error (this is a bug in dingbot, please report it):\n${text}`);
    }
    return EXIT.FAILURE;
  }
  if (out.json) {
    out.printJson({ ok: false, exitCode, error: { code, message: summary, ...extra, hint } });
  } else {
    out.err(`${out.style('red', 'dingbot:')} ${summary}`);
    if (hint) out.err(`${out.style('dim', 'hint:')} ${hint}`);
  }
  return exitCode;
}
