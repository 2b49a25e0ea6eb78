import { ValidationError } from '@dingbot/sdk';
import type { OpenApiClient } from './openapi/client.js';
import type { BotTimers } from './options.js';

/** How `ctx.stream()` shows an answer: which AI card template, which of its variables, how often. */
export interface CardOptions {
  /**
   * The AI card template (卡片平台, "AI 卡片" scene) whose markdown variable receives the text.
   * @default '382e4302-551d-4880-bf29-a30acfab2e71.schema' (DingTalk's public AI markdown card)
   */
  templateId?: string;
  /**
   * The template variable the streamed text goes to (`key` of `PUT /v1.0/card/streaming`).
   * @default 'msgContent'
   */
  contentKey?: string;
  /**
   * The least time between two streaming updates of one card. DingTalk counts every update against
   * the app's OpenAPI QPS and monthly quota, and its client types text out at its own pace, so more
   * frequent updates only cost quota; the text received meanwhile goes in the next update.
   * @default 500
   */
  minIntervalMs?: number;
}

/** Card options with the defaults filled in. */
export type ResolvedCardOptions = Required<CardOptions>;

/** Defaults of {@link CardOptions}. */
export const cardDefaults: ResolvedCardOptions = {
  templateId: '382e4302-551d-4880-bf29-a30acfab2e71.schema',
  contentKey: 'msgContent',
  minIntervalMs: 500,
};

/** What `ctx.stream()` resolves with. */
export interface StreamedCard {
  /** The card's `outTrackId` (for `PUT /v1.0/card/instances` later). */
  outTrackId: string;
  /** The whole text, as the final update showed it. */
  text: string;
  /** Streaming updates DingTalk accepted, the final one included. */
  updates: number;
  /** Updates DingTalk refused on the way (throttled, say); the final one carried their text. */
  skipped: number;
}

/** Where the card goes and what it needs. */
export interface StreamCardInput {
  client: OpenApiClient;
  robotCode: string;
  conversation: { type: 'group' | 'direct'; id: string };
  /** The staffId of the person a 1:1 card goes to. */
  userId: string | undefined;
  card: ResolvedCardOptions;
  now: () => number;
  timers: BotTimers;
}

/** `POST /v1.0/card/instances/createAndDeliver`. */
export const CREATE_AND_DELIVER_PATH = '/v1.0/card/instances/createAndDeliver';
/** `PUT /v1.0/card/streaming`. */
export const STREAMING_PATH = '/v1.0/card/streaming';

/**
 * Creates and delivers an AI card, streams `source` into it (the whole text each time, `isFull`), at
 * most one update per `minIntervalMs`, and ends it with `isFinalize` (or `isError` when `source` throws,
 * after which the error is rethrown).
 */
export async function streamCard(
  input: StreamCardInput,
  source: AsyncIterable<string> | Iterable<string>,
): Promise<StreamedCard> {
  const { client, robotCode, conversation, card, now, timers } = input;
  if (
    source === null ||
    typeof source !== 'object' ||
    (typeof (source as AsyncIterable<string>)[Symbol.asyncIterator] !== 'function' &&
      typeof (source as Iterable<string>)[Symbol.iterator] !== 'function')
  ) {
    throw new ValidationError(
      'source',
      'is not an iterable',
      'Pass an async iterable of text chunks, e.g. the text stream of an LLM answer.',
      'ctx.stream()',
    );
  }
  const group = conversation.type === 'group';
  if (!group && input.userId === undefined) {
    throw new ValidationError(
      'sender.staffId',
      'is missing',
      'A 1:1 card goes to a member of the organisation: this sender has no staffId.',
      'ctx.stream()',
    );
  }
  const outTrackId = crypto.randomUUID();
  await client.call('POST', CREATE_AND_DELIVER_PATH, {
    cardTemplateId: card.templateId,
    outTrackId,
    cardData: { cardParamMap: { [card.contentKey]: '' } },
    callbackType: 'STREAM',
    openSpaceId: group ? `dtv1.card//IM_GROUP.${conversation.id}` : `dtv1.card//IM_ROBOT.${input.userId}`,
    userIdType: 1,
    ...(group
      ? { imGroupOpenSpaceModel: { supportForward: true }, imGroupOpenDeliverModel: { robotCode } }
      : {
          imRobotOpenSpaceModel: { supportForward: true },
          imRobotOpenDeliverModel: { spaceType: 'IM_ROBOT', robotCode },
        }),
  });

  const put = (content: string, isFinalize: boolean, isError = false) =>
    client.call('PUT', STREAMING_PATH, {
      outTrackId,
      guid: crypto.randomUUID(),
      key: card.contentKey,
      content,
      isFull: true,
      isFinalize,
      isError,
    });

  let full = '';
  let shown = '';
  let lastAt = Number.NEGATIVE_INFINITY;
  let inflight: Promise<void> | undefined;
  let timer: unknown;
  let updates = 0;
  let skipped = 0;
  let ended = false;

  const flush = (): void => {
    timer = undefined;
    if (ended || inflight !== undefined || full === shown) return;
    const content = full;
    lastAt = now();
    inflight = put(content, false)
      .then(
        () => {
          shown = content;
          updates++;
        },
        () => {
          // Throttled or refused on the way: the next update (or the final one) carries this text.
          skipped++;
        },
      )
      .finally(() => {
        inflight = undefined;
        schedule();
      });
  };
  const schedule = (): void => {
    if (ended || inflight !== undefined || timer !== undefined || full === shown) return;
    const wait = lastAt + card.minIntervalMs - now();
    if (wait <= 0) flush();
    else timer = timers.setTimeout(flush, wait);
  };
  const stop = async (): Promise<void> => {
    ended = true;
    if (timer !== undefined) timers.clearTimeout(timer);
    timer = undefined;
    while (inflight !== undefined) await inflight;
  };

  try {
    for await (const chunk of source) {
      if (typeof chunk !== 'string') {
        throw new ValidationError(
          'source',
          `yielded ${chunk === null ? 'null' : typeof chunk}, not text`,
          'Yield strings (text chunks).',
          'ctx.stream()',
        );
      }
      if (chunk === '') continue;
      full += chunk;
      schedule();
    }
  } catch (error) {
    await stop();
    try {
      await put(full, true, true);
    } catch {
      // The source's error is the one worth reporting.
    }
    throw error;
  }
  await stop();
  await put(full, true);
  updates++;
  return { outTrackId, text: full, updates, skipped };
}
