import type { EventHub } from '../events.js';
import type { LogQueue } from '../log.js';
import { RateLimiter } from '../rate-limit.js';
import type { AttemptRecord, EmulatorAppOptions, Mentions, MessageRecord } from '../types.js';
import { botMessage, directConversationId, newMsgId } from './bot-message.js';
import { deliverOverHttp } from './callbacks.js';
import {
  type AppSettings,
  type ResolvedApp,
  type ResolvedGroup,
  type ResolvedMember,
  resolveAppSettings,
  resolveApps,
  resolveGroups,
} from './config.js';
import { appDefaults } from './defaults.js';
import { StreamGateway } from './gateway.js';
import { Sessions, sessionWebhookUrl } from './sessions.js';
import { AccessTokens } from './tokens.js';
import type {
  AppMessageFields,
  AppRobotInfo,
  ChatInput,
  ChatRecord,
  ChatResult,
  EmulatorTimers,
} from './types.js';

/** What the hub needs of the emulator's state: its clock, records, events and log. */
export interface AppRecorder {
  readonly now: () => number;
  readonly events: EventHub;
  readonly log: LogQueue;
  /** The next id of the record sequence shared by messages and attempts (a chat takes one too). */
  nextRecordId(): number;
  recordAppMessage(record: Omit<MessageRecord, 'id'>): MessageRecord;
  recordAppAttempt(record: Omit<AttemptRecord, 'id'>): AttemptRecord;
}

/** Bad input of `POST /api/chat` or a chaos switch: the message names the field as the caller wrote it. */
export class AppInputError extends Error {
  override name = 'AppInputError';
  constructor(
    readonly field: string,
    message: string,
    readonly status: 400 | 404 = 400,
  ) {
    super(message);
  }
}

/** The chaos switches of one app robot. */
export interface AppChaos {
  withholdAcks: boolean;
  duplicate: boolean;
}

/** Timers that never keep the process alive. */
const realTimers: EmulatorTimers = {
  setTimeout: (callback, ms) => {
    const timer = setTimeout(callback, ms);
    timer.unref();
    return timer;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

const MAX_TEXT_BYTES = 20_000;

/**
 * The app-robot side of the emulator: app robots, groups, access tokens, session webhooks, the
 * Stream gateway, HTTP callbacks and the record of every exchange.
 */
export class AppsHub {
  readonly settings: AppSettings;
  readonly apps: readonly ResolvedApp[];
  readonly groups: readonly ResolvedGroup[];
  readonly tokens: AccessTokens;
  readonly sessions: Sessions;
  readonly gateway: StreamGateway;
  readonly timers: EmulatorTimers;
  readonly #chats = new Map<string, ChatRecord>();
  readonly #chaos = new Map<string, AppChaos>();
  readonly #openApiLimiters = new Map<string, RateLimiter>();
  readonly #replyWaiters = new Map<string, ((record: MessageRecord) => void)[]>();
  /** Replies posted while no `nextReply` waited, by the chat's msgId (dropped with the chat). */
  readonly #unreadReplies = new Map<string, MessageRecord[]>();

  constructor(
    options: EmulatorAppOptions,
    readonly recorder: AppRecorder,
  ) {
    this.settings = resolveAppSettings(options);
    this.apps = resolveApps(options.apps);
    this.groups = resolveGroups(options.groups, this.apps);
    this.timers = options.timers ?? realTimers;
    this.tokens = new AccessTokens(this.settings.accessTokenTtlMs);
    this.sessions = new Sessions(appDefaults.maxChats);
    this.gateway = new StreamGateway(this);
    const limit = this.settings.openApiRateLimit;
    for (const app of this.apps) {
      this.#chaos.set(app.clientId, { withholdAcks: false, duplicate: false });
      if (limit)
        this.#openApiLimiters.set(
          app.robotCode,
          new RateLimiter(limit.limit, limit.windowMs, limit.windowMs),
        );
    }
  }

  now(): number {
    return this.recorder.now();
  }

  /** An app robot by clientId, robotCode or name. */
  findApp(ref: string): ResolvedApp | undefined {
    return this.apps.find((app) => app.clientId === ref || app.robotCode === ref || app.name === ref);
  }

  /** An app robot by clientId (AppKey) alone, as credentials name it. */
  byClientId(clientId: unknown): ResolvedApp | undefined {
    return typeof clientId === 'string' ? this.apps.find((app) => app.clientId === clientId) : undefined;
  }

  /** An app robot by robotCode alone, as the OpenAPI names it. */
  byRobotCode(robotCode: string): ResolvedApp | undefined {
    return this.apps.find((app) => app.robotCode === robotCode);
  }

  groupsOf(app: ResolvedApp): ResolvedGroup[] {
    return this.groups.filter((group) => group.robots.includes(app));
  }

  chaosOf(app: ResolvedApp): AppChaos {
    return this.#chaos.get(app.clientId) as AppChaos;
  }

  openApiLimiter(app: ResolvedApp): RateLimiter | undefined {
    return this.#openApiLimiters.get(app.robotCode);
  }

  /** Chat records, oldest first; only one robot's when given (by name). */
  chats(robot?: string): ChatRecord[] {
    const all = [...this.#chats.values()];
    return robot === undefined ? all : all.filter((chat) => chat.robot === robot);
  }

  /** Forgets the chat records (deliveries still under way go on). */
  clearChats(): void {
    this.#chats.clear();
    this.#unreadReplies.clear();
  }

  chat(msgId: string): ChatRecord | undefined {
    return this.#chats.get(msgId);
  }

  /** An app robot as `GET /api/apps` lists it. */
  info(app: ResolvedApp): AppRobotInfo {
    const chaos = this.chaosOf(app);
    const info: AppRobotInfo = {
      name: app.name,
      clientId: app.clientId,
      robotCode: app.robotCode,
      mode: app.mode,
      connections: this.gateway.connectionsOf(app).map((connection) => ({
        id: connection.id,
        openedAt: connection.openedAt,
        subscriptions: connection.topics,
        disconnecting: connection.disconnecting,
      })),
      chaos: {
        withholdAcks: chaos.withholdAcks,
        duplicate: chaos.duplicate,
        openApiThrottledUntil: this.#throttledUntil(app),
      },
      groups: this.groupsOf(app).map((group) => group.id),
    };
    if (app.callbackUrl !== undefined) info.callbackUrl = app.callbackUrl;
    return info;
  }

  #throttledUntil(app: ResolvedApp): number {
    const left = this.openApiLimiter(app)?.penaltyLeft(this.now()) ?? 0;
    return left > 0 ? this.now() + left : 0;
  }

  /** Announces a change of an app robot (connections, chaos) on the event stream. */
  appChanged(app: ResolvedApp): void {
    this.recorder.events.publish('app', this.info(app));
  }

  /** Announces a change of a chat record (delivery, ack, reply) on the event stream. */
  chatChanged(chat: ChatRecord): void {
    this.recorder.events.publish('chat', chat);
  }

  log(line: string): void {
    if (this.recorder.log.enabled) this.recorder.log.write(line);
  }

  /**
   * A member says something to a robot: the message is built as DingTalk would deliver it, with a
   * fresh sessionWebhook, and sent over the robot's Stream connection or HTTP callback.
   */
  async send(input: ChatInput, baseUrl: string): Promise<ChatResult> {
    const { app, group, conversationId, sender, text } = this.#resolveChat(input);
    const now = this.now();
    const msgId = newMsgId();
    const direct = 'direct' in group;
    const session = this.sessions.create(
      app,
      msgId,
      conversationId,
      now + this.settings.sessionWebhookTtlMs,
      direct ? sender.staffId : undefined,
    );
    const sessionWebhook = sessionWebhookUrl(baseUrl, session);
    const chat: ChatRecord = {
      id: this.recorder.nextRecordId(),
      msgId,
      robot: app.name,
      robotCode: app.robotCode,
      conversationId,
      sender: sender.staffId,
      direct,
      text,
      createdAt: now,
      message: botMessage({
        app,
        group,
        sender,
        text,
        msgId,
        createAt: now,
        sessionWebhook,
        sessionWebhookExpiredTime: session.expiresAt,
      }),
      deliveries: [],
      acks: [],
      pending: false,
      replies: [],
    };
    this.#chats.set(msgId, chat);
    if (this.#chats.size > appDefaults.maxChats) {
      const oldest = this.#chats.keys().next().value;
      if (oldest !== undefined) {
        this.#chats.delete(oldest);
        this.#unreadReplies.delete(oldest);
      }
    }
    this.log(`chat ${msgId} to ${app.name} from ${sender.staffId} in ${conversationId}`);
    let delivery: ChatResult['delivery'];
    if (app.mode === 'http') {
      this.chatChanged(chat);
      await deliverOverHttp(this, app, chat, 'first');
      if (this.chaosOf(app).duplicate) await deliverOverHttp(this, app, chat, 'duplicate');
      delivery = 'http';
    } else {
      delivery = this.gateway.deliver(app, chat);
      this.chatChanged(chat);
    }
    return { msgId, conversationId, sessionWebhook, delivery };
  }

  #resolveChat(input: ChatInput): {
    app: ResolvedApp;
    group: ResolvedGroup | { direct: string };
    conversationId: string;
    sender: ResolvedMember;
    text: string;
  } {
    if (typeof input !== 'object' || input === null)
      throw new AppInputError('(body)', 'expected a JSON object');
    if (typeof input.robot !== 'string' || input.robot === '')
      throw new AppInputError('robot', "robot: give the app robot's clientId, robotCode or name");
    const app = this.findApp(input.robot);
    if (!app) {
      const known = this.apps.map((a) => a.name).join(', ') || 'none configured';
      throw new AppInputError(
        'robot',
        `robot: no app robot has the clientId, robotCode or name "${input.robot}" (app robots: ${known})`,
        404,
      );
    }
    if (typeof input.text !== 'string' || input.text.trim() === '')
      throw new AppInputError('text', 'text: give what the member types, e.g. "@bot deploy api"');
    if (Buffer.byteLength(input.text) > MAX_TEXT_BYTES)
      throw new AppInputError('text', `text: at most ${MAX_TEXT_BYTES} UTF-8 bytes`);
    if (input.direct !== undefined && typeof input.direct !== 'boolean')
      throw new AppInputError('direct', 'direct: expected true (a 1:1 chat) or false');
    if (input.sender !== undefined && (typeof input.sender !== 'string' || input.sender === ''))
      throw new AppInputError('sender', 'sender: expected a staffId or name');

    if (input.direct === true) {
      if (input.conversation !== undefined)
        throw new AppInputError(
          'conversation',
          'conversation: a direct (1:1) chat has no group; drop one of the two',
        );
      const everyone = this.groups.flatMap((g) => g.members);
      const sender =
        input.sender === undefined
          ? (this.groupsOf(app)[0]?.members[0] ?? everyone[0])
          : findMember(everyone, input.sender);
      if (!sender) {
        throw new AppInputError(
          'sender',
          input.sender === undefined
            ? 'sender: there is no member in any group; add members to a group'
            : `sender: no member of any group has the staffId or name "${input.sender}"`,
          404,
        );
      }
      const id = directConversationId(app.robotCode, sender.staffId);
      return { app, group: { direct: id }, conversationId: id, sender, text: input.text };
    }

    let group: ResolvedGroup | undefined;
    if (input.conversation !== undefined) {
      if (typeof input.conversation !== 'string')
        throw new AppInputError('conversation', 'conversation: expected a group id');
      group = this.groups.find((g) => g.id === input.conversation);
      if (!group)
        throw new AppInputError(
          'conversation',
          `conversation: no group has the id "${input.conversation}"`,
          404,
        );
      if (!group.robots.includes(app))
        throw new AppInputError(
          'conversation',
          `conversation: ${app.name} is not in the group "${group.id}"; add it to the group's robots`,
        );
    } else {
      group = this.groupsOf(app)[0];
      if (!group)
        throw new AppInputError(
          'robot',
          `robot: ${app.name} is in no group; add it to a group's robots, or send with "direct": true`,
        );
    }
    const sender = input.sender === undefined ? group.members[0] : findMember(group.members, input.sender);
    if (!sender) {
      const known = group.members.map((m) => m.staffId).join(', ');
      throw new AppInputError(
        'sender',
        `sender: no member of "${group.id}" has the staffId or name "${input.sender}" (members: ${known})`,
        404,
      );
    }
    return { app, group, conversationId: group.id, sender, text: input.text };
  }

  /** Records a message the robot posted in answer to a chat, and ties the two together. */
  recordReply(
    app: ResolvedApp,
    receivedAt: number,
    msgtype: string,
    payload: Record<string, unknown>,
    bytes: number,
    mentions: Mentions,
    fields: AppMessageFields,
  ): MessageRecord {
    const record = this.recorder.recordAppMessage({
      robot: app.name,
      receivedAt,
      msgtype,
      payload,
      bytes,
      mentions,
      ...fields,
    });
    this.log(`reply ${msgtype} robot=${app.name} via=${fields.via ?? '-'}`);
    const chat = fields.inReplyTo === undefined ? undefined : this.#chats.get(fields.inReplyTo);
    if (chat) {
      chat.replies.push(record.id);
      this.chatChanged(chat);
    }
    if (fields.inReplyTo !== undefined) {
      const waiters = this.#replyWaiters.get(fields.inReplyTo);
      const waiter = waiters?.shift();
      if (waiters?.length === 0) this.#replyWaiters.delete(fields.inReplyTo);
      if (waiter) waiter(record);
      else if (chat) {
        // Nobody waits yet (an HTTP robot replies before `chat()` resolves): keep it for the next
        // `nextReply`, as long as the chat itself is kept.
        const unread = this.#unreadReplies.get(fields.inReplyTo) ?? [];
        unread.push(record);
        this.#unreadReplies.set(fields.inReplyTo, unread);
      }
    }
    return record;
  }

  /**
   * Resolves with the next reply to `msgId` that no earlier call returned: one posted already (an
   * HTTP robot answers before `chat()` resolves) or the next one to come. Each reply goes to one call,
   * in order. No deadline: the caller's test runner has one.
   */
  nextReply(msgId: string): Promise<MessageRecord> {
    const unread = this.#unreadReplies.get(msgId);
    const first = unread?.shift();
    if (unread?.length === 0) this.#unreadReplies.delete(msgId);
    if (first) return Promise.resolve(first);
    return new Promise((resolve) => {
      const waiters = this.#replyWaiters.get(msgId) ?? [];
      waiters.push(resolve);
      this.#replyWaiters.set(msgId, waiters);
    });
  }

  /** Ends every Stream connection and timer. */
  close(): void {
    this.gateway.close();
  }
}

/** A member by staffId first, then by name. */
function findMember(members: readonly ResolvedMember[], ref: string): ResolvedMember | undefined {
  return members.find((m) => m.staffId === ref) ?? members.find((m) => m.name === ref);
}
