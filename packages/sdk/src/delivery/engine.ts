import { type DingbotError, isDingbotError } from '../errors/base.js';
import {
  AbortedError,
  MessageTooLongError,
  QueueFullError,
  RobotClosedError,
  ValidationError,
} from '../errors/client.js';
import { ERROR_CODES } from '../errors/codes.js';
import { RateLimitedError } from '../errors/dingtalk.js';
import { insertMentions } from '../messages/prepare.js';
import type { Message } from '../messages/types.js';
import { type DigestContext, type DigestOptions, type SendItem, takeDigest } from './digest.js';
import { Emitter } from './emitter.js';
import { type Acquired, type LimiterStore, MemoryStore } from './limiter.js';
import type { Locale } from './locale.js';
import {
  type DeliveryOptions,
  type OverflowPolicy,
  type RateLimit,
  type ResolvedDelivery,
  resolveDelivery,
} from './options.js';
import { Ring } from './ring.js';
import { bodyBytes, jsonStringBytes, MAX_BODY_BYTES } from './size.js';
import { splitMessage } from './split.js';

/** `,"msgUuid":"<uuid>"`: what a generated id (36 characters) adds to a body. */
const UUID_BYTES = 49;

/** What the `msgUuid` adds to a body: the caller's own, or a generated one. */
function uuidBytes(uuid: string | undefined): number {
  return uuid === undefined ? UUID_BYTES : 13 + jsonStringBytes(uuid);
}

/** How one piece of content went out. */
export interface PartResult {
  /** `'alone'`: in a send of its own; `'digest'`: inside a markdown digest with other messages. */
  delivered: 'alone' | 'digest';
  /** The `msgUuid` of the send that carried it (the digest's, for a digest). */
  msgUuid: string;
  /** Attempts the transport made for that send. */
  attempts: number;
  /** The digest's id (its `msgUuid`), when `delivered` is `'digest'`. */
  digestId?: string;
  /** How many messages that digest held. */
  digestSize?: number;
  /** This message's number inside the digest (1-based). */
  position?: number;
}

/** What `send()` resolves with once all of the message's content was delivered. */
export interface DeliveryResult extends Omit<PartResult, 'delivered'> {
  /** `'split'` when the message went as numbered parts (see `parts`). */
  delivered: 'alone' | 'digest' | 'split';
  /** For a split message: how each part went, in order. The other fields describe the last part. */
  parts?: PartResult[];
  /** Milliseconds between `send()` and DingTalk's answer for the (last) send. */
  queuedMs: number;
}

/** The events a robot reports. */
export interface DeliveryEvents {
  /**
   * A send is about to be posted (retries of it reuse its `msgUuid`): which queued messages it carries,
   * in order, each by the `msgUuid` it was given to `send()` and, for a split message, which part.
   * Emitted just before the post, so a listener can note what the body holds before DingTalk sees it.
   */
  posting: { msgUuid: string; kind: 'alone' | 'digest'; items: SendItem[] };
  /** A send succeeded (alone or a digest); `items` are the queued messages it carried. */
  sent: {
    msgUuid: string;
    kind: 'alone' | 'digest';
    count: number;
    attempts: number;
    bytes: number;
    items: SendItem[];
  };
  /** The transport is about to retry a send (same `msgUuid`). */
  retried: { msgUuid: string; attempt: number; delayMs: number; error: DingbotError };
  /** The robot paused: DingTalk throttled it (`source: 'dingtalk'`) or the shared store says it is penalised. */
  throttled: { ms: number; until: number; source: 'dingtalk' | 'store'; error?: DingbotError };
  /** The robot resumed sending after a pause. */
  resumed: { pausedMs: number };
  /** A digest was delivered. */
  digested: { digestId: string; count: number; bytes: number };
  /** A message was split into parts on `send()`. */
  split: { parts: number; bytes: number };
  /**
   * Messages failed for good; their promises rejected with `error`. `msgUuid` is the failed send's, or
   * `''` when they were rejected without being posted (after `abort()`, under `penalty: 'fail'`).
   */
  failed: { msgUuid: string; count: number; error: unknown; items: SendItem[] };
  /**
   * The digest's `build` function threw or made an invalid message: the default list went instead,
   * so nothing was lost. `count` is how many messages the digest was to hold.
   */
  buildFailed: { error: unknown; count: number };
  /** The queue was full and queued messages were merged to make room. */
  overflow: { before: number; after: number; policy: OverflowPolicy };
}

/** Counters and state of a robot's delivery, for metrics. */
export interface DeliveryStats {
  /** Messages waiting (a split message counts once per part). */
  queued: number;
  /** Queue slots used, out of `maxQueue`. */
  slots: number;
  maxQueue: number;
  /** Messages in the send under way. */
  inFlight: number;
  /** Sends DingTalk accepted (a digest counts once). */
  sends: number;
  /** Messages (or parts) delivered, alone or in digests. */
  delivered: number;
  /** Digests sent, and the messages they held. */
  digests: number;
  digested: number;
  /** Messages split, and the parts made. */
  splits: number;
  parts: number;
  /** Messages whose send failed for good. */
  failed: number;
  retries: number;
  /** Penalties seen (DingTalk's or the store's). */
  throttles: number;
  /** Epoch milliseconds until which the robot is paused, or `undefined`. */
  pausedUntil: number | undefined;
  closed: boolean;
}

/**
 * The function that posts one message, as the core transport does. `signal` is the caller's, when the
 * message goes alone and `send()` was given one: aborting it should stop the request and its retries.
 */
export type PostFunction = (
  message: Message & { msgUuid: string },
  onRetry: (info: { attempt: number; delayMs: number; error: DingbotError }) => void,
  signal?: AbortSignal,
) => Promise<{ attempts: number }>;

/** Options of one {@link DeliveryEngine.send} (and `Robot.send`). */
export interface SendOptions {
  /**
   * Cancels this send: a queued message leaves the queue, a request under way is cut off (DingTalk may
   * have it already), and the promise rejects with an `AbortedError`. Other messages are not affected.
   * @example { signal: AbortSignal.timeout(30_000) }
   */
  signal?: AbortSignal;
}

/** A message taken back from a robot's queue by `withdraw()`, with the functions that settle its caller's promise. */
export interface Withdrawn {
  /** The message as it waited: validated, mentions written into the text, no keyword yet. */
  message: Message;
  /** The caller's signal, if any. */
  signal: AbortSignal | undefined;
  resolve: (result: DeliveryResult) => void;
  reject: (error: unknown) => void;
}

/** Everything a {@link DeliveryEngine} needs besides the user's {@link DeliveryOptions}. */
export interface EngineConfig extends DeliveryOptions {
  /** Identifies the robot in the store; must not contain the token. */
  key: string;
  /** Posts one message (with retries), resolving on errcode 0, rejecting with a classified error. */
  post: PostFunction;
  /**
   * Completes what goes out, once per send (a message alone, a digest, a part): e.g. adds the robot's
   * keyword, which a digest of 50 alerts then holds once. Must not throw for a message given to `send()`.
   * The engine never validates: give it messages that are valid already.
   * @default the identity
   */
  finalise?: (message: Message) => Message;
  /**
   * The most UTF-8 bytes `finalise` adds to a body (a keyword and its separator): kept free when the
   * engine decides whether a message fits or must be split.
   * @default 0
   */
  finaliseBytes?: number;
  /** DingTalk's body limit. @default 20000 */
  maxBytes?: number;
  /**
   * Checks and completes a message the engine did not get from `send()` (what a digest's `build`
   * returns), as `send()`'s caller did for its own: validates it and writes mentions into the text.
   * Throws when it is not valid; the default digest then goes instead.
   * @default the identity
   */
  prepare?: (message: Message) => Message;
  /** Makes a `msgUuid`. @default crypto.randomUUID */
  uuid?: () => string;
  /** The clock for results and events. @default Date.now */
  now?: () => number;
}

interface Pending {
  resolve: (result: DeliveryResult) => void;
  reject: (error: unknown) => void;
  signal: AbortSignal | undefined;
  /** The `msgUuid` given to `send()`, if any (what `items` name it by). */
  msgUuid: string | undefined;
  /** How many parts the message was split into (1: not split). */
  count: number;
  queuedAt: number;
  /** Parts of a split message, filled as they go. */
  parts: (PartResult | undefined)[] | undefined;
  left: number;
  settled: boolean;
}

interface Entry {
  message: Message;
  /** The caller's own `msgUuid`, kept when the message goes alone. */
  uuid: string | undefined;
  pending: Pending;
  part: number;
  /** The most messages a digest holding this one may have: halved when such a digest is refused for its content. */
  cap: number;
}

/** Queued messages merged by the overflow policy; sent as (the start of) a digest. */
interface Bundle {
  entries: Entry[];
  /** Packed to the limit: the next queued message did not fit, so merging again would change nothing. */
  full?: boolean;
}

type Slot = Entry | Bundle;

type ResolvedDigest = Exclude<ResolvedDelivery['digest'], false>;

interface Batch {
  kind: 'alone' | 'digest';
  message: Message;
  entries: Entry[];
  /** Queue slots the batch touches from the head (the last one may be a partly taken bundle). */
  slots: number;
}

let sharedStore: MemoryStore | undefined;

/** The process-wide default store: robots with the same token share one window. */
export function defaultStore(): MemoryStore {
  sharedStore ??= new MemoryStore();
  return sharedStore;
}

const isBundle = (slot: Slot): slot is Bundle => 'entries' in slot;

/**
 * One robot's delivery: an in-order bounded queue, a sliding-window limiter, digests when more is
 * waiting than the window lets through, splitting of long text, penalties waited out by timer.
 * `Robot` runs one; use it directly to put the engine in front of any `post` function.
 * @example
 * const engine = new DeliveryEngine({ key: 'robot-1', post: (m) => transport.post(m) });
 * const result = await engine.send(text('disk full'));
 */
export class DeliveryEngine {
  readonly #config: EngineConfig;
  readonly #rate: RateLimit | false;
  readonly #store: LimiterStore;
  readonly #digest: ResolvedDigest | false;
  readonly #split: { maxBytes: number; reserveBytes: number } | false;
  readonly #penalty: 'wait' | 'fail';
  readonly #penaltyMs: number;
  readonly #keepAlive: boolean;
  readonly #locale: Locale;
  readonly #finalise: (message: Message) => Message;
  readonly #prepare: (message: Message) => Message;
  readonly #finaliseBytes: number;
  readonly #maxBytes: number;
  readonly #queue: Ring<Slot>;
  readonly #overflow: OverflowPolicy;
  readonly #events = new Emitter<DeliveryEvents>();
  readonly #now: () => number;
  readonly #uuid: () => string;
  #messages = 0;
  #inFlight: Batch | undefined;
  #running = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #pausedAt: number | undefined;
  #pausedUntil: number | undefined;
  #closed = false;
  /** Set by `abort()`: what every message still queued is rejected with. */
  #aborted: { error: unknown } | undefined;
  #lastThrottle: DingbotError | undefined;
  /** A send was cancelled while another was under way: its entries leave the queue once that is over. */
  #cancelledInFlight = false;
  #idle: (() => void)[] = [];
  readonly #stats = {
    sends: 0,
    delivered: 0,
    digests: 0,
    digested: 0,
    splits: 0,
    parts: 0,
    failed: 0,
    retries: 0,
    throttles: 0,
  };

  constructor(config: EngineConfig) {
    this.#config = config;
    this.#maxBytes = config.maxBytes ?? MAX_BODY_BYTES;
    const options = resolveDelivery(config, this.#maxBytes);
    this.#rate = options.rateLimit;
    this.#penalty = options.penalty;
    this.#penaltyMs = options.penaltyMs;
    this.#overflow = options.overflow;
    this.#keepAlive = options.keepAlive;
    this.#locale = options.locale;
    this.#store = options.store ?? defaultStore();
    this.#digest = options.digest;
    this.#split = options.split;
    this.#finalise = config.finalise ?? ((m) => m);
    this.#prepare = config.prepare ?? ((m) => m);
    this.#finaliseBytes = config.finaliseBytes ?? 0;
    this.#queue = new Ring(options.maxQueue);
    this.#now = config.now ?? Date.now;
    this.#uuid = config.uuid ?? (() => crypto.randomUUID());
  }

  /**
   * Listens to a delivery event; returns the function that stops listening.
   * @example engine.on('digested', (e) => metrics.increment('digests', e.count))
   */
  on<K extends keyof DeliveryEvents>(type: K, listener: (event: DeliveryEvents[K]) => void): () => void {
    return this.#events.on(type, listener);
  }

  /**
   * Queues a message and resolves when all its content was delivered (alone, in a digest, or as
   * parts); rejects when it cannot be sent. Never blocks: the message waits its turn. The message must
   * be valid already (the engine does not validate); its `msgUuid`, if any, is used when it goes alone.
   */
  send(message: Message, options: SendOptions = {}): Promise<DeliveryResult> {
    if (this.#closed) return Promise.reject(new RobotClosedError());
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(new AbortedError(signal.reason));
    let parts: Message[];
    try {
      parts = this.#admit(message);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.#queue.length + parts.length > this.#queue.capacity) {
      if (this.#overflow === 'reject' || !this.#compact(parts.length)) {
        return Promise.reject(new QueueFullError(this.#queue.capacity));
      }
    }
    return new Promise<DeliveryResult>((resolve, reject) => {
      // A queued message costs memory for as long as it waits (100 000 may wait out a penalty): the
      // closures that follow a signal are made only when there is one.
      const pending: Pending = {
        resolve,
        reject,
        signal,
        msgUuid: message.msgUuid,
        count: parts.length,
        queuedAt: this.#now(),
        parts: parts.length > 1 ? new Array(parts.length).fill(undefined) : undefined,
        left: parts.length,
        settled: false,
      };
      if (signal) {
        const onAbort = () => this.#cancel(pending, signal.reason);
        const done = () => signal.removeEventListener('abort', onAbort);
        pending.resolve = (result) => {
          done();
          resolve(result);
        };
        pending.reject = (error) => {
          done();
          reject(error);
        };
        signal.addEventListener('abort', onAbort, { once: true });
      }
      parts.forEach((part, i) => {
        const uuid = parts.length === 1 ? message.msgUuid : undefined;
        this.#queue.push({ message: part, uuid, pending, part: i, cap: Number.POSITIVE_INFINITY });
      });
      this.#messages += parts.length;
      this.#kick();
    });
  }

  /** The caller's signal was aborted: reject at once and take the message's entries out of the queue. */
  #cancel(pending: Pending, reason: unknown): void {
    if (pending.settled) return;
    pending.settled = true;
    pending.reject(new AbortedError(reason));
    // While a send is under way the queue's head belongs to it: the pump drops the rest when it is over.
    if (this.#inFlight === undefined) this.#dropSettled();
    else this.#cancelledInFlight = true;
  }

  /** Removes queued entries whose caller's promise has settled already (cancelled). */
  #dropSettled(): void {
    const slots: Slot[] = [];
    let removed = 0;
    for (const slot of this.#queue.takeFrom(0)) {
      if (!isBundle(slot)) {
        if (slot.pending.settled) removed++;
        else slots.push(slot);
        continue;
      }
      const kept = slot.entries.filter((e) => !e.pending.settled);
      removed += slot.entries.length - kept.length;
      if (kept.length) slots.push({ entries: kept });
    }
    if (removed === 0) {
      this.#queue.replaceFrom(0, slots);
      return;
    }
    this.#queue.replaceFrom(0, slots);
    this.#messages -= removed;
    if (this.#queue.length === 0 && this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#checkIdle();
  }

  /** Resolves when everything queued was delivered or has failed. */
  flush(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Refuses new sends, then resolves when everything already queued was delivered or has failed. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
  }

  /**
   * Stops at once: refuses new sends and rejects every queued message with `error` (the send under way
   * still settles). For shutdowns that cannot wait out a penalty.
   * @default error a RobotClosedError
   */
  abort(error: unknown = new RobotClosedError()): void {
    this.#closed = true;
    this.#aborted = { error };
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#rejectAll(error);
    this.#checkIdle();
  }

  /** Rejects every queued message (not the send under way) with `error`. */
  #rejectAll(error: unknown): void {
    const from = this.#inFlight?.slots ?? 0;
    const entries: Entry[] = [];
    for (const slot of this.#queue.takeFrom(from)) entries.push(...(isBundle(slot) ? slot.entries : [slot]));
    this.#messages -= entries.length;
    for (const entry of entries) {
      if (entry.pending.settled) continue;
      entry.pending.settled = true;
      entry.pending.reject(error);
    }
    if (entries.length) {
      this.#stats.failed += entries.length;
      this.#events.emit('failed', { msgUuid: '', count: entries.length, error, items: itemsOf(entries) });
    }
  }

  /** A snapshot of the counters, for metrics. */
  stats(): DeliveryStats {
    return {
      queued: this.#messages,
      slots: this.#queue.length,
      maxQueue: this.#queue.capacity,
      inFlight: this.#inFlight?.entries.length ?? 0,
      ...this.#stats,
      pausedUntil: this.#pausedUntil,
      closed: this.#closed,
    };
  }

  /** Whether the robot is paused by a penalty right now. */
  get paused(): boolean {
    return this.#pausedUntil !== undefined && this.#pausedUntil > this.#now();
  }

  /**
   * Takes back the messages waiting (not the send under way), for a pool to send them through
   * another robot. Each comes with the functions that settle its caller's promise.
   * Parts of split messages stay, so a message is never delivered half here, half there.
   */
  withdraw(): Withdrawn[] {
    const from = this.#inFlight?.slots ?? 0;
    const taken = this.#queue.takeFrom(from);
    const keep: Slot[] = [];
    const out: Withdrawn[] = [];
    for (const slot of taken) {
      for (const entry of isBundle(slot) ? slot.entries : [slot]) {
        if (entry.pending.parts || entry.pending.settled) keep.push(entry);
        else {
          const { pending } = entry;
          // The next robot's promise settles the caller's; this engine no longer listens to the signal.
          out.push({
            message: entry.message,
            signal: pending.signal,
            resolve: pending.resolve,
            reject: pending.reject,
          });
          entry.pending.settled = true;
          this.#messages--;
        }
      }
    }
    this.#queue.replaceFrom(from, keep);
    this.#checkIdle();
    return out;
  }

  /**
   * The entries a message takes in the queue: itself, or its parts when it is over the limit. Sizes
   * count what `finalise` may add and the `msgUuid`; `finalise` itself runs only near the limit.
   */
  #admit(message: Message): Message[] {
    const content = message.msgUuid === undefined ? message : withoutUuid(message);
    const uuid = uuidBytes(message.msgUuid);
    const bound = bodyBytes(content) + this.#finaliseBytes + uuid;
    if (bound <= this.#maxBytes) return [content];
    const bytes = bodyBytes(this.#finalise(content)) + uuid;
    if (bytes <= this.#maxBytes) return [content];
    if (this.#split === false || (content.msgtype !== 'text' && content.msgtype !== 'markdown')) {
      throw new MessageTooLongError(bytes, this.#maxBytes, content.msgtype);
    }
    // The mentions were in the text: the last part, which carries `at`, must have them in its text too.
    const mentioned = insertMentions(content) === content;
    const mentionBytes = content.at ? jsonStringBytes(JSON.stringify(content.at)) : 0;
    const reserveBytes = Math.max(
      this.#split.reserveBytes,
      this.#finaliseBytes + mentionBytes + UUID_BYTES + 16,
    );
    let parts: Message[];
    try {
      parts = splitMessage(content, { ...this.#split, reserveBytes }, this.#locale);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      // Only what every part repeats is left: the mentions (which go with the last part, and whose
      // @… go into its text) fill the limit on their own.
      const people = (content.at?.atMobiles?.length ?? 0) + (content.at?.atUserIds?.length ?? 0);
      throw new ValidationError(
        'at',
        `mentions ${people} people: their mentions alone take about ${2 * mentionBytes} of the ${this.#split.maxBytes} bytes a message may have`,
        'Mention fewer people per message (send several messages), or mention everyone with isAtAll (at: { all: true }).',
      );
    }
    if (mentioned) parts[parts.length - 1] = insertMentions(parts[parts.length - 1]!);
    for (const part of parts) {
      const size = bodyBytes(part) + this.#finaliseBytes + UUID_BYTES;
      if (size > this.#maxBytes) throw new MessageTooLongError(size, this.#maxBytes, content.msgtype);
    }
    this.#stats.splits++;
    this.#stats.parts += parts.length;
    this.#events.emit('split', { parts: parts.length, bytes });
    return parts;
  }

  /** Makes room for `needed` slots by merging queued messages into bundles; false when it cannot. */
  #compact(needed: number): boolean {
    if (this.#digest === false) return false;
    const before = this.#queue.length;
    let from = this.#inFlight?.slots ?? 0;
    // Greedy packing from the head would rebuild the same full bundles: start after them, so a queue
    // that stays full under load costs the tail's work per send, not the whole queue's.
    for (let slot = this.#queue.at(from); slot && isBundle(slot) && slot.full; slot = this.#queue.at(from))
      from++;
    const entries: Entry[] = [];
    for (const slot of this.#queue.takeFrom(from)) entries.push(...(isBundle(slot) ? slot.entries : [slot]));
    const slots: Slot[] = [];
    const options = this.#digest;
    for (let i = 0; i < entries.length; ) {
      const built = takeDigest(messagesOf(entries, i), options, this.#locale);
      const count = built?.count ?? 1;
      slots.push(
        count === 1
          ? entries[i]!
          : { entries: entries.slice(i, i + count), full: i + count < entries.length },
      );
      i += count;
    }
    this.#queue.replaceFrom(from, slots);
    this.#events.emit('overflow', { before, after: this.#queue.length, policy: this.#overflow });
    return this.#queue.length + needed <= this.#queue.capacity;
  }

  #isIdle(): boolean {
    return this.#queue.length === 0 && !this.#running && this.#inFlight === undefined;
  }

  #checkIdle(): void {
    if (!this.#isIdle()) return;
    const waiters = this.#idle;
    this.#idle = [];
    for (const resolve of waiters) resolve();
  }

  #kick(): void {
    if (this.#running || this.#timer !== undefined || this.#queue.length === 0) return;
    void this.#pump();
  }

  #wait(ms: number): void {
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#kick();
      },
      Math.max(1, Math.ceil(ms)),
    );
    if (!this.#keepAlive) (this.#timer as { unref?: () => void }).unref?.();
  }

  async #acquire(): Promise<Acquired> {
    const key = this.#config.key;
    try {
      if (this.#rate === false) {
        const left = await this.#store.penaltyRemaining(key);
        return left > 0
          ? { ok: false, retryInMs: left, reason: 'penalty' }
          : { ok: true, remaining: Number.POSITIVE_INFINITY, ticket: '' };
      }
      return await this.#store.acquire(key, this.#rate.limit, this.#rate.windowMs);
    } catch (error) {
      // A store that fails (its own fallback failed too) must not stop delivery for good: ask again soon.
      console.error('dingbot: the limiter store failed; trying again in 1 s', error);
      return { ok: false, retryInMs: 1000, reason: 'rate' };
    }
  }

  async #pump(): Promise<void> {
    this.#running = true;
    try {
      while (this.#queue.length > 0) {
        this.#dropCancelled();
        if (this.#queue.length === 0) break;
        // Aborted while a send was under way: what it left queued (the rest of a bundle) goes too.
        if (this.#aborted) {
          this.#rejectAll(this.#aborted.error);
          break;
        }
        const slot = await this.#acquire();
        // The queue may have been emptied meanwhile (evacuate, abort): nothing to wait or send for.
        if (this.#queue.length === 0) break;
        if (!slot.ok) {
          if (slot.reason === 'penalty') this.#pause(slot.retryInMs, 'store');
          if (slot.reason === 'penalty' && this.#penalty === 'fail') {
            this.#rejectAll(
              this.#lastThrottle ??
                new RateLimitedError({ errmsg: `penalty in effect for ${slot.retryInMs} ms more` }),
            );
            continue;
          }
          this.#wait(slot.retryInMs);
          return;
        }
        this.#resume();
        let batch: Batch;
        try {
          batch = this.#form(slot.remaining);
        } catch (error) {
          // A `finalise` that throws fails the message at the head alone; the queue goes on.
          const head = this.#queue.at(0)!;
          const entry = isBundle(head) ? head.entries[0]! : head;
          if (slot.ticket) await this.#store.settle(this.#config.key, slot.ticket).catch(() => {});
          this.#failed({ kind: 'alone', message: entry.message, entries: [entry], slots: 1 }, '', error);
          continue;
        }
        const msgUuid = (batch.kind === 'alone' ? batch.entries[0]!.uuid : undefined) ?? this.#uuid();
        const outgoing = { ...batch.message, msgUuid };
        const signal = batch.kind === 'alone' ? batch.entries[0]!.pending.signal : undefined;
        this.#inFlight = batch;
        // Events nobody listens to cost nothing per send (their items would be built for no one).
        if (this.#events.has('posting')) {
          this.#events.emit('posting', { msgUuid, kind: batch.kind, items: itemsOf(batch.entries) });
        }
        let attempts = 0;
        let failure: unknown;
        try {
          ({ attempts } = await this.#config.post(
            outgoing,
            (info) => {
              this.#stats.retries++;
              this.#events.emit('retried', { msgUuid, ...info });
            },
            signal,
          ));
        } catch (error) {
          failure = error ?? new Error('dingbot: post failed');
        } finally {
          if (slot.ticket) await this.#store.settle(this.#config.key, slot.ticket).catch(() => {});
          this.#inFlight = undefined;
        }
        if (failure === undefined) {
          this.#delivered(batch, msgUuid, attempts, bodyBytes(outgoing));
        } else if (throttled(failure)) {
          // Nothing of the batch was posted: it stays at the head; a new digest may hold more next time.
          const penaltyMs = this.#penaltyMs;
          await this.#store.penalize(this.#config.key, penaltyMs).catch(() => {});
          this.#pause(penaltyMs, 'dingtalk', failure);
          if (this.#aborted) {
            // Nobody waits out the penalty after abort(): the send under way settles with its error.
            this.#failed(batch, msgUuid, failure);
            continue;
          }
          if (this.#penalty === 'fail') {
            this.#lastThrottle = failure;
            this.#failed(batch, msgUuid, failure);
            this.#rejectAll(failure);
            continue;
          }
          this.#wait(penaltyMs);
          return;
        } else if (batch.kind === 'digest' && refusedForContent(failure)) {
          // One message may be to blame: the batch stays at the head and goes again in halves (at last
          // alone), so only the refused message is rejected, after a few more sends.
          const cap = Math.floor(batch.entries.length / 2);
          for (const entry of batch.entries) entry.cap = Math.min(entry.cap, cap);
        } else {
          this.#failed(batch, msgUuid, failure);
        }
      }
    } finally {
      this.#running = false;
      this.#dropCancelled();
      this.#checkIdle();
    }
  }

  /** Drops what was cancelled while a send was under way (the queue's head belonged to it then). */
  #dropCancelled(): void {
    if (!this.#cancelledInFlight) return;
    this.#cancelledInFlight = false;
    this.#dropSettled();
  }

  #pause(ms: number, source: 'dingtalk' | 'store', error?: DingbotError): void {
    const until = this.#now() + ms;
    const fresh = this.#pausedUntil === undefined;
    if (!fresh && source === 'store' && until <= this.#pausedUntil! + 50) return;
    if (fresh) this.#pausedAt = this.#now();
    this.#pausedUntil = until;
    this.#stats.throttles += fresh || source === 'dingtalk' ? 1 : 0;
    this.#events.emit('throttled', error ? { ms, until, source, error } : { ms, until, source });
  }

  #resume(): void {
    if (this.#pausedUntil === undefined) return;
    const pausedMs = this.#now() - (this.#pausedAt ?? this.#now());
    this.#pausedUntil = undefined;
    this.#pausedAt = undefined;
    this.#events.emit('resumed', { pausedMs });
  }

  /** Decides what this send carries: the head alone, or a digest of the head. */
  #form(remaining: number): Batch {
    const head = this.#queue.at(0)!;
    const mustMerge = isBundle(head);
    if (this.#digest !== false && (mustMerge || this.#messages - 1 > remaining)) {
      const batch = this.#formDigest(this.#digest);
      if (batch) return batch;
    }
    const entry = isBundle(head) ? head.entries[0]! : head;
    return { kind: 'alone', message: this.#finalise(entry.message), entries: [entry], slots: 1 };
  }

  #formDigest(options: ResolvedDigest): Batch | undefined {
    if (options.build) {
      const batch = this.#formBuilt(options, options.build);
      if (batch) return batch;
    }
    let maxItems = options.maxItems ?? Number.POSITIVE_INFINITY;
    for (let tries = 0; tries < 8; tries++) {
      const built = takeDigest(this.#headMessages(), { ...options, maxItems }, this.#locale);
      if (!built) return undefined;
      const message = this.#finalise(built.message);
      if (bodyBytes(message) + UUID_BYTES <= this.#maxBytes) return this.#digestOf(message, built.count);
      maxItems = Math.max(2, Math.floor(built.count * 0.8));
      if (built.count === 2) return undefined;
    }
    return undefined;
  }

  /**
   * A digest made by the user's `build`, from as many head messages as it fits; `undefined` for the
   * default digest (`build` declined, threw, made an invalid message, or not even two fit).
   */
  #formBuilt(options: ResolvedDigest, build: NonNullable<DigestOptions['build']>): Batch | undefined {
    const head: Entry[] = [];
    const maxItems = options.maxItems ?? Number.POSITIVE_INFINITY;
    for (const entry of this.#headEntries()) {
      if (head.length >= maxItems) break;
      head.push(entry);
    }
    const limit = Math.min(this.#maxBytes, options.maxBytes);
    let count = head.length;
    // Each try shrinks the digest in proportion to how far over the limit it was: a few tries at most.
    for (let tries = 0; tries < 16 && count >= 2; tries++) {
      const entries = head.slice(0, count);
      const context: DigestContext = {
        items: itemsOf(entries),
        maxBytes: options.maxBytes - options.reserveBytes,
        locale: this.#locale,
      };
      let message: Message;
      try {
        const built = build(
          entries.map((e) => e.message),
          context,
        );
        if (built === undefined) return undefined;
        message = this.#finalise(this.#prepare(built));
      } catch (error) {
        this.#events.emit('buildFailed', { error, count });
        return undefined;
      }
      const bytes = bodyBytes(message) + UUID_BYTES;
      if (bytes <= limit) return this.#digestOf(message, count);
      count = Math.min(count - 1, Math.floor((count * limit) / bytes));
    }
    return undefined;
  }

  /** The batch of a digest of the first `count` queued messages. */
  #digestOf(message: Message, count: number): Batch {
    const entries: Entry[] = [];
    let slots = 0;
    for (const slot of this.#queue.values()) {
      if (entries.length >= count) break;
      slots++;
      for (const e of isBundle(slot) ? slot.entries : [slot]) {
        if (entries.length < count) entries.push(e);
      }
    }
    return { kind: 'digest', message, entries, slots };
  }

  /** The queued entries from the head, as many as their `cap`s let one digest hold. */
  *#headEntries(): Generator<Entry> {
    let cap = Number.POSITIVE_INFINITY;
    let count = 0;
    for (const slot of this.#queue.values()) {
      for (const entry of isBundle(slot) ? slot.entries : [slot]) {
        cap = Math.min(cap, entry.cap);
        if (count >= cap) return;
        count++;
        yield entry;
      }
    }
  }

  /** The queued messages from the head, as many as their `cap`s let one digest hold. */
  *#headMessages(): Generator<Message> {
    for (const entry of this.#headEntries()) yield entry.message;
  }

  /** Removes the batch's messages from the head of the queue. */
  #dequeue(batch: Batch): void {
    let left = batch.entries.length;
    while (left > 0) {
      const head = this.#queue.at(0)!;
      if (!isBundle(head)) {
        this.#queue.shift();
        left--;
      } else if (head.entries.length <= left) {
        left -= head.entries.length;
        this.#queue.shift();
      } else {
        head.entries.splice(0, left);
        left = 0;
      }
    }
    this.#messages -= batch.entries.length;
  }

  #delivered(batch: Batch, msgUuid: string, attempts: number, bytes: number): void {
    this.#dequeue(batch);
    const count = batch.entries.length;
    this.#stats.sends++;
    this.#stats.delivered += count;
    if (batch.kind === 'digest') {
      this.#stats.digests++;
      this.#stats.digested += count;
    }
    const now = this.#now();
    batch.entries.forEach((entry, i) => {
      const part: PartResult =
        batch.kind === 'digest'
          ? { delivered: 'digest', msgUuid, attempts, digestId: msgUuid, digestSize: count, position: i + 1 }
          : { delivered: 'alone', msgUuid, attempts };
      const pending = entry.pending;
      if (pending.settled) return;
      if (pending.parts) pending.parts[entry.part] = part;
      if (--pending.left > 0) return;
      pending.settled = true;
      const queuedMs = now - pending.queuedAt;
      if (pending.parts) {
        pending.resolve({ ...part, delivered: 'split', parts: pending.parts as PartResult[], queuedMs });
      } else pending.resolve({ ...part, queuedMs });
    });
    if (this.#events.has('sent')) {
      this.#events.emit('sent', {
        msgUuid,
        kind: batch.kind,
        count,
        attempts,
        bytes,
        items: itemsOf(batch.entries),
      });
    }
    if (batch.kind === 'digest') this.#events.emit('digested', { digestId: msgUuid, count, bytes });
  }

  #failed(batch: Batch, msgUuid: string, error: unknown): void {
    this.#dequeue(batch);
    this.#stats.failed += batch.entries.length;
    const split = new Set<Pending>();
    for (const entry of batch.entries) {
      if (entry.pending.parts) split.add(entry.pending);
      if (entry.pending.settled) continue;
      entry.pending.settled = true;
      entry.pending.reject(error);
    }
    // The rest of a rejected split message would reach the group as orphan parts: drop them.
    if (split.size) this.#dropSettled();
    this.#events.emit('failed', {
      msgUuid,
      count: batch.entries.length,
      error,
      items: itemsOf(batch.entries),
    });
  }
}

/** Errors about a message's content (the `aboutContent` trait): in a digest, maybe about one item only. */
function refusedForContent(error: unknown): boolean {
  return isDingbotError(error) && ERROR_CODES[error.code]?.aboutContent === true;
}

/** Throttling (the `pausesRobot` trait): the robot waits out a penalty. */
function throttled(error: unknown): error is DingbotError {
  return isDingbotError(error) && ERROR_CODES[error.code]?.pausesRobot === true;
}

function withoutUuid(message: Message): Message {
  const { msgUuid: _uuid, ...content } = message;
  return content as Message;
}

function itemsOf(entries: readonly Entry[]): SendItem[] {
  return entries.map((e) => ({ msgUuid: e.pending.msgUuid, part: e.part, parts: e.pending.count }));
}

function* messagesOf(entries: readonly Entry[], from: number): Generator<Message> {
  for (let i = from; i < entries.length; i++) yield entries[i]!.message;
}
