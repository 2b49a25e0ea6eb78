/**
 * The name closest to a mistyped one, for "did you mean …?": a name within an edit distance of 2, or
 * one the word begins (at least 3 characters), or the word's meaning from `aliases` (names people
 * bring from elsewhere, such as DingTalk's own field names). Case is ignored.
 * @example closest('secert', ['secret', 'webhook']) // 'secret'
 * @example closest('timeout', ['timeoutMs']) // 'timeoutMs'
 */
export function closest(
  word: string,
  names: readonly string[],
  aliases: Readonly<Record<string, string>> = {},
): string | undefined {
  const lower = word.toLowerCase();
  for (const [alias, name] of Object.entries(aliases)) {
    if (alias.toLowerCase() === lower) return name;
  }
  let best: string | undefined;
  let bestDistance = 3;
  for (const name of names) {
    const candidate = name.toLowerCase();
    const distance = candidate.startsWith(lower) && lower.length >= 3 ? 1 : editDistance(lower, candidate);
    if (distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * A sentence for an unknown name: "Did you mean `secret`?" when a near name exists, else the list of
 * names allowed.
 * @example didYouMean('secert', ['webhook', 'secret']) // 'Did you mean `secret`?'
 */
export function didYouMean(
  word: string,
  names: readonly string[],
  aliases: Readonly<Record<string, string>> = {},
): string {
  const near = closest(word, names, aliases);
  return near !== undefined
    ? `Did you mean \`${near}\`?`
    : `Use one of ${names.map((n) => `\`${n}\``).join(', ')}.`;
}

/** Levenshtein distance, in one row of memory. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}
