const encoder = new TextEncoder();

/**
 * Bytes a client may lag behind before it is dropped, so a stuck client cannot grow memory. Counted
 * in bytes, not events: a message record can weigh 20 kB, so 10000 queued events were 200 MB a client.
 */
export const MAX_QUEUED_BYTES = 8 * 1024 * 1024;
/** Event streams open at once; more answer HTTP 503 (a preview tab holds one). */
export const MAX_CLIENTS = 64;

/** Queue size in bytes, and no buffering ahead: `desiredSize` is minus the bytes not yet sent. */
const byteStrategy: QueuingStrategy<Uint8Array> = { highWaterMark: 0, size: (chunk) => chunk.byteLength };

/**
 * The server-sent-events hub of `GET /api/events`. Publishing costs nothing without clients: the
 * event is serialised only when someone listens, and nothing is kept for absent clients.
 */
export class EventHub {
  /** Each open stream's controller → how to close its connection when the client falls behind. */
  readonly #clients = new Map<ReadableStreamDefaultController<Uint8Array>, (() => void) | undefined>();
  #heartbeat: ReturnType<typeof setInterval> | undefined;

  constructor(readonly heartbeatMs: number) {}

  get clientCount(): number {
    return this.#clients.size;
  }

  publish(event: string, data: unknown): void {
    if (this.#clients.size === 0) return;
    this.#broadcast(encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
  }

  /**
   * A new event stream for one client, or `undefined` when {@link MAX_CLIENTS} are already open.
   * `hangUp` closes the client's connection: a client more than {@link MAX_QUEUED_BYTES} behind is
   * dropped, and ending the stream alone would leave its socket open with the backlog queued.
   */
  connect(hangUp?: () => void): ReadableStream<Uint8Array> | undefined {
    if (this.#clients.size >= MAX_CLIENTS) return undefined;
    let self: ReadableStreamDefaultController<Uint8Array> | undefined;
    return new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          self = controller;
          this.#clients.set(controller, hangUp);
          controller.enqueue(encoder.encode(': connected\nretry: 2000\n\n'));
          this.#startHeartbeat();
        },
        cancel: () => {
          if (self) this.#drop(self);
        },
      },
      byteStrategy,
    );
  }

  /** Ends every stream (used by `close()` so servers and tests stop promptly). */
  closeAll(): void {
    for (const controller of this.#clients.keys()) {
      try {
        controller.close();
      } catch {
        // Already closed or errored by the client going away.
      }
    }
    this.#clients.clear();
    this.#stopHeartbeat();
  }

  #broadcast(chunk: Uint8Array): void {
    for (const [controller, hangUp] of this.#clients) {
      if ((controller.desiredSize ?? 0) < -MAX_QUEUED_BYTES) {
        this.#drop(controller);
        // `error` discards the queued backlog at once (`close` would wait for the client to read
        // it all), and the connection is closed under it.
        try {
          controller.error(new Error('event stream client too far behind'));
        } catch {}
        hangUp?.();
        continue;
      }
      try {
        controller.enqueue(chunk);
      } catch {
        this.#drop(controller);
      }
    }
  }

  #drop(controller: ReadableStreamDefaultController<Uint8Array>): void {
    this.#clients.delete(controller);
    if (this.#clients.size === 0) this.#stopHeartbeat();
  }

  #startHeartbeat(): void {
    if (this.#heartbeat) return;
    this.#heartbeat = setInterval(() => this.#broadcast(encoder.encode(': heartbeat\n\n')), this.heartbeatMs);
    this.#heartbeat.unref();
  }

  #stopHeartbeat(): void {
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
  }
}
