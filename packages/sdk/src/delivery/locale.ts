/** The languages dingbot writes into messages in. */
export type Locale = 'en' | 'zh-CN';

/** Every {@link Locale}, in the order the docs list them. */
export const LOCALES: readonly Locale[] = ['en', 'zh-CN'];

/** The texts the delivery engine writes into messages, for one language. */
export interface LocaleTexts {
  /** A digest's heading, above its items. */
  digestHeading(count: number): string;
  /** A digest's default title (notification and chat list), given a snippet of its first message. */
  digestTitle(count: number, first: string): string;
  /** The label of part `index` of `total` of a split message. */
  part(index: number, total: number): string;
  /** What joins a title and its part label. */
  titleSeparator: string;
}

/**
 * The texts per language. Chinese follows what Chinese chat tools write: 「共 12 条消息」,
 * 「（第 2/3 段）」 with full-width brackets and no space before them.
 */
export const TEXTS: Readonly<Record<Locale, LocaleTexts>> = {
  en: {
    digestHeading: (count) => `${count} messages`,
    digestTitle: (count, first) => `${count} messages: ${first}`,
    part: (index, total) => `(part ${index}/${total})`,
    titleSeparator: ' ',
  },
  'zh-CN': {
    digestHeading: (count) => `共 ${count} 条消息`,
    digestTitle: (count, first) => `共 ${count} 条消息：${first}`,
    part: (index, total) => `（第 ${index}/${total} 段）`,
    titleSeparator: '',
  },
};
