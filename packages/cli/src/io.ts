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
 * The real process's streams and environment. stdin is looked up when first read: creating it loads a
 * dozen modules (file streams, readline) that a `send` with a text argument never needs.
 */
export function processIO(): CliIO {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    get stdin() {
      return process.stdin;
    },
    env: process.env,
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
