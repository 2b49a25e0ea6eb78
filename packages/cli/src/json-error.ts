/**
 * Explains why a text is not valid JSON, by line and column, without quoting the text. V8's own
 * messages quote a stretch of it (`Unexpected token 'S', ..."secret": SECab"... is not valid JSON`),
 * and a config file holds secrets.
 * @example describeJsonError('{"a": 1,}', error) // "expected a double-quoted property name at line 1, column 9"
 */
export function describeJsonError(text: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (text.trim() === '') return 'it is empty';
  if (/^Unexpected end of JSON input/.test(message)) return 'it ends too early (a missing "}" or "]"?)';
  const position = /at position (\d+)/.exec(message)?.[1];
  const at = position !== undefined ? Number(position) : errorOffset(text);
  // Keep V8's reason only when it quotes nothing: "Expected ',' or '}' after property value …".
  const reason =
    message.includes('is not valid JSON') || position === undefined
      ? 'unexpected character'
      : lowerFirst(message.replace(/\s*(?:in JSON )?at position \d+.*$/s, ''));
  return `${reason} at ${lineAndColumn(text, at)}`;
}

/** Where parsing fails: the shortest prefix that fails for another reason than ending too early. */
function errorOffset(text: string): number {
  let low = 0;
  let high = text.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (failsWithin(text.slice(0, mid + 1))) high = mid;
    else low = mid + 1;
  }
  return low;
}

function failsWithin(prefix: string): boolean {
  try {
    JSON.parse(prefix);
    return false;
  } catch (error) {
    const message = (error as Error).message;
    if (/^Unexpected end of JSON input/.test(message)) return false;
    // V8 also reports running out of text as "Expected … at position <length>".
    const position = /at position (\d+)/.exec(message)?.[1];
    return position === undefined || Number(position) < prefix.length;
  }
}

function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${before.at(-1)!.length + 1}`;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
