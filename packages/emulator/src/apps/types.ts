/**
 * Public types of the emulator's app robots (企业内部应用机器人): robots that listen, over a Stream
 * WebSocket or an HTTP callback, and answer through a session webhook or the OpenAPI.
 */

/** How DingTalk delivers messages to an app robot. */
export type AppMode = 'stream' | 'http';

/**
 * One app robot: the credentials of its DingTalk app plus how messages reach it.
 *
 * @example
 * ```ts
 * const app: AppRobotConfig = { clientId: 'dingabc', clientSecret: 'not-a-real-secret', name: 'deploy-bot' };
 * ```
 */
export interface AppRobotConfig {
  /** The app's AppKey (Client ID); also what `/v1.0/oauth2/accessToken` calls `appKey`. */
  clientId: string;
  /** The app's AppSecret (Client Secret). Never shown by the API, the logs or the records. */
  clientSecret: string;
  /**
   * The robot's code, used by the OpenAPI sends and carried in every delivered message.
   * @default the clientId (DingTalk's robotCode is the AppKey for robots created with the app)
   * @example 'dingabc'
   */
  robotCode?: string;
  /**
   * The robot's display name: what people type after `@` and what is stripped from `text.content`.
   * @default 'bot' for the first app robot, else the robotCode
   * @example 'deploy-bot'
   */
  name?: string;
  /**
   * `'stream'` (a WebSocket the robot opens) or `'http'` (the emulator POSTs to `callbackUrl`).
   * @default 'http' when callbackUrl is set, else 'stream'
   */
  mode?: AppMode;
  /**
   * Where HTTP-mode messages are POSTed.
   * @example 'http://127.0.0.1:3000/dingtalk'
   */
  callbackUrl?: string;
}

/** A person in a group. */
export interface MemberConfig {
  /** The member's userId in the organisation (`senderStaffId`, `atUserIds`). */
  staffId: string;
  /** The nick shown in the group and sent as `senderNick`. */
  name: string;
  /**
   * Mobile number, for `atMobiles` mentions.
   * @example '13800000001'
   */
  mobile?: string;
  /**
   * Whether the member is a group admin (`isAdmin` of delivered messages).
   * @default false
   */
  admin?: boolean;
}

/** A group (conversation) with members and the app robots added to it. */
export interface GroupConfig {
  /**
   * The openConversationId (`conversationId` of delivered messages, `openConversationId` of OpenAPI sends).
   * @example 'cidDevOps000001'
   */
  id: string;
  /** The group's title (`conversationTitle`). */
  title: string;
  /** The people in the group; the first one is the default sender. */
  members: MemberConfig[];
  /**
   * App robots in this group, by clientId, robotCode or name.
   * @default every app robot
   */
  robots?: string[];
}

/** Timers the emulator schedules with (redelivery, ping, disconnect); inject fakes to run them by hand. */
export interface EmulatorTimers {
  /** Like `setTimeout`; the default implementation unrefs the timer so it never keeps a process alive. */
  setTimeout(callback: () => void, ms: number): unknown;
  /** Cancels what {@link EmulatorTimers.setTimeout} returned. */
  clearTimeout(handle: unknown): void;
}

/** Options of the app-robot side of the emulator (part of {@link EmulatorAppOptions}). */
export interface AppsOptions {
  /**
   * App robots. Omitted: one default Stream-mode robot (see `defaults.app`); `[]`: none.
   * @example [{ clientId: 'dingabc', clientSecret: 'not-real', name: 'bot' }]
   */
  apps?: AppRobotConfig[];
  /**
   * Groups with members. Omitted: one default group (see `defaults.group`) with every app robot.
   * @example [{ id: 'cidOps', title: 'Ops', members: [{ staffId: 'u1', name: 'Li Lei' }] }]
   */
  groups?: GroupConfig[];
  /**
   * How long an access token (`/v1.0/oauth2/accessToken`, `/gettoken`) stays valid.
   * @default 7200000 (2 hours, DingTalk's expireIn 7200)
   */
  accessTokenTtlMs?: number;
  /**
   * How long a Stream ticket from `/v1.0/gateway/connections/open` may be used (once).
   * @default 90000
   */
  streamTicketTtlMs?: number;
  /**
   * An unacked Stream callback is pushed again after this long; `0` never.
   * @default 60000
   */
  streamRedeliveryMs?: number;
  /**
   * How many times an unacked Stream callback is pushed again.
   * @default 1
   */
  streamMaxRedeliveries?: number;
  /**
   * Interval of SYSTEM `ping` frames; a connection that has not echoed the previous ping by the next one
   * is closed. `0` sends none.
   * @default 30000
   */
  streamPingMs?: number;
  /**
   * After a SYSTEM `disconnect` frame, the socket is closed this much later.
   * @default 10000
   */
  streamDisconnectCloseMs?: number;
  /**
   * Lifetime of a `sessionWebhook` (`sessionWebhookExpiredTime − createAt`).
   * @default 5400000 (90 minutes)
   */
  sessionWebhookTtlMs?: number;
  /**
   * msgtypes a `sessionWebhook` accepts (DingTalk documents text and markdown; the others are not known to fail).
   * @default ['text', 'markdown', 'link', 'actionCard', 'feedCard']
   */
  sessionWebhookMsgtypes?: string[];
  /**
   * How long the emulator waits for an HTTP callback's answer.
   * @default 10000
   */
  callbackTimeoutMs?: number;
  /**
   * The OpenAPI sends' rate limit per robotCode (messages in a sliding window; over it answers
   * `send.too.fast` for a window); `false` turns it off.
   * @default { limit: 20, windowMs: 60000 }
   */
  openApiRateLimit?: { limit?: number; windowMs?: number } | false;
  /**
   * Timers for redelivery, pings and disconnects.
   * @default the global setTimeout/clearTimeout, unref'd
   */
  timers?: EmulatorTimers;
}

/** What a message an app robot posted is tied to (extra fields of a message record). */
export interface AppMessageFields {
  /** For app robots: how the message was posted. Absent for webhook robots' `/robot/send`. */
  via?: 'sessionWebhook' | 'callbackResponse' | 'groupMessages/send' | 'oToMessages/batchSend' | 'card';
  /** The `msgId` of the delivered message this answers (sessionWebhook and callback answers). */
  inReplyTo?: string;
  /** The group it was posted to. */
  conversationId?: string;
  /** 1:1 sends: the recipients' staffIds. */
  userIds?: string[];
  /** OpenAPI sends: the msgKey and msgParam as sent (the payload holds the webhook-shaped equivalent). */
  openApi?: { msgKey: string; msgParam: Record<string, unknown> };
  /** AI cards (`via: 'card'`): the card and its state; the payload's markdown shows its current text. */
  card?: CardSummary;
}

/** An AI card as its timeline record shows it (`card` of a message record). */
export interface CardSummary {
  /** The `outTrackId` the robot gave it. */
  outTrackId: string;
  cardTemplateId: string;
  /** `processing` until the first streaming update, `inputing` while streaming, then `finished` or `failed`. */
  status: 'processing' | 'inputing' | 'finished' | 'failed';
  /** Streaming updates accepted so far. */
  updates: number;
}

/** One push of a delivered message to the robot. */
export interface DeliveryRecord {
  /** ms epoch of the push. */
  at: number;
  /** `'stream'` frames name the connection; `'http'` posts name the URL. */
  transport: AppMode;
  /** The Stream connection's id. */
  connectionId?: string;
  /** The Stream frame's `headers.messageId`. */
  messageId?: string;
  /** Why it was pushed: the first time, a redelivery (no ack in time), or a chaos duplicate. */
  reason: 'first' | 'redelivery' | 'duplicate';
  /** HTTP: the answer's status (0 when the request failed), body (first 2000 characters) or error. */
  status?: number;
  body?: string;
  error?: string;
}

/** A message a member sent to an app robot, with everything that happened to it. */
export interface ChatRecord {
  /**
   * Its place in the record sequence that numbers messages and attempts (`/api/messages` ids), so a
   * timeline shows it before the replies it gets and after what was posted earlier.
   */
  id: number;
  /** The `msgId` in the delivered JSON. */
  msgId: string;
  /** The app robot's name. */
  robot: string;
  robotCode: string;
  conversationId: string;
  /** The sender's staffId. */
  sender: string;
  /** A 1:1 chat (`conversationType: "1"`) rather than a group message. */
  direct: boolean;
  /** The text as typed (`text.content` has the @robot mention stripped). */
  text: string;
  createdAt: number;
  /** The JSON delivered to the robot (sessionWebhook included). */
  message: Record<string, unknown>;
  /** Every push, in order. */
  deliveries: DeliveryRecord[];
  /** Stream: when the first ack with code 200 that counted arrived; `undefined` until then. */
  ackedAt?: number;
  /** Stream: every ack frame received for it; `withheld` when the withholdAcks chaos switch ignored it. */
  acks: { at: number; code: number; data?: string; connectionId: string; withheld: boolean }[];
  /** Still waiting for a Stream connection that subscribes to the bot topic. */
  pending: boolean;
  /** Messages the robot posted in answer (record ids in `/api/messages`). */
  replies: number[];
}

/** An app robot as `GET /api/apps` lists it (never the secret). */
export interface AppRobotInfo {
  name: string;
  clientId: string;
  robotCode: string;
  mode: AppMode;
  callbackUrl?: string;
  /** Open Stream connections. */
  connections: { id: string; openedAt: number; subscriptions: string[]; disconnecting: boolean }[];
  /** Chaos switches in force; `openApiThrottledUntil` is 0 when the OpenAPI is not throttled. */
  chaos: { withholdAcks: boolean; duplicate: boolean; openApiThrottledUntil: number };
  /** The groups the robot is in, by id. */
  groups: string[];
}

/** Input of `POST /api/chat` and `emulator.chat()`. */
export interface ChatInput {
  /** The app robot: clientId, robotCode or name. */
  robot: string;
  /** What the member types, e.g. `'@bot deploy api'`. */
  text: string;
  /**
   * The group's id.
   * @default the first group the robot is in
   */
  conversation?: string;
  /**
   * The sending member: staffId or name.
   * @default the group's first member
   */
  sender?: string;
  /**
   * A 1:1 chat with the robot instead of a group (`conversationType: "1"`, no `conversationTitle`,
   * the text delivered whole); `sender` may then be a member of any group. Not with `conversation`.
   * @default false
   */
  direct?: boolean;
}

/** Answer of `POST /api/chat` and `emulator.chat()`. */
export interface ChatResult {
  msgId: string;
  conversationId: string;
  sessionWebhook: string;
  /** How it went out: a Stream frame, an HTTP POST, or waiting for a Stream connection. */
  delivery: 'stream' | 'http' | 'pending';
}
