import { CLIError } from './errors.js';
import type { CliIO } from './io.js';

/** A terminal's stdin: `setRawMode` turns echo and line editing off. */
interface RawStdin {
  isTTY?: boolean;
  setRawMode?: (raw: boolean) => unknown;
}

/**
 * Asks for a secret on the terminal without echoing it: the question goes to stderr, the keys typed are
 * read raw from stdin until Enter. Backspace works; Ctrl+C cancels (exit code 2); Ctrl+D ends the line.
 * Only for a terminal: callers check `stdin.isTTY` first.
 */
export async function promptSecret(io: CliIO, question: string): Promise<string> {
  const stdin = io.stdin as CliIO['stdin'] & RawStdin;
  if (typeof stdin.setRawMode !== 'function') {
    throw new CLIError('cannot ask for the secret: stdin is not a terminal', {
      hint: 'Pipe it in with --secret-stdin, or name a variable that holds it with --secret-env NAME.',
    });
  }
  io.stderr.write(question);
  stdin.setRawMode(true);
  const keys = stdin[Symbol.asyncIterator]();
  const decoder = new TextDecoder();
  let typed = '';
  try {
    for (;;) {
      const next = await keys.next();
      if (next.done) break;
      const chunk =
        typeof next.value === 'string' ? next.value : decoder.decode(next.value, { stream: true });
      for (const key of chunk) {
        if (key === '\u0003') throw new CLIError('cancelled (Ctrl+C): nothing was written');
        if (key === '\r' || key === '\n' || key === '\u0004') return typed;
        if (key === '\u007f' || key === '\b') typed = [...typed].slice(0, -1).join('');
        else if (key >= ' ') typed += key;
      }
    }
    return typed;
  } finally {
    stdin.setRawMode(false);
    io.stderr.write('\n');
    await keys.return?.();
  }
}
