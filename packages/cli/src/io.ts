import { createRequire } from 'node:module';
import { exitOnBrokenPipe } from './pipe.js';
/** Where output goes: stdout or stderr of the process, or a test double. */
export interface CliStream {
  write(chunk: string): unknown;
  /** Whether the stream is a terminal: enables colour and progress lines. */
  isTTY?: boolean;
}

/** Everything `dingbot` touches of the outside world, so `run()` works in-process in tests too. */
export interface CliIO {
  stdout: CliStream;
  stderr: CliStream;
  /** Read when a text argument is `-` or `--payload -`. */
  stdin: AsyncIterable<string | Uint8Array> & { isTTY?: boolean };
  /** The environment (`DINGTALK_*`, `DINGBOT_CONFIG`, `XDG_CONFIG_HOME`, `HOME`, proxies, `NO_COLOR`). */
  env: Record<string, string | undefined>;
  /** Stops long-running commands (`dingbot emulator`); the process's SIGINT/SIGTERM do too. */
  signal?: AbortSignal;
}

/**
 * The real process's streams and environment, each created when first used: `process.stdout` and
 * `process.stderr` on a pipe build a socket stream (about 1.5 ms of a `send`'s start), which a quiet
 * `send` that succeeds never writes to, and stdin loads a dozen modules (file streams, readline)
 * that a `send` with a text argument never needs. Whether a stream is a terminal is asked of the
 * file descriptor, without creating the stream.
 */
export function processIO(): CliIO {
  return {
    stdout: lazyStream(1),
    stderr: lazyStream(2),
    get stdin() {
      return process.stdin;
    },
    env: process.env,
  };
}

/**
 * stdout (1) or stderr (2), created on the first write. A reader that stops early
 * (`dingbot send --help | head -3`) is not an error: a broken pipe ends the process quietly.
 */
function lazyStream(fd: 1 | 2): CliStream {
  let stream: NodeJS.WriteStream | undefined;
  let tty: boolean | undefined;
  return {
    write(chunk: string) {
      if (stream === undefined) {
        stream = fd === 1 ? process.stdout : process.stderr;
        exitOnBrokenPipe(stream);
      }
      return stream.write(chunk);
    },
    get isTTY() {
      tty ??= stream?.isTTY ?? isatty(fd);
      return tty;
    },
  };
}

/** Reads a whole stream as UTF-8. */
export async function readAll(stream: AsyncIterable<string | Uint8Array>): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of stream)
    text += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
}

/**
 * Whether a file descriptor is a terminal. `node:tty` is required here, when first asked, not
 * imported: a quiet `send` that succeeds never asks, and its start is spared loading the module.
 */
function isatty(fd: number): boolean {
  const { isatty: check } = createRequire(import.meta.url)('node:tty') as typeof import('node:tty');
  return check(fd);
}
