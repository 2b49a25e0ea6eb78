import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createEmulatorApp } from './app.js';
import { type CardRecord, cardsOf } from './apps/cards.js';
import { applyChaos, type ChaosInput } from './apps/routes.js';
import type { AppRobotInfo, ChatInput, ChatRecord, ChatResult } from './apps/types.js';
import { defaults } from './defaults.js';
import { hostGuard, isLoopback } from './hosts.js';
import { webhookUrl } from './robots.js';
import type { EmulatorState } from './state.js';
import type {
  AttemptRecord,
  EmulatorOptions,
  MessageRecord,
  RecordFilter,
  RobotInfo,
  RobotState,
} from './types.js';

/** A running emulator. */
export interface EmulatorHandle {
  /** Base URL, e.g. `http://127.0.0.1:53211`. */
  readonly url: string;
  readonly port: number;
  /** The emulator's state, for advanced tests. */
  readonly state: EmulatorState;
  /**
   * The webhook URL of a token.
   * @example emulator.webhookUrl('abc') // 'http://127.0.0.1:53211/robot/send?access_token=abc'
   */
  webhookUrl(token: string): string;
  /**
   * Accepted messages, oldest first.
   * @example emulator.messages({ robot: 'ops', limit: 10 })
   */
  messages(filter?: RecordFilter): MessageRecord[];
  /**
   * Refused sends, oldest first.
   * @example emulator.attempts().at(-1)?.errcode // 310000
   */
  attempts(filter?: RecordFilter): AttemptRecord[];
  /** Forgets all messages, attempts and remembered msgUuids (robots and rate windows stay). */
  clear(): void;
  /**
   * Puts a robot, by name or token, into a state; anything but `'active'` refuses sends.
   * @example emulator.setRobotState('ops', 'disabled')
   */
  setRobotState(tokenOrName: string, state: RobotState): RobotInfo;
  /**
   * Throttles a robot now, as if it had exceeded the rate limit; `ms` defaults to the penalty.
   * @example emulator.throttle('ops', 5000)
   */
  throttle(tokenOrName: string, ms?: number): RobotInfo;
  /** The robots, as `GET /api/robots` lists them. */
  robots(): RobotInfo[];
  /** Stops the server and ends every connection, event streams and Stream WebSockets included. */
  close(): Promise<void>;
  /**
   * A member writes to an app robot (as `POST /api/chat`); resolves once the message went out
   * (HTTP robots: once their callback answered).
   * @example const { msgId } = await emulator.chat({ robot: 'bot', text: '@bot ping' });
   */
  chat(input: ChatInput): Promise<ChatResult>;
  /**
   * Resolves with the next reply an app robot posts in answer to `msgId` (sessionWebhook or
   * callback answer) that no earlier call returned, whether it was posted before this call (an HTTP
   * robot may answer before `chat()` resolves) or comes later. No deadline of its own: the test
   * runner's timeout applies.
   * @example const reply = await emulator.nextReply(msgId); // reply.payload.text.content === 'pong'
   */
  nextReply(msgId: string): Promise<MessageRecord>;
  /** Every message sent to app robots, with deliveries, acks and replies (as `GET /api/chats`). */
  chats(robot?: string): ChatRecord[];
  /** The AI cards app robots created, with their streaming updates (as `GET /api/cards`). */
  cards(): CardRecord[];
  /** The app robots, as `GET /api/apps` lists them. */
  apps(): AppRobotInfo[];
  /**
   * A chaos switch on an app robot (by clientId, robotCode or name), as `POST /api/apps/<robot>/chaos`.
   * @example emulator.chaos('bot', { action: 'disconnect' }) // { action: 'disconnect', affected: 1 }
   */
  chaos(robot: string, input: ChaosInput): { action: string; affected: number };
}

/**
 * Starts the emulator on a port (`0` by default: any free one) of 127.0.0.1.
 *
 * @example
 * ```ts
 * const emulator = await startEmulator({ robots: [{ token: 'abc', name: 'ops', secret: 'SECxyz' }] });
 * // point the client at emulator.webhookUrl('abc'), send, then:
 * assert.equal(emulator.messages({ robot: 'ops' }).length, 1);
 * await emulator.close();
 * ```
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<EmulatorHandle> {
  const host = options.host ?? defaults.host;
  // Bound beyond loopback, the emulator is meant to be reached by other names (a LAN address, a
  // container's service name), so it answers any host unless told otherwise.
  const allowedHosts = options.allowedHosts ?? (isLoopback(host) ? undefined : true);
  const { app, state } = createEmulatorApp({ ...options, allowedHosts });
  const server = await new Promise<Server>((resolve, reject) => {
    const created = serve({ fetch: app.fetch, hostname: host, port: options.port ?? defaults.port }, () => {
      created.off('error', reject);
      resolve(created as Server);
    });
    created.once('error', reject);
  });
  // Stream mode: WebSockets at /connect beside hono, on the same port.
  const upgradeHostAllowed = hostGuard(allowedHosts);
  server.on('upgrade', (request, socket, head) => {
    if (!state.apps.gateway.handleUpgrade(request, socket, head, upgradeHostAllowed)) socket.destroy();
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${clientHost(host)}:${port}`;
  state.baseUrl = url;

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    state,
    webhookUrl: (token) => webhookUrl(url, token),
    messages: (filter) => state.messages(filter),
    attempts: (filter) => state.attempts(filter),
    clear: () => state.clear(),
    setRobotState: (tokenOrName, robotState) => state.setRobotState(tokenOrName, robotState),
    throttle: (tokenOrName, ms) => state.throttle(tokenOrName, ms),
    robots: () => state.robotList(url),
    chat: (input) => state.apps.send(input, url),
    nextReply: (msgId) => state.apps.nextReply(msgId),
    chats: (robot) => state.apps.chats(robot),
    cards: () => cardsOf(state.apps),
    apps: () => state.apps.apps.map((robot) => state.apps.info(robot)),
    chaos: (robot, input) => applyChaos(state.apps, robot, input),
    close: () => {
      closing ??= new Promise<void>((resolve, reject) => {
        state.events.closeAll();
        state.apps.close();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
        state.log.flush();
      });
      return closing;
    },
  };
}

/** The host a client should dial: a wildcard bind is reached on loopback; IPv6 needs brackets. */
function clientHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
