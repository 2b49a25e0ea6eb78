/**
 * Helpers for the markdown DingTalk actually renders: headings, quotes, bold, italic, links, images,
 * lists and `<font color>`. Everything else renders badly or as raw text.
 */

/**
 * Escapes user text so DingTalk shows it literally inside a markdown message: emphasis, links and
 * images, HTML, and line-start markers (headings, quotes, lists) lose their meaning.
 *
 * Two mechanisms, both seen working on DingTalk (the emulator's README has the evidence): a backslash
 * before the punctuation that can start markup (`\*`, `\_`, `` \` ``, `\[`, `\]`, `\~`, `\|`, `\\`,
 * and `#`, `-`, `+`, `=`, `1.`/`1)` at the start of a line), and the entities `&amp;`, `&lt;`, `&gt;`
 * for `&`, `<`, `>`. Nothing else is touched, so no stray character can show: `(`, `)` and `!` only
 * mean something after an (escaped) bracket.
 * @example markdown('Alert', `**Host:** ${escapeMarkdown(hostname)}`)
 */
export function escapeMarkdown(value: string): string {
  return (
    value
      .replace(/[\\`*_[\]~|]/g, '\\$&')
      // `&` first, so user text such as `&lt;` shows as typed instead of turning into `<`.
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/^(\s*)([#+=-])/gm, '$1\\$2')
      .replace(/^(\s*\d+)([.)])/gm, '$1\\$2')
  );
}

/**
 * Makes every line break render: DingTalk often joins lines separated by a single `\n`, so single
 * breaks get two trailing spaces (a markdown hard break); blank lines (paragraphs) stay as they are.
 * @example markdownBreaks('line one\nline two') // 'line one  \nline two'
 */
export function markdownBreaks(value: string): string {
  return value.replace(/\r\n?/g, '\n').replace(/([^\n])[ \t]*\n(?=[^\n])/g, '$1  \n');
}

/** Kinds of trouble {@link lintMarkdown} reports. */
export type MarkdownLintRule =
  | 'table'
  | 'code-fence'
  | 'inline-code'
  | 'html'
  | 'horizontal-rule'
  | 'strikethrough'
  | 'single-newline'
  | 'too-many-images'
  | 'task-list';

/** One warning of {@link lintMarkdown}. */
export interface MarkdownWarning {
  rule: MarkdownLintRule;
  /** 1-based line number. */
  line: number;
  message: string;
}

/**
 * Warns about markdown DingTalk does not render (tables, code, rules, strikethrough, HTML other than
 * `<font>`), single line breaks that may not break, and over 20 images, so you learn before a message
 * looks broken in the group.
 * @example for (const w of lintMarkdown(text)) console.warn(`line ${w.line}: ${w.message}`);
 */
export function lintMarkdown(value: string): MarkdownWarning[] {
  const warnings: MarkdownWarning[] = [];
  const lines = value.replace(/\r\n?/g, '\n').split('\n');
  let images = 0;
  let inFence = false;
  lines.forEach((line, index) => {
    const at = index + 1;
    const add = (rule: MarkdownLintRule, message: string) => warnings.push({ rule, line: at, message });
    if (/^\s*(```|~~~)/.test(line)) {
      if (!inFence)
        add(
          'code-fence',
          'Code blocks are not rendered by DingTalk: the backticks show as text. Indent nothing; use a quote (>) or plain lines.',
        );
      inFence = !inFence;
      return;
    }
    if (inFence) return;
    if (/^\s*\|.*\|\s*$/.test(line) || /^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)+\|?\s*$/.test(line)) {
      add('table', 'Tables are not rendered by DingTalk: use a list such as "- **name**: value".');
    }
    if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line))
      add('horizontal-rule', 'Horizontal rules are not rendered by DingTalk.');
    if (/~~[^~]+~~/.test(line)) add('strikethrough', 'Strikethrough (~~…~~) is not rendered by DingTalk.');
    if (/`[^`]+`/.test(line))
      add('inline-code', 'Inline code (`…`) is not rendered by DingTalk: the backticks show as text.');
    if (/^\s*[-*]\s+\[[ xX]\]/.test(line)) add('task-list', 'Task lists are not rendered by DingTalk.');
    for (const match of line.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>/g)) {
      if (match[1]!.toLowerCase() !== 'font') {
        add('html', `HTML <${match[1]}> is not rendered by DingTalk; only <font color=…> usually works.`);
        break;
      }
    }
    images += (line.match(/!\[[^\]]*\]\([^)]*\)/g) ?? []).length;
    const next = lines[index + 1];
    if (
      next !== undefined &&
      line.trim() !== '' &&
      next.trim() !== '' &&
      !/ {2}$/.test(line) &&
      !isBlockStart(next)
    ) {
      add(
        'single-newline',
        'A single line break may not break the line in DingTalk: end the line with two spaces, leave a blank line, or use markdownBreaks().',
      );
    }
  });
  if (images > 20) {
    warnings.push({
      rule: 'too-many-images',
      line: 1,
      message: `${images} images: DingTalk recommends fewer than 20 per message.`,
    });
  }
  return warnings;
}

function isBlockStart(line: string): boolean {
  return /^\s*(#{1,6}\s|>|[-*+]\s|\d+\.\s)/.test(line);
}
