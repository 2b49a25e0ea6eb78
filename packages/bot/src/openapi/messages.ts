import { type Message, ValidationError } from '@dingbot/sdk';

/** A message as the robot OpenAPI takes it: a template (`msgKey`) and its parameters. */
export interface OpenApiMessage {
  /** `sampleText`, `sampleMarkdown`, `sampleLink`, `sampleActionCard`, `sampleActionCard2`–`6`. */
  msgKey: string;
  /** The template's parameters (sent as a JSON string). */
  msgParam: Record<string, string>;
}

/**
 * The OpenAPI form (`msgKey`/`msgParam`) of an SDK message, as DingTalk's robot message templates
 * define them: text → `sampleText`, markdown → `sampleMarkdown`, link → `sampleLink`, an action card
 * with one button → `sampleActionCard`, with 2–5 stacked buttons → `sampleActionCard2`–`5`, with two
 * side by side → `sampleActionCard6`. Mentions (`at`) have no place in a template: the `@name` stays in
 * the text but pings nobody. A feed card has no template: a `ValidationError` says so.
 * @example toOpenApiMessage(text('hi')) // { msgKey: 'sampleText', msgParam: { content: 'hi' } }
 */
export function toOpenApiMessage(message: Message): OpenApiMessage {
  switch (message.msgtype) {
    case 'text':
      return { msgKey: 'sampleText', msgParam: { content: message.text.content } };
    case 'markdown':
      return {
        msgKey: 'sampleMarkdown',
        msgParam: { title: message.markdown.title, text: message.markdown.text },
      };
    case 'link': {
      const { title, text, messageUrl, picUrl } = message.link;
      const msgParam: Record<string, string> = { title, text, messageUrl };
      if (picUrl !== undefined) msgParam['picUrl'] = picUrl;
      return { msgKey: 'sampleLink', msgParam };
    }
    case 'actionCard': {
      const card = message.actionCard;
      const { title, text } = card;
      if ('singleURL' in card) {
        return {
          msgKey: 'sampleActionCard',
          msgParam: { title, text, singleTitle: card.singleTitle, singleURL: card.singleURL },
        };
      }
      const buttons = card.btns;
      if (buttons.length === 1 && buttons[0] !== undefined) {
        return {
          msgKey: 'sampleActionCard',
          msgParam: { title, text, singleTitle: buttons[0].title, singleURL: buttons[0].actionURL },
        };
      }
      if (card.btnOrientation === '1' && buttons.length === 2) {
        const msgParam: Record<string, string> = { title, text };
        buttons.forEach((button, i) => {
          msgParam[`buttonTitle${i + 1}`] = button.title;
          msgParam[`buttonUrl${i + 1}`] = button.actionURL;
        });
        return { msgKey: 'sampleActionCard6', msgParam };
      }
      if (buttons.length >= 2 && buttons.length <= 5) {
        const msgParam: Record<string, string> = { title, text };
        buttons.forEach((button, i) => {
          msgParam[`actionTitle${i + 1}`] = button.title;
          msgParam[`actionURL${i + 1}`] = button.actionURL;
        });
        return { msgKey: `sampleActionCard${buttons.length}`, msgParam };
      }
      throw new ValidationError(
        'actionCard.btns',
        `has ${buttons.length} buttons`,
        "DingTalk's OpenAPI templates take 1 to 5 stacked buttons, or 2 side by side: use fewer buttons.",
      );
    }
    case 'feedCard':
      throw new ValidationError(
        'msgtype',
        'is feedCard, which the robot OpenAPI cannot send',
        'Send the items as a markdown list or a link per item instead.',
      );
  }
}
