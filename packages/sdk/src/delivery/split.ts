import type { MarkdownMessage, TextMessage } from '../messages/types.js';
import { type Locale, TEXTS } from './locale.js';
import { bodyBytes, DEFAULT_RESERVE_BYTES, jsonCharCost, MAX_BODY_BYTES } from './size.js';

/** Options of {@link splitMessage}. */
export interface SplitOptions {
  /**
   * The largest body a part may have, in UTF-8 bytes of its JSON.
   * @default 20000
   */
  maxBytes?: number;
  /**
   * Bytes kept free in each part for the `msgUuid` and a keyword or mention added afterwards.
   * @default 256
   */
  reserveBytes?: number;
}

/** A message that can be split: the two types whose body is free text. */
export type SplittableMessage = TextMessage | MarkdownMessage;

/**
 * The label put in front of part `index` of `total`, in `locale`: `(part 2/3)` (「（第 2/3 段）」) and a
 * line break for text, the same in bold and a blank line for markdown (whose title also gets it).
 * @example partLabel('text', 2, 3) // '(part 2/3)\n'
 */
export function partLabel(
  msgtype: SplittableMessage['msgtype'],
  index: number,
  total: number,
  locale: Locale = 'en',
): string {
  const label = TEXTS[locale].part(index, total);
  return msgtype === 'text' ? `${label}\n` : `**${label}**\n\n`;
}

/** Matches the label {@link partLabel} puts at the start of a part's text, in every locale. */
export const PART_LABEL = /^(?:\*\*)?(?:\(part \d+\/\d+\)|（第 \d+\/\d+ 段）)(?:\n|\*\*\n\n)/;

/**
 * Splits a text or markdown message whose body is over the limit into numbered parts, each within
 * `maxBytes`. Cuts fall on paragraph breaks where possible, then line breaks, then spaces, and never
 * inside a character, a markdown link or image, or a URL. Mentions (`at`) go with the last part.
 * Returns `[message]` when it already fits.
 * @example splitMessage(text(longLog)).length // 3: '[1/3]\n…', '[2/3]\n…', '[3/3]\n…'
 */
export function splitMessage<M extends SplittableMessage>(
  message: M,
  options: SplitOptions = {},
  locale: Locale = 'en',
): M[] {
  const maxBytes = options.maxBytes ?? MAX_BODY_BYTES;
  const reserve = options.reserveBytes ?? DEFAULT_RESERVE_BYTES;
  if (bodyBytes(message) + reserve <= maxBytes) return [message];
  const body = message.msgtype === 'text' ? message.text.content : message.markdown.text;
  // The widest label any part can get: numbering never goes past 4 digits for a 20 kB budget.
  const shell = part(message, '', 9999, 9999, true, locale);
  const budget = maxBytes - reserve - bodyBytes(shell);
  if (budget < 64) throw new RangeError(`dingbot: maxBytes ${maxBytes} leaves no room for a part's text`);
  const chunks = splitText(body, budget, message.msgtype === 'markdown');
  return chunks.map((chunk, i) =>
    part(message, chunk, i + 1, chunks.length, i === chunks.length - 1, locale),
  );
}

function part<M extends SplittableMessage>(
  message: M,
  chunk: string,
  index: number,
  total: number,
  last: boolean,
  locale: Locale,
): M {
  const label = partLabel(message.msgtype, index, total, locale);
  const texts = TEXTS[locale];
  const { at, msgUuid: _uuid, ...rest } = message;
  const out = (
    message.msgtype === 'text'
      ? { ...rest, text: { content: label + chunk } }
      : {
          ...rest,
          markdown: {
            title: `${message.markdown.title}${texts.titleSeparator}${texts.part(index, total)}`,
            text: label + chunk,
          },
        }
  ) as M;
  if (at && last) out.at = at;
  return out;
}

// Markdown links and images, then bare URLs: cutting one would break it in both halves.
const MARKDOWN_LINK = /!?\[[^\]\n]*\]\([^)\s]*\)/g;
const BARE_URL = /\b(?:https?|dingtalk|dtmd):\/\/[^\s<>"'`()[\]]+/g;
const JOINER = /^(?:\p{M}|\u200d|[\ufe0e\ufe0f]|[\u{e0020}-\u{e007f}]|[\u{1f3fb}-\u{1f3ff}])/u;

/**
 * Cuts `text` into pieces whose JSON-escaped UTF-8 size is at most `budget` bytes each, so that
 * joining them gives `text` back exactly. Separators stay at the end of the piece before the cut.
 * @param markdown Also keep markdown links `[t](u)` and images `![a](u)` whole.
 * @example splitText('a\n\nb', 4, false) // ['a\n\n', 'b']
 */
export function splitText(text: string, budget: number, markdown: boolean): string[] {
  const atoms = atomicRanges(text, markdown);
  const parts: string[] = [];
  let pos = 0;
  while (pos < text.length) {
    let bytes = 0;
    let end = pos;
    while (end < text.length) {
      const cost = jsonCharCost(text, end);
      const unit = cost === 4 ? 2 : 1;
      if (bytes + cost > budget) break;
      bytes += cost;
      end += unit;
    }
    if (end >= text.length) {
      parts.push(text.slice(pos));
      break;
    }
    if (end === pos)
      throw new RangeError(`dingbot: a split budget of ${budget} bytes cannot hold one character`);
    const cut = chooseCut(text, pos, end, atoms);
    parts.push(text.slice(pos, cut));
    pos = cut;
  }
  return parts;
}

type Range = readonly [start: number, end: number];

function atomicRanges(text: string, markdown: boolean): Range[] {
  const links: Range[] = markdown
    ? [...text.matchAll(MARKDOWN_LINK)].map((m) => [m.index, m.index + m[0].length])
    : [];
  const ranges: Range[] = [...links];
  for (const m of text.matchAll(BARE_URL)) {
    let start = m.index;
    let end = start + m[0].length;
    // A URL inside a link is covered by the link; one running into a link stops where the link starts.
    for (const [ls, le] of links) {
      if (start >= ls && start < le) start = end;
      else if (start < ls && end > ls) end = ls;
    }
    if (end > start) ranges.push([start, end]);
  }
  ranges.sort((a, b) => a[0] - b[0]);
  return ranges;
}

/** The range that strictly contains position `k` (a cut there would break it), if any. */
function rangeAround(ranges: Range[], k: number): Range | undefined {
  let lo = 0;
  let hi = ranges.length - 1;
  // Ranges may overlap (a URL inside a markdown link): find the last one starting before k, then look back.
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (ranges[mid]![0] < k) lo = mid + 1;
    else hi = mid - 1;
  }
  let found: Range | undefined;
  for (let i = hi; i >= 0 && i >= hi - 8; i--) {
    const r = ranges[i]!;
    if (r[0] < k && k < r[1] && (!found || r[0] < found[0])) found = r;
  }
  return found;
}

function breaksCharacter(text: string, k: number): boolean {
  const c = text.charCodeAt(k);
  if (c >= 0xdc00 && c <= 0xdfff) {
    const prev = text.charCodeAt(k - 1);
    if (prev >= 0xd800 && prev <= 0xdbff) return true;
  }
  if (text.charCodeAt(k - 1) === 0x200d) return true;
  const next = text.codePointAt(k);
  if (next !== undefined && JOINER.test(String.fromCodePoint(next))) return true;
  return isRegional(text, k) && regionalRun(text, k) % 2 === 1;
}

/** Whether a regional indicator (half of a flag like 🇨🇳) starts at `i`. */
function isRegional(text: string, i: number): boolean {
  const cp = text.codePointAt(i);
  return cp !== undefined && cp >= 0x1f1e6 && cp <= 0x1f1ff;
}

/** How many regional indicators stand right before `k`: an odd count means `k` is inside a flag. */
function regionalRun(text: string, k: number): number {
  let count = 0;
  for (let i = k - 2; i >= 0 && isRegional(text, i); i -= 2) count++;
  return count;
}

/** The best place to cut in `(pos, end]`: a paragraph break, a line break, a space, else a character boundary. */
function chooseCut(text: string, pos: number, end: number, atoms: Range[]): number {
  let para = 0;
  let line = 0;
  let space = 0;
  for (let k = end; k > pos && para === 0; k--) {
    const prev = text.charCodeAt(k - 1);
    if (prev !== 0x0a && prev !== 0x20) continue;
    if (rangeAround(atoms, k) || breaksCharacter(text, k)) continue;
    if (prev === 0x0a && k - 2 >= pos && text.charCodeAt(k - 2) === 0x0a) para = k;
    else if (prev === 0x0a && line === 0) line = k;
    else if (prev === 0x20 && space === 0) space = k;
  }
  // A boundary in the first half of the window would make parts needlessly small: prefer a lesser kind later.
  const half = pos + (end - pos) / 2;
  for (const k of [para, line, space]) if (k > half) return k;
  const any = Math.max(para, line, space);
  if (any > pos) return any;
  let k = end;
  while (k > pos) {
    const around = rangeAround(atoms, k);
    if (around) k = around[0];
    else if (breaksCharacter(text, k)) k--;
    else return k;
  }
  // One atom (a huge URL) or one grapheme larger than the budget: cut it, but never inside a code point.
  k = end;
  const c = text.charCodeAt(k);
  if (c >= 0xdc00 && c <= 0xdfff && k - 1 > pos) k--;
  return k;
}
