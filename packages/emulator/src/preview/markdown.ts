/**
 * DingTalk's markdown subset, parsed into a small tree that can only describe safe things.
 *
 * Everything lives inside {@link createMarkdownSubset} on purpose: the preview page has no bundler,
 * so the server serialises that one function with `toString()` into the browser script. One parser,
 * tested in node and run in the page. It must therefore reference nothing outside its own body
 * (no imports, no module-level values), only globals that exist in both node and browsers (`URL`).
 */

/** Inline content. `href`/`src`/`color` are already sanitised; `url`/`spec` keep what was written. */
export type InlineNode =
  | { type: 'text'; text: string }
  | { type: 'strong'; children: InlineNode[] }
  | { type: 'em'; children: InlineNode[] }
  | { type: 'a'; href: string | null; url: string; kind: LinkKind; children: InlineNode[] }
  | { type: 'img'; src: string | null; url: string; alt: string }
  | { type: 'font'; color: string | null; spec: string; children: InlineNode[] }
  | { type: 'br' }
  | RawNode;

/** Something DingTalk would not render, kept verbatim so the preview never flatters a message. */
export interface RawNode {
  type: 'raw';
  text: string;
  /** What it is, for the warning badge: `table`, `code block`, `strikethrough`, `HTML <div>`… */
  reason: string;
}

/** An item of a `ul` or `ol`. */
export interface ListItemNode {
  type: 'li';
  children: InlineNode[];
  /** 0 for a top-level item; more when its marker is indented under another item (a nested list). */
  depth: number;
}

/** Block content. */
export type BlockNode =
  | { type: 'p'; children: InlineNode[] }
  | { type: 'h'; level: number; children: InlineNode[] }
  | { type: 'quote'; children: BlockNode[] }
  | { type: 'ul'; children: ListItemNode[] }
  | { type: 'ol'; start: number; children: ListItemNode[] }
  | RawNode;

/** Any node of the tree. */
export type MarkdownNode = BlockNode | InlineNode | ListItemNode;

/**
 * How a link target is treated: `web` (http/https, clickable), `dingtalk` and `dtmd` (DingTalk
 * client schemes, shown but not clickable), `blocked` (anything else: `javascript:`, relative…).
 */
export type LinkKind = 'web' | 'dingtalk' | 'dtmd' | 'blocked';

/** The result of {@link MarkdownSubset.parse}. */
export interface ParsedMarkdown {
  nodes: BlockNode[];
  /** Distinct reasons of every raw node, in order of appearance (`['table', 'strikethrough']`). */
  warnings: string[];
}

/** The parser and the sanitisers the renderer shares with it. */
export interface MarkdownSubset {
  /** Parses DingTalk markdown. Never throws; non-strings parse as empty text. */
  parse(text: unknown): ParsedMarkdown;
  /** The normalised URL when it is absolute `http:`/`https:`, else `null`. */
  safeUrl(url: unknown): string | null;
  /** Classifies a link target (see {@link LinkKind}). */
  linkKind(url: unknown): LinkKind;
  /** A CSS colour when `spec` is `#rgb`, `#rrggbb` or an allow-listed name, else `null`. */
  safeColor(spec: unknown): string | null;
}

/** Builds the parser. Self-contained: serialised into the browser script as it is. */
export function createMarkdownSubset(): MarkdownSubset {
  /** Deeper nesting than this is kept as plain text (hostile input cannot blow the stack). */
  const MAX_DEPTH = 12;
  /** Longer input than this is shown raw: DingTalk refuses bodies over 20000 bytes anyway. */
  const MAX_LENGTH = 100_000;
  /**
   * Longest link label and destination looked for (CommonMark caps labels at 999 characters).
   * Without a cap, `[[[[…]` made every `[` scan to the end: quadratic, seconds per message.
   */
  const MAX_LABEL = 1000;
  const MAX_DESTINATION = 2048;
  const NAMED_COLORS = [
    'black',
    'white',
    'gray',
    'grey',
    'silver',
    'red',
    'darkred',
    'maroon',
    'orange',
    'darkorange',
    'orangered',
    'gold',
    'yellow',
    'olive',
    'green',
    'darkgreen',
    'lime',
    'teal',
    'cyan',
    'aqua',
    'blue',
    'darkblue',
    'navy',
    'royalblue',
    'purple',
    'fuchsia',
    'magenta',
    'pink',
    'brown',
    'crimson',
  ];

  function safeUrl(url: unknown): string | null {
    if (typeof url !== 'string') return null;
    const trimmed = url.trim();
    // Only absolute http(s): the URL parser strips tabs and newlines the way browsers do, so
    // `java\nscript:` tricks are classified by the scheme a browser would really use.
    if (!/^https?:/i.test(trimmed.replace(/[\u0000-\u0020]/g, ''))) return null;
    try {
      const parsed = new URL(trimmed);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
      return parsed.href;
    } catch {
      return null;
    }
  }

  function linkKind(url: unknown): LinkKind {
    if (safeUrl(url) !== null) return 'web';
    if (typeof url !== 'string') return 'blocked';
    const trimmed = url.trim().toLowerCase();
    if (trimmed.startsWith('dingtalk://')) return 'dingtalk';
    if (trimmed.startsWith('dtmd://')) return 'dtmd';
    return 'blocked';
  }

  function safeColor(spec: unknown): string | null {
    if (typeof spec !== 'string') return null;
    const value = spec.trim().toLowerCase();
    if (/^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/.test(value)) return value;
    return NAMED_COLORS.includes(value) ? value : null;
  }

  // ---- inline ------------------------------------------------------------------------------

  /** ASCII punctuation: what a backslash escapes (CommonMark; DingTalk honours it, see the README). */
  const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
  /** The named entities decoded; other names stay as typed. Numeric ones are all decoded. */
  const NAMED_ENTITIES: Record<string, string> = {
    amp: '&',
    lt: '<',
    gt: '>',
    quot: '"',
    apos: "'",
    nbsp: '\u00a0',
  };

  /** Whether the character at `index` follows an odd run of backslashes (so it is escaped). */
  function isEscaped(s: string, index: number): boolean {
    let backslashes = 0;
    for (let at = index - 1; at >= 0 && s[at] === '\\'; at--) backslashes++;
    return backslashes % 2 === 1;
  }

  /** `indexOf`, skipping matches whose first character is backslash-escaped. */
  function unescapedIndexOf(s: string, needle: string, from: number): number {
    let index = s.indexOf(needle, from);
    while (index >= 0 && isEscaped(s, index)) index = s.indexOf(needle, index + 1);
    return index;
  }

  /** The text of an entity (`&lt;`, `&#42;`, `&#x2A;`), or `null` when it is not one decoded. */
  function decodeEntity(entity: string): string | null {
    const numeric = /^&#(?:[xX]([0-9a-fA-F]{1,6})|([0-9]{1,7}));$/.exec(entity);
    if (numeric) {
      const code = numeric[1] !== undefined ? Number.parseInt(numeric[1], 16) : Number(numeric[2]);
      const valid = code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff);
      return String.fromCodePoint(valid ? code : 0xfffd);
    }
    const name = entity.slice(1, -1);
    return Object.hasOwn(NAMED_ENTITIES, name) ? (NAMED_ENTITIES[name] as string) : null;
  }

  /** Appends text; a single newline is a space (DingTalk), two trailing spaces make a line break. */
  function pushText(out: InlineNode[], text: string): void {
    const lines = text.split('\n');
    for (let index = 0; index < lines.length; index++) {
      let line = lines[index] ?? '';
      if (index > 0) line = line.replace(/^[ \t]+/, '');
      if (index < lines.length - 1) {
        const hardBreak = / {2,}$/.test(line);
        line = line.replace(/[ \t]+$/, '');
        appendText(out, line);
        if (hardBreak) out.push({ type: 'br' });
        else appendText(out, ' ');
      } else {
        appendText(out, line);
      }
    }
  }

  function appendText(out: InlineNode[], text: string): void {
    if (text === '') return;
    const last = out[out.length - 1];
    if (last && last.type === 'text') last.text += text;
    else out.push({ type: 'text', text });
  }

  /** Index of the `)` closing a link destination that starts at `from`, allowing balanced parens. */
  function closingParen(s: string, from: number, last: number): number {
    // `last` is the string's last `)`, found once per string: an `indexOf` here made `[a](` × n quadratic.
    if (from > last) return -1;
    let depth = 0;
    const end = Math.min(s.length, from + MAX_DESTINATION);
    for (let index = from; index < end; index++) {
      const c = s[index];
      if (c === '\\') {
        index++;
        continue;
      }
      if (c === '\n') return -1;
      if (c === '(') depth++;
      else if (c === ')') {
        if (depth === 0) return index;
        depth--;
      }
    }
    return -1;
  }

  /** Index of the `]` closing a label that starts at `from`, allowing balanced brackets. */
  function closingBracket(s: string, from: number, last: number): number {
    if (from > last) return -1;
    let depth = 0;
    const end = Math.min(s.length, from + MAX_LABEL);
    for (let index = from; index < end; index++) {
      const c = s[index];
      if (c === '\\') {
        index++;
        continue;
      }
      if (c === '[') depth++;
      else if (c === ']') {
        if (depth === 0) return index;
        depth--;
      }
    }
    return -1;
  }

  /** The destination of `(url "title")`: the first whitespace-separated token, `<>` removed. */
  function destination(inside: string): string {
    const trimmed = inside.trim();
    if (trimmed.startsWith('<')) {
      const end = trimmed.indexOf('>');
      if (end > 0) return trimmed.slice(1, end);
    }
    const space = trimmed.search(/\s/);
    const target = space < 0 ? trimmed : trimmed.slice(0, space);
    return target.replace(/\\([!-/:-@[-`{-~])/g, '$1');
  }

  /** Index of the next single `*` (not part of `**`) at or after `from`, or -1. */
  function closingStar(s: string, from: number): number {
    let index = unescapedIndexOf(s, '*', from);
    while (index >= 0) {
      if (s[index + 1] === '*') {
        index = unescapedIndexOf(s, '*', index + 2);
        continue;
      }
      return index;
    }
    return -1;
  }

  /**
   * Each `<font …>` of `s` that is closed, by index, with the index and length of its `</font>`:
   * one pass with a stack (scanning ahead from every opening tag made `<font>` × n quadratic).
   */
  function matchFontTags(s: string): Map<number, [number, number]> {
    const matches = new Map<number, [number, number]>();
    const open: number[] = [];
    for (const tag of s.matchAll(/<(\/?)font\b[^<>]*>/gi)) {
      if (isEscaped(s, tag.index)) continue;
      if (tag[1] !== '/') open.push(tag.index);
      else {
        const start = open.pop();
        if (start !== undefined) matches.set(start, [tag.index, tag[0].length]);
      }
    }
    return matches;
  }

  function parseInline(s: string, depth: number, inLink: boolean): InlineNode[] {
    const out: InlineNode[] = [];
    let buffer = '';
    const flush = (): void => {
      if (buffer !== '') pushText(out, buffer);
      buffer = '';
    };
    const fontOpen = /<font\b([^<>]*)>/iy;
    const entity = /&(?:#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[A-Za-z][A-Za-z0-9]{1,31});/y;
    const lastBracket = s.lastIndexOf(']');
    const lastParen = s.lastIndexOf(')');
    let fontCloses: Map<number, [number, number]> | undefined;
    const htmlTag = /<(\/?)([A-Za-z][A-Za-z0-9-]*)\b[^<>]*>|<!--[\s\S]*?-->|<![A-Za-z][^<>]*>/y;
    let i = 0;
    while (i < s.length) {
      const c = s[i] as string;
      const nested = depth < MAX_DEPTH;
      if (c === '\\' && i + 1 < s.length && PUNCTUATION.includes(s[i + 1] as string)) {
        // A backslash escape: the character is shown as itself and starts nothing.
        buffer += s[i + 1];
        i += 2;
        continue;
      }
      if (c === '&') {
        entity.lastIndex = i;
        const match = entity.exec(s);
        const decoded = match ? decodeEntity(match[0]) : null;
        if (match && decoded !== null) {
          // An entity is text, never markup (`&#42;` is a star, not emphasis).
          buffer += decoded;
          i += match[0].length;
          continue;
        }
      }
      if (c === '*' && s[i + 1] === '*' && nested) {
        const close = unescapedIndexOf(s, '**', i + 2);
        if (close > i + 2 && !/\s/.test(s[i + 2] as string)) {
          flush();
          out.push({ type: 'strong', children: parseInline(s.slice(i + 2, close), depth + 1, inLink) });
          i = close + 2;
          continue;
        }
        buffer += '**';
        i += 2;
        continue;
      }
      if (c === '*' && nested) {
        const close = closingStar(s, i + 1);
        if (close > i + 1 && !/\s/.test(s[i + 1] as string)) {
          flush();
          out.push({ type: 'em', children: parseInline(s.slice(i + 1, close), depth + 1, inLink) });
          i = close + 1;
          continue;
        }
      }
      if ((c === '[' || (c === '!' && s[i + 1] === '[')) && nested) {
        const image = c === '!';
        const labelStart = i + (image ? 2 : 1);
        const labelEnd = closingBracket(s, labelStart, lastBracket);
        if (labelEnd >= 0 && s[labelEnd + 1] === '(' && (image || !inLink)) {
          const close = closingParen(s, labelEnd + 2, lastParen);
          if (close >= 0) {
            flush();
            const label = s.slice(labelStart, labelEnd);
            // `url` keeps everything written between the parens (a title too); only the
            // destination itself can become an href or src.
            const url = s.slice(labelEnd + 2, close).trim();
            const target = destination(url);
            if (image) {
              out.push({ type: 'img', src: safeUrl(target), url, alt: label });
            } else {
              const kind = linkKind(target);
              const href = kind === 'web' ? safeUrl(target) : null;
              out.push({ type: 'a', href, url, kind, children: parseInline(label, depth + 1, true) });
            }
            i = close + 1;
            continue;
          }
        }
      }
      if (c === '<') {
        fontOpen.lastIndex = i;
        const open = nested ? fontOpen.exec(s) : null;
        if (open) {
          fontCloses ??= matchFontTags(s);
          const closing = fontCloses.get(i);
          const end = closing ? closing[0] : -1;
          const endLength = closing ? closing[1] : 0;
          if (end >= 0) {
            flush();
            const attributes = open[1] ?? '';
            const match = /\bcolor\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/i.exec(attributes);
            const spec = match ? (match[1] ?? match[2] ?? match[3] ?? '') : '';
            const inner = s.slice(i + open[0].length, end);
            out.push({
              type: 'font',
              color: safeColor(spec),
              spec,
              children: parseInline(inner, depth + 1, inLink),
            });
            i = end + endLength;
            continue;
          }
          flush();
          out.push({ type: 'raw', text: open[0], reason: 'unclosed <font>' });
          i += open[0].length;
          continue;
        }
        htmlTag.lastIndex = i;
        const tag = htmlTag.exec(s);
        if (tag) {
          flush();
          const name = tag[2] ? tag[2].toLowerCase() : tag[0].startsWith('<!--') ? '!--' : '!';
          out.push({ type: 'raw', text: tag[0], reason: `HTML <${name}>` });
          i += tag[0].length;
          continue;
        }
      }
      if (c === '`') {
        const run = /^`+/.exec(s.slice(i, i + 64))?.[0] ?? '`';
        const close = s.indexOf(run, i + run.length);
        if (close >= 0) {
          flush();
          out.push({ type: 'raw', text: s.slice(i, close + run.length), reason: 'inline code' });
          i = close + run.length;
          continue;
        }
        buffer += run;
        i += run.length;
        continue;
      }
      if (c === '~' && s[i + 1] === '~') {
        const close = unescapedIndexOf(s, '~~', i + 2);
        if (close > i + 2) {
          flush();
          out.push({ type: 'raw', text: s.slice(i, close + 2), reason: 'strikethrough' });
          i = close + 2;
          continue;
        }
        buffer += '~~';
        i += 2;
        continue;
      }
      buffer += c;
      i++;
    }
    flush();
    return out;
  }

  // ---- blocks ------------------------------------------------------------------------------

  const FENCE = /^ {0,3}(`{3,}|~{3,})/;
  const RULE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
  const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$/;
  const QUOTE = /^ {0,3}> ?(.*)$/;
  const BULLET = /^[ \t]*- +(.*)$/;
  const ORDERED = /^[ \t]*(\d{1,9})\. +(.*)$/;
  const TABLE_DELIMITER = /^[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/;

  function isBlank(line: string): boolean {
    return /^[ \t]*$/.test(line);
  }

  function isTableStart(lines: string[], index: number): boolean {
    const head = lines[index] ?? '';
    const delimiter = lines[index + 1] ?? '';
    return head.includes('|') && delimiter.includes('|') && TABLE_DELIMITER.test(delimiter);
  }

  function startsBlock(lines: string[], index: number): boolean {
    const line = lines[index] ?? '';
    return (
      FENCE.test(line) ||
      RULE.test(line) ||
      HEADING.test(line) ||
      QUOTE.test(line) ||
      BULLET.test(line) ||
      ORDERED.test(line) ||
      isTableStart(lines, index)
    );
  }

  function parseBlocks(lines: string[], depth: number): BlockNode[] {
    const out: BlockNode[] = [];
    /**
     * Marker indentations of the list items seen since the last other block: an item indented two
     * or more columns past the one before it is nested (CommonMark), whatever its marker type.
     */
    let listIndents: number[] = [];
    const listDepth = (itemLine: string): number => {
      const indent = (/^[ \t]*/.exec(itemLine)?.[0] ?? '').replace(/\t/g, '    ').length;
      while (listIndents.length > 0 && indent < (listIndents[listIndents.length - 1] as number))
        listIndents.pop();
      const top = listIndents[listIndents.length - 1];
      if (top === undefined || indent >= top + 2) listIndents.push(indent);
      return listIndents.length - 1;
    };
    let i = 0;
    while (i < lines.length) {
      const line = lines[i] as string;
      if (isBlank(line)) {
        i++;
        continue;
      }
      if (!ORDERED.test(line) && !BULLET.test(line)) listIndents = [];
      const fence = FENCE.exec(line);
      if (fence) {
        const marker = (fence[1] as string)[0] as string;
        const length = (fence[1] as string).length;
        let end = i + 1;
        while (end < lines.length) {
          const closing = FENCE.exec(lines[end] as string);
          if (closing && (closing[1] as string)[0] === marker && (closing[1] as string).length >= length)
            break;
          end++;
        }
        out.push({ type: 'raw', text: lines.slice(i, end + 1).join('\n'), reason: 'code block' });
        i = end + 1;
        continue;
      }
      if (isTableStart(lines, i)) {
        let end = i + 2;
        while (end < lines.length && (lines[end] as string).includes('|') && !isBlank(lines[end] as string))
          end++;
        out.push({ type: 'raw', text: lines.slice(i, end).join('\n'), reason: 'table' });
        i = end;
        continue;
      }
      if (RULE.test(line)) {
        out.push({ type: 'raw', text: line, reason: 'horizontal rule' });
        i++;
        continue;
      }
      const heading = HEADING.exec(line);
      if (heading) {
        const text = (heading[2] ?? '').replace(/[ \t]+#+$/, '').replace(/^#+$/, '');
        out.push({ type: 'h', level: (heading[1] as string).length, children: parseInline(text, 0, false) });
        i++;
        continue;
      }
      if (QUOTE.test(line)) {
        const inner: string[] = [];
        while (i < lines.length) {
          const quoted = QUOTE.exec(lines[i] as string);
          if (!quoted) break;
          inner.push(quoted[1] ?? '');
          i++;
        }
        const children: BlockNode[] =
          depth < MAX_DEPTH
            ? parseBlocks(inner, depth + 1)
            : [{ type: 'p', children: parseInline(inner.join('\n'), MAX_DEPTH, false) }];
        out.push({ type: 'quote', children });
        continue;
      }
      const ordered = ORDERED.test(line);
      if (ordered || BULLET.test(line)) {
        const pattern = ordered ? ORDERED : BULLET;
        const items: { lines: string[]; depth: number }[] = [];
        const start = ordered ? Number((ORDERED.exec(line) as RegExpExecArray)[1]) : 1;
        while (i < lines.length) {
          const current = lines[i] as string;
          const item = pattern.exec(current);
          if (item) {
            items.push({ lines: [(ordered ? item[2] : item[1]) ?? ''], depth: listDepth(current) });
          } else if (isBlank(current) || startsBlock(lines, i)) {
            break;
          } else {
            items[items.length - 1]?.lines.push(current);
          }
          i++;
        }
        const children: ListItemNode[] = items.map((item) => ({
          type: 'li',
          children: parseInline(item.lines.join('\n'), 0, false),
          depth: item.depth,
        }));
        out.push(ordered ? { type: 'ol', start, children } : { type: 'ul', children });
        continue;
      }
      const paragraph: string[] = [line];
      i++;
      while (i < lines.length && !isBlank(lines[i] as string) && !startsBlock(lines, i)) {
        paragraph.push(lines[i] as string);
        i++;
      }
      out.push({ type: 'p', children: parseInline(paragraph.join('\n').replace(/^[ \t]+/, ''), 0, false) });
    }
    return out;
  }

  /** No report or document says how DingTalk draws a nested list, so the preview flags one. */
  const NESTED_LIST = 'nested list';

  function collectWarnings(nodes: MarkdownNode[], warnings: string[]): void {
    for (const node of nodes) {
      if (node.type === 'raw') {
        if (!warnings.includes(node.reason)) warnings.push(node.reason);
      } else if (node.type === 'li' && node.depth > 0 && !warnings.includes(NESTED_LIST)) {
        warnings.push(NESTED_LIST);
      }
      if (node.type !== 'raw' && 'children' in node) {
        collectWarnings(node.children, warnings);
      }
    }
  }

  function parse(text: unknown): ParsedMarkdown {
    const source = typeof text === 'string' ? text : '';
    if (source.length > MAX_LENGTH) {
      return {
        nodes: [{ type: 'raw', text: source, reason: 'too long to preview' }],
        warnings: ['too long to preview'],
      };
    }
    const nodes = parseBlocks(source.replace(/\r\n?/g, '\n').split('\n'), 0);
    const warnings: string[] = [];
    collectWarnings(nodes, warnings);
    return { nodes, warnings };
  }

  return { parse, safeUrl, linkKind, safeColor };
}
