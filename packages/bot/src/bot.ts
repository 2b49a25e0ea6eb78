import { defaults, type Message, OptionsError, type SendOptions, type SendResult, text } from '@dingbot/sdk';
import { Context } from './context.js';
import { type DedupeStore, MemoryDedupeStore } from './dedupe.js';
import { type CallbackHandler, type CallbackOptions, createCallbackHandler } from './http/callback.js';
import {
  INCOMING_MSGTYPES,
  type IncomingMessage,
  IncomingMessageError,
  type IncomingMsgtype,
  parseIncoming,
} from './message.js';
import { OpenApiClient, type OpenApiFetch, retryPolicyOf } from './openapi/client.js';
import { checkTarget, OpenApiSender, type SendTarget } from './openapi/sender.js';
import { type BotOptions, botDefaults, type ResolvedBotOptions, resolveBotOptions } from './options.js';
import { type ReceivedCallback, type StreamEvent, StreamReceiver } from './stream/receiver.js';

/** Calls the next middleware or handler; resolves when it (and everything after it) is done. */
export type Next = () => Promise<void>;

/** A middleware or handler: koa-style, `await next()` to pass the message on. */
export type Middleware<C extends Context = Context> = (ctx: C, next: Next) => unknown;

/** The context of a `bot.hears()` handler: `match` is set. */
export type HearsContext = Context & { match: RegExpExecArray };

/** The context of a `bot.command()` handler: `command` and `args` are set. */
export type CommandContext = Context & { command: string; args: string };

/** A `bot.on()` filter: every message, or one msgtype. */
export type MessageFilter = 'message' | IncomingMsgtype;

/** The context `bot.on(filter)` gives: the message narrowed to the msgtype. */
export type FilteredContext<F extends MessageFilter> = F extends IncomingMsgtype
  ? Context<Extract<IncomingMessage, { msgtype: F }>>
  : Context;

/** Handles an error a middleware or handler threw (or rejected with). */
export type ErrorHandler = (error: unknown, ctx: Context) => unknown;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A DingTalk app robot: handlers for what people write to it, over Stream mode (`start()`) or HTTP
 * callbacks (`fetchHandler()`). Every message is acked as soon as it arrives, duplicates (same msgId)
 * are dropped, then the middleware and handlers run in the order they were added.
 * @example
 * const bot = new Bot({ clientId, clientSecret });
 * bot.hears(/^deploy (\w+)/, (ctx) => ctx.reply(`deploying ${ctx.match[1]}…`));
 * bot.command('oncall', (ctx) => ctx.reply('Li Lei is on call'));
 * await bot.start();
 */
export class Bot {
  readonly #options: ResolvedBotOptions;
  readonly #dedupe: DedupeStore;
  readonly #openApi: OpenApiClient;
  readonly #middleware: Middleware[] = [];
  readonly #tasks = new Set<Promise<void>>();
  readonly #listeners = new Set<(event: StreamEvent) => void>();
  #onError: ErrorHandler | undefined;
  #receiver: StreamReceiver | undefined;

  constructor(options: BotOptions) {
    this.#options = resolveBotOptions(options);
    this.#dedupe = options.dedupe ?? new MemoryDedupeStore();
    const { replyOptions } = this.#options;
    this.#openApi = new OpenApiClient({
      baseUrl: this.#options.baseUrl,
      clientId: this.#options.clientId,
      clientSecret: this.#options.clientSecret,
      fetch: (replyOptions.fetch ?? this.#options.fetch ?? globalThis.fetch) as unknown as OpenApiFetch,
      now: this.#options.now,
      timeoutMs: replyOptions.timeoutMs ?? defaults.timeoutMs,
      retry: retryPolicyOf(replyOptions.retry),
      userAgent: replyOptions.userAgent ?? botDefaults.ua,
    });
  }

  /**
   * Posts a message the robot starts itself (no one wrote to it): to a group the robot is in
   * (`{ conversationId }`, `groupMessages/send`) or to up to 20 people 1:1 (`{ userIds }`,
   * `oToMessages/batchSend`), through the OpenAPI with the app access token and the SDK's delivery
   * engine. A string is sent as text. Works without `start()`. Rejects with the SDK's typed errors
   * (`OptionsError` for a bad target, `ValidationError` for a message the OpenAPI cannot carry, such as
   * a feed card).
   * @example await bot.send({ conversationId: 'cidOps…' }, 'deploy of api finished')
   * @example await bot.send({ userIds: ['manager001'] }, markdown('On call', 'You are on call this week'))
   */
  async send(target: SendTarget, message: string | Message, options?: SendOptions): Promise<SendResult> {
    const checked = checkTarget(target);
    const built = typeof message === 'string' ? text(message) : message;
    const sender = new OpenApiSender(
      this.#openApi,
      this.#options.robotCode,
      checked,
      this.#options.replyOptions,
    );
    try {
      return await sender.send(built, options);
    } finally {
      await sender.close();
    }
  }

  /**
   * The app access token (`/v1.0/oauth2/accessToken`), for OpenAPI calls dingbot does not wrap: cached,
   * refreshed before it expires, one request shared by concurrent callers.
   * @example const token = await bot.accessToken();
   */
  accessToken(): Promise<string> {
    return this.#openApi.accessToken();
  }

  /**
   * Adds middleware that runs for every message; `await next()` passes it on.
   * @example bot.use(async (ctx, next) => { if (ctx.sender.isAdmin) await next(); })
   */
  use(middleware: Middleware): this {
    if (typeof middleware !== 'function') {
      throw new OptionsError('middleware', 'is not a function', 'Pass (ctx, next) => …');
    }
    this.#middleware.push(middleware);
    return this;
  }

  /**
   * Adds middleware for every message (`'message'`) or for one msgtype (`'text'`, `'picture'`, …),
   * with `ctx.message` narrowed to it.
   * @example bot.on('message', async (ctx, next) => { log(ctx.text); await next(); })
   * @example bot.on('picture', (ctx) => ctx.reply(`got ${ctx.message.content.downloadCode}`))
   */
  on<F extends MessageFilter>(filter: F, middleware: Middleware<FilteredContext<F>>): this {
    if (filter !== 'message' && !(INCOMING_MSGTYPES as readonly string[]).includes(filter)) {
      throw new OptionsError(
        'filter',
        `is ${JSON.stringify(filter)}`,
        `Use 'message' or a msgtype: ${INCOMING_MSGTYPES.join(', ')}.`,
      );
    }
    const run = middleware as Middleware;
    return this.use(
      filter === 'message' ? run : (ctx, next) => (ctx.message.msgtype === filter ? run(ctx, next) : next()),
    );
  }

  /**
   * Runs `handler` when the text matches: a RegExp (its match in `ctx.match`), or a string equal to
   * the whole text (case ignored). Later middleware runs only if the handler calls `next()`.
   * @example bot.hears(/^deploy (\w+)$/, (ctx) => ctx.reply(`deploying ${ctx.match[1]}…`))
   * @example bot.hears('ping', (ctx) => ctx.reply('pong'))
   */
  hears(trigger: string | RegExp, handler: Middleware<HearsContext>): this {
    let pattern: RegExp;
    if (trigger instanceof RegExp) pattern = trigger;
    else if (typeof trigger === 'string' && trigger.trim() !== '') {
      pattern = new RegExp(`^${escapeRegExp(trigger.trim())}$`, 'i');
    } else {
      throw new OptionsError(
        'trigger',
        'is not a RegExp nor a non-empty string',
        'Pass e.g. /^deploy (\\w+)/ or "ping".',
      );
    }
    return this.use((ctx, next) => {
      pattern.lastIndex = 0;
      const match = pattern.exec(ctx.text);
      if (match === null) return next();
      ctx.match = match;
      return handler(ctx as HearsContext, next);
    });
  }

  /**
   * Runs `handler` for `/name args` or `name args` (the name case ignored); `ctx.command` and
   * `ctx.args` tell what was asked.
   * @example bot.command('oncall', (ctx) => ctx.reply('Li Lei is on call'))
   * @example bot.command('deploy', (ctx) => ctx.reply(`deploying ${ctx.args}…`))
   */
  command(name: string, handler: Middleware<CommandContext>): this {
    const bare = typeof name === 'string' ? name.replace(/^\//, '') : '';
    if (!/^[\p{L}\p{N}_-]+$/u.test(bare)) {
      throw new OptionsError(
        'name',
        `is ${JSON.stringify(name)}`,
        'Give a command name of letters, digits, _ or -, e.g. "deploy" (a leading / is fine).',
      );
    }
    const pattern = new RegExp(`^/?${escapeRegExp(bare)}(?:\\s+([\\s\\S]*))?$`, 'iu');
    return this.use((ctx, next) => {
      const match = pattern.exec(ctx.text);
      if (match === null) return next();
      ctx.command = bare;
      ctx.args = (match[1] ?? '').trim();
      return handler(ctx as CommandContext, next);
    });
  }

  /**
   * Handles errors thrown by middleware and handlers (by default they are logged).
   * @example bot.catch((error, ctx) => ctx.reply(`sorry: ${String(error)}`))
   */
  catch(handler: ErrorHandler): this {
    if (typeof handler !== 'function') {
      throw new OptionsError('handler', 'is not a function', 'Pass (error, ctx) => …');
    }
    this.#onError = handler;
    return this;
  }

  /**
   * Listens to the Stream connection's life (`open`, `disconnect`, `close`, `reconnecting`); returns
   * the function that stops listening.
   * @example bot.onConnection((e) => e.type === 'reconnecting' && console.warn(`reconnecting in ${e.delayMs} ms`))
   */
  onConnection(listener: (event: StreamEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Connects to DingTalk in Stream mode; resolves once the connection is open. Rejects at once when
   * DingTalk refuses the credentials; network trouble is retried with backoff.
   * @example await bot.start();
   */
  async start(): Promise<void> {
    if (this.#receiver !== undefined) return;
    const receiver = new StreamReceiver(
      this.#options,
      (callback) => this.#take(callback),
      (event) => {
        for (const listener of this.#listeners) listener(event);
      },
    );
    this.#receiver = receiver;
    try {
      await receiver.start();
    } catch (error) {
      this.#receiver = undefined;
      throw error;
    }
  }

  /**
   * Stops taking messages, closes the connection, then waits for the handlers under way and their
   * replies. Leaves no socket and no timer behind.
   * @example process.on('SIGTERM', () => bot.stop());
   */
  async stop(): Promise<void> {
    const receiver = this.#receiver;
    this.#receiver = undefined;
    await receiver?.stop();
    while (this.#tasks.size > 0) await Promise.all([...this.#tasks]);
  }

  /** Sockets and timers the bot holds: `{ sockets: 0, timers: 0, handlers: 0 }` after `stop()`. */
  get resources(): { sockets: number; timers: number; handlers: number } {
    const held = this.#receiver?.resources ?? { sockets: 0, timers: 0 };
    return { ...held, handlers: this.#tasks.size };
  }

  /**
   * Runs the middleware and handlers for one received payload, as a receiver would: checked, deduplicated
   * by msgId, errors to `bot.catch()`. Resolves when the handlers and their replies are done.
   * @example await bot.handle(JSON.parse(body))
   */
  handle(payload: unknown, fallbackId?: string): Promise<void> {
    const task = this.#run(payload, fallbackId).finally(() => this.#tasks.delete(task));
    this.#tasks.add(task);
    return task;
  }

  /**
   * The HTTP-callback receiver (a robot set to HTTP mode): a web-standard `(Request) => Promise<Response>`
   * handler that checks DingTalk's `timestamp` and `sign` headers, answers 200 at once and runs the same
   * handlers as Stream mode after answering. No `start()` is needed; `stop()` waits for the handlers
   * under way. On Node, serve it with `startCallbackServer` from `@dingbot/bot/node`.
   * @example Deno.serve({ port: 3000 }, bot.fetchHandler())
   * @example export default { fetch: bot.fetchHandler() } // Cloudflare Workers
   */
  fetchHandler(options?: CallbackOptions): CallbackHandler {
    const { clientSecret, logger } = this.#options;
    return createCallbackHandler(
      { clientSecret, logger, handle: (payload) => this.#afterAnswer(payload) },
      options,
    );
  }

  /** Like `handle()`, but starting on a later turn of the event loop, once the HTTP answer is out. */
  #afterAnswer(payload: unknown): Promise<void> {
    const task = new Promise<void>((resolve) => setTimeout(resolve, 0))
      .then(() => this.#run(payload, undefined))
      .finally(() => this.#tasks.delete(task));
    this.#tasks.add(task);
    return task;
  }

  #take(callback: ReceivedCallback): void {
    let payload: unknown;
    try {
      payload = JSON.parse(callback.data);
    } catch {
      this.#options.logger.warn(`@dingbot/bot: callback ${callback.messageId} carries no JSON; ignored`);
      return;
    }
    this.handle(payload, callback.messageId).catch((error: unknown) =>
      this.#options.logger.error(`@dingbot/bot: message ${callback.messageId} could not be handled`, error),
    );
  }

  async #run(payload: unknown, fallbackId: string | undefined): Promise<void> {
    let message: IncomingMessage;
    try {
      message = parseIncoming(payload);
    } catch (error) {
      if (!(error instanceof IncomingMessageError)) throw error;
      this.#options.logger.warn(`@dingbot/bot: ${error.message}; ignored`);
      return;
    }
    const key = `dingbot:bot:${this.#options.clientId}:${message.msgId || fallbackId || ''}`;
    let fresh = true;
    try {
      fresh = await this.#dedupe.claim(key, this.#options.dedupeTtlMs);
    } catch (error) {
      // A message handled twice is better than a message lost: go on without the store.
      this.#options.logger.error(
        `@dingbot/bot: the dedupe store failed on ${message.msgId}; handling it anyway`,
        error,
      );
    }
    if (!fresh) return;
    const ctx = new Context(message, payload as Record<string, unknown>, this.#options, this.#openApi);
    try {
      await this.#dispatch(ctx, 0);
    } catch (error) {
      await this.#fail(error, ctx);
    }
    try {
      await ctx.settle();
    } catch (error) {
      await this.#fail(error, ctx);
    }
  }

  async #dispatch(ctx: Context, index: number): Promise<void> {
    const middleware = this.#middleware[index];
    if (middleware === undefined) return;
    let called = false;
    await middleware(ctx, () => {
      if (called) return Promise.reject(new Error('next() called more than once in one middleware'));
      called = true;
      return this.#dispatch(ctx, index + 1);
    });
  }

  async #fail(error: unknown, ctx: Context): Promise<void> {
    if (this.#onError === undefined) {
      this.#options.logger.error(`@dingbot/bot: a handler failed on message ${ctx.message.msgId}`, error);
      return;
    }
    try {
      await this.#onError(error, ctx);
    } catch (again) {
      this.#options.logger.error('@dingbot/bot: bot.catch() threw', again);
    }
  }
}
