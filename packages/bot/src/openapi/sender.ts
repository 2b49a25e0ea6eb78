import {
  DELIVERY_OPTIONS,
  DeliveryEngine,
  type DeliveryOptions,
  type Message,
  OptionsError,
  type SendOptions,
  type SendResult,
  validateMessage,
} from '@dingbot/sdk';
import type { OpenApiClient } from './client.js';
import { toOpenApiMessage } from './messages.js';

/** Where a robot posts through the OpenAPI: a group, or people 1:1. */
export type SendTarget =
  | {
      /** The group's conversation id (`cid…`, its openConversationId): `groupMessages/send`. */
      conversationId: string;
    }
  | {
      /** Up to 20 people (staffIds) in 1:1 chats with the robot: `oToMessages/batchSend`. */
      userIds: string[];
    };

/** The robot OpenAPI's limit on `msgParam`, in UTF-8 bytes; longer text and markdown are split. */
export const MAX_MSG_PARAM_BYTES = 15_000;

/**
 * How long a robot the OpenAPI throttled (`send.too.fast`) waits before sending again, unless
 * `replyOptions.penaltyMs` says otherwise. A judgement call: DingTalk does not document it.
 */
export const OPENAPI_PENALTY_MS = 60_000;

/** `oToMessages/batchSend` takes at most this many userIds. */
export const MAX_BATCH_USER_IDS = 20;

/** Checks a send target and returns it in the form the API takes. */
export function checkTarget(target: unknown): SendTarget {
  const fix =
    "Pass { conversationId: 'cid…' } for a group or { userIds: ['staffId', …] } (1 to 20) for 1:1 chats.";
  if (typeof target !== 'object' || target === null || Array.isArray(target)) {
    throw new OptionsError('target', 'is not an object', fix);
  }
  const given = target as Record<string, unknown>;
  const keys = Object.keys(given);
  if ('conversationId' in given && 'userIds' in given) {
    throw new OptionsError('target', 'has both conversationId and userIds', fix);
  }
  if ('conversationId' in given) {
    const id = given['conversationId'];
    if (typeof id !== 'string' || id.trim() === '') {
      throw new OptionsError('target.conversationId', 'is not a non-empty string', fix);
    }
    return { conversationId: id };
  }
  if ('userIds' in given) {
    const ids = given['userIds'];
    if (!Array.isArray(ids) || ids.length === 0 || ids.length > MAX_BATCH_USER_IDS) {
      throw new OptionsError('target.userIds', `is not a list of 1 to ${MAX_BATCH_USER_IDS} staffIds`, fix);
    }
    const bad = ids.findIndex((id) => typeof id !== 'string' || id.trim() === '');
    if (bad >= 0) throw new OptionsError(`target.userIds[${bad}]`, 'is not a non-empty string', fix);
    return { userIds: [...ids] as string[] };
  }
  const other = keys[0];
  throw new OptionsError(
    other === undefined ? 'target' : `target.${other}`,
    other === undefined ? 'is empty' : 'is not a target field',
    fix,
  );
}

/**
 * Posts SDK messages through the robot OpenAPI to one target, through the SDK's delivery engine
 * (paced per robotCode, long text and markdown split to fit `msgParam`, throttling waited out).
 */
export class OpenApiSender {
  readonly #engine: DeliveryEngine;

  constructor(client: OpenApiClient, robotCode: string, target: SendTarget, options: DeliveryOptions) {
    const delivery: Record<string, unknown> = {};
    for (const key of DELIVERY_OPTIONS) if (options[key] !== undefined) delivery[key] = options[key];
    // The webhook's 10-minute penalty is documented; the OpenAPI's is not: wait a minute, then try.
    delivery['penaltyMs'] ??= OPENAPI_PENALTY_MS;
    const path =
      'conversationId' in target ? '/v1.0/robot/groupMessages/send' : '/v1.0/robot/oToMessages/batchSend';
    const where =
      'conversationId' in target
        ? { openConversationId: target.conversationId }
        : { userIds: target.userIds };
    this.#engine = new DeliveryEngine({
      ...(delivery as DeliveryOptions),
      // One pace per robot, whatever the conversation: DingTalk counts the robot's sends.
      key: `dingbot:openapi:${robotCode}`,
      maxBytes: MAX_MSG_PARAM_BYTES,
      post: async (message, _onRetry, signal) => {
        const { msgKey, msgParam } = toOpenApiMessage(message);
        await client.call(
          'POST',
          path,
          { robotCode, ...where, msgKey, msgParam: JSON.stringify(msgParam) },
          signal,
        );
        return { attempts: 1 };
      },
    });
  }

  /** Validates `message` and queues it; resolves once DingTalk accepted all of it. */
  send(message: Message, options?: SendOptions): Promise<SendResult> {
    try {
      validateMessage(message);
      toOpenApiMessage(message);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#engine.send(message, options);
  }

  /** Waits for what is queued, then lets the engine go. */
  close(): Promise<void> {
    return this.#engine.close();
  }
}
