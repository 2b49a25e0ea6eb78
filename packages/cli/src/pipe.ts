/**
 * Ends the process on EPIPE: a reader that stops early (`dingbot send --help | head -3`) is not an
 * error. Other stream errors stay errors.
 */
export function exitOnBrokenPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
}
