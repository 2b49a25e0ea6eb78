import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { AppRobotConfig } from '@dingbot/emulator';
import fc from 'fast-check';
import { WebSocket } from 'ws';
import { parseCommand } from '../src/args.js';
import { APP_OPTIONS, appsFromFlags } from '../src/emulator-apps.js';
import { EXIT } from '../src/exit-codes.js';
import { run } from '../src/run.js';
import { assertExit, assertNoSecrets, type CliResult, cli, collector, tempHome, until } from './helpers.js';

const { home, cleanup } = tempHome();
after(cleanup);

const STREAM_KEY = 'dingclistream7f3a';
const STREAM_SECRET = 'cli-stream-app-secret-0c9e41d2';
const STREAM_CODE = 'robotcode-cli-5b21';
const HTTP_KEY = 'dingclihttp91be';
const HTTP_SECRET = 'cli-http-app-secret-8d7f3360';
/** The AppSecret of the emulator's default app robot (obviously fake, documented). */
const DEFAULT_SECRET = 'emulator-app-secret-not-real';

/** A `dingbot emulator` run in this process, stopped by {@link Running.stop}. */
interface Running {
  stdout: { readonly text: string };
  stderr: { readonly text: string };
  stop(): Promise<CliResult>;
}

/** Starts `dingbot emulator <args>` in process and resolves once it printed its first stdout line. */
async function startCli(args: readonly string[]): Promise<Running> {
  const stopper = new AbortController();
  const stdout = collector(false);
  const stderr = collector(false);
  const running = run(['emulator', '--port', '0', ...args], {
    stdout,
    stderr,
    stdin: Readable.from([]),
    env: { HOME: home },
    signal: stopper.signal,
  });
  let ended = false;
  void running.then(() => {
    ended = true;
  });
  await until(() => ended || stdout.text.includes('\n'));
  if (ended) assert.fail(`dingbot emulator ended early:\n${stdout.text}\n${stderr.text}`);
  return {
    stdout,
    stderr,
    async stop() {
      stopper.abort();
      const code = await running;
      return { code, signal: null, stdout: stdout.text, stderr: stderr.text };
    },
  };
}

/** A `dingbot emulator` run expected to refuse its command line: it must end without being stopped. */
async function refused(args: readonly string[]): Promise<CliResult> {
  // Aborted from the start: a command line wrongly accepted starts the emulator and stops at once, exit 0.
  const stdout = collector(false);
  const stderr = collector(false);
  const code = await run(['emulator', '--port', '0', ...args], {
    stdout,
    stderr,
    stdin: Readable.from([]),
    env: { HOME: home },
    signal: AbortSignal.abort(),
  });
  return { code, signal: null, stdout: stdout.text, stderr: stderr.text };
}

/** A downstream Stream frame, as DingTalk's protocol documents it. */
interface Frame {
  type: 'SYSTEM' | 'EVENT' | 'CALLBACK';
  headers: Record<string, string>;
  data: string;
}

/**
 * The smallest Stream-mode client, from the protocol alone: POST the gateway (with
 * `Accept: application/json`) for an endpoint and a ticket, open the WebSocket, collect frames.
 */
async function openStream(
  gatewayUrl: string,
  clientId: string,
  clientSecret: string,
): Promise<{ socket: WebSocket; next: (type: Frame['type']) => Promise<Frame> }> {
  const res = await fetch(gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({
      clientId,
      clientSecret,
      subscriptions: [{ type: 'CALLBACK', topic: '/v1.0/im/bot/messages/get' }],
      ua: 'dingbot-cli-test/1.0',
    }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  const { endpoint, ticket } = (await res.json()) as { endpoint: string; ticket: string };
  const socket = new WebSocket(`${endpoint}?ticket=${encodeURIComponent(ticket)}`);
  const frames: Frame[] = [];
  const waiters: { type: Frame['type']; resolve: (frame: Frame) => void }[] = [];
  socket.on('message', (raw) => {
    const frame = JSON.parse(String(raw)) as Frame;
    // Echo pings, as the protocol requires, so a slow test never loses its connection.
    if (frame.type === 'SYSTEM' && frame.headers.topic === 'ping') {
      socket.send(JSON.stringify({ code: 200, headers: frame.headers, message: 'OK', data: frame.data }));
      return;
    }
    const waiter = waiters.findIndex((w) => w.type === frame.type);
    if (waiter === -1) frames.push(frame);
    else waiters.splice(waiter, 1)[0]?.resolve(frame);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return {
    socket,
    next: (type) => {
      const index = frames.findIndex((frame) => frame.type === type);
      if (index !== -1) return Promise.resolve(frames.splice(index, 1)[0] as Frame);
      return new Promise((resolve) => waiters.push({ type, resolve }));
    },
  };
}

async function postJson(
  url: string,
  body: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** The messages the emulator recorded for a robot, through its HTTP API. */
async function messagesOf(base: string, robot: string): Promise<Record<string, unknown>[]> {
  const res = await fetch(`${base}/api/messages?robot=${encodeURIComponent(robot)}`);
  return ((await res.json()) as { messages: Record<string, unknown>[] }).messages;
}

describe('dingbot emulator: app robots from flags', () => {
  let robotServer: Server;
  let callbackUrl: string;
  const callbacks: { signOk: boolean; text: string }[] = [];

  before(async () => {
    // An HTTP-mode robot: checks the sign with the AppSecret given on the command line, answers "pong".
    robotServer = createServer(async (req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const message = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { text: { content: string } };
      const expected = createHmac('sha256', HTTP_SECRET)
        .update(`${String(req.headers.timestamp)}\n${HTTP_SECRET}`)
        .digest('base64');
      const given = Buffer.from(String(req.headers.sign));
      const signOk =
        given.length === Buffer.byteLength(expected) && timingSafeEqual(given, Buffer.from(expected));
      callbacks.push({ signOk, text: message.text.content.trim() });
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          msgtype: 'text',
          text: { content: `pong over http (${message.text.content.trim()})` },
        }),
      );
    });
    await new Promise<void>((resolve) => robotServer.listen(0, '127.0.0.1', resolve));
    callbackUrl = `http://127.0.0.1:${(robotServer.address() as AddressInfo).port}/dingtalk`;
  });
  after(async () => {
    robotServer.closeAllConnections();
    await new Promise((resolve) => robotServer.close(resolve));
  });

  test("each --app-key starts an app robot; a Stream client opens the gateway with the flags' AppKey and AppSecret, receives, acks and replies; an HTTP robot gets signed callbacks", async () => {
    const emulator = await startCli([
      '--json',
      '--quiet',
      '--app-key',
      STREAM_KEY,
      '--app-secret',
      STREAM_SECRET,
      '--robot-code',
      STREAM_CODE,
      '--app-name',
      'deploy-bot',
      // A webhook robot in between: its flags do not end the app robot before it.
      '--token',
      'cli-apps-webhook-token-e4da3b7f',
      '--name',
      'alerts',
      '--app-key',
      HTTP_KEY,
      '--callback',
      callbackUrl,
      '--app-secret',
      HTTP_SECRET,
      '--app-name',
      'oncall',
    ]);
    // biome-ignore lint/suspicious/noExplicitAny: the test reads the JSON it printed
    const ready = JSON.parse(emulator.stdout.text) as Record<string, any>;
    const base = ready.url as string;
    const gateway = `${base}/v1.0/gateway/connections/open`;
    assert.deepEqual(ready.apps, [
      {
        name: 'deploy-bot',
        clientId: STREAM_KEY,
        robotCode: STREAM_CODE,
        mode: 'stream',
        gatewayUrl: gateway,
        groups: ['cidEmulatorGroup0000000000'],
        default: false,
      },
      {
        name: 'oncall',
        clientId: HTTP_KEY,
        robotCode: HTTP_KEY,
        mode: 'http',
        callbackUrl,
        groups: ['cidEmulatorGroup0000000000'],
        default: false,
      },
    ]);
    assert.deepEqual(
      ready.robots.map((r: { name: string }) => r.name),
      ['alerts'],
    );
    assert.equal(ready.chatUrl, `${base}/api/chat`);

    // The gateway checks the AppSecret given on the command line.
    const wrong = await fetch(gateway, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ clientId: STREAM_KEY, clientSecret: HTTP_SECRET, subscriptions: [], ua: 't' }),
    });
    assert.equal(wrong.status, 401);
    await wrong.body?.cancel();

    const client = await openStream(gateway, STREAM_KEY, STREAM_SECRET);
    const chat = await postJson(ready.chatUrl, { robot: 'deploy-bot', text: '@deploy-bot ping' });
    assert.equal(chat.status, 200, JSON.stringify(chat.json));
    assert.equal(chat.json.delivery, 'stream');
    const frame = await client.next('CALLBACK');
    assert.equal(frame.headers.topic, '/v1.0/im/bot/messages/get');
    const message = JSON.parse(frame.data) as {
      text: { content: string };
      robotCode: string;
      msgId: string;
      sessionWebhook: string;
    };
    assert.equal(message.text.content.trim(), 'ping');
    assert.equal(message.robotCode, STREAM_CODE);
    assert.equal(message.msgId, chat.json.msgId);
    client.socket.send(
      JSON.stringify({
        code: 200,
        headers: { contentType: 'application/json', messageId: frame.headers.messageId },
        message: 'OK',
        data: JSON.stringify({ response: null }),
      }),
    );
    const answered = await postJson(message.sessionWebhook, { msgtype: 'text', text: { content: 'pong' } });
    assert.deepEqual(answered.json, { errcode: 0, errmsg: 'ok' });
    const streamReplies = await messagesOf(base, 'deploy-bot');
    assert.equal(streamReplies.length, 1);
    assert.deepEqual(streamReplies[0]?.payload, { msgtype: 'text', text: { content: 'pong' } });
    assert.equal(streamReplies[0]?.inReplyTo, message.msgId);
    client.socket.close();

    const httpChat = await postJson(ready.chatUrl, { robot: 'oncall', text: '@oncall status' });
    assert.equal(httpChat.status, 200, JSON.stringify(httpChat.json));
    assert.equal(httpChat.json.delivery, 'http');
    assert.deepEqual(callbacks, [{ signOk: true, text: 'status' }]);
    const httpReplies = await messagesOf(base, 'oncall');
    assert.deepEqual(httpReplies[0]?.payload, {
      msgtype: 'text',
      text: { content: 'pong over http (status)' },
    });
    assert.equal(httpReplies[0]?.inReplyTo, httpChat.json.msgId);

    const result = await emulator.stop();
    assertExit(result, 0);
    assertNoSecrets(result, [STREAM_SECRET, HTTP_SECRET]);
  });

  test('on start it prints each app robot (name, AppKey, mode, gateway or callback URL) next to the webhook robots, never an AppSecret; with none configured, the default one', async () => {
    const config = join(home, 'emulator-apps.json');
    writeFileSync(
      config,
      JSON.stringify({
        apps: [{ clientId: 'dingfromconfig', clientSecret: 'config-app-secret-3f2a', name: 'from-config' }],
      }),
    );
    const configured = await startCli([
      '--quiet',
      '--config',
      config,
      '--token',
      'cli-apps-webhook-token-1679091c',
      '--secret',
      'SECcli-apps-webhook-secret-8f14',
      '--app-key',
      STREAM_KEY,
      '--app-secret',
      STREAM_SECRET,
      '--robot-code',
      STREAM_CODE,
      '--app-name',
      'deploy-bot',
      '--app-key',
      HTTP_KEY,
      '--app-secret',
      HTTP_SECRET,
      '--callback',
      callbackUrl,
    ]);
    await until(() => configured.stdout.text.includes('Press Ctrl+C'));
    const text = configured.stdout.text;
    const base = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(text)?.[1];
    assert.ok(base, text);
    const lines = text.split('\n');
    const gateway = `${base}/v1.0/gateway/connections/open`;
    // The config file's app robots first, then the flags' in order; webhook robots before them.
    assert.deepEqual(
      lines.filter((line) => /^(webhook|app|chat): /.test(line)),
      [
        `webhook:  ${base}/robot/send?access_token=cli-apps-webhook-token-1679091c   (cli-ap; signed)`,
        `app:      from-config (AppKey dingfromconfig, Stream mode)   gateway: ${gateway}`,
        `app:      deploy-bot (AppKey ${STREAM_KEY}, robotCode ${STREAM_CODE}, Stream mode)   gateway: ${gateway}`,
        `app:      ${HTTP_KEY} (AppKey ${HTTP_KEY}, HTTP mode)   callback: ${callbackUrl}`,
        `chat:     curl -s ${base}/api/chat -H 'content-type: application/json' -d '{"robot":"from-config","text":"@from-config ping"}'`,
      ],
    );
    const stopped = await configured.stop();
    assertExit(stopped, 0);
    assertNoSecrets(stopped, [
      STREAM_SECRET,
      HTTP_SECRET,
      'config-app-secret-3f2a',
      'SECcli-apps-webhook-secret-8f14',
    ]);

    const plain = await startCli(['--quiet']);
    await until(() => plain.stdout.text.includes('Press Ctrl+C'));
    const plainBase = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(plain.stdout.text)?.[1];
    assert.match(
      plain.stdout.text,
      new RegExp(
        `\napp: {6}bot \\(AppKey dingemulatorappkey, Stream mode\\) {3}gateway: ${plainBase}/v1\\.0/gateway/connections/open {3}\\(the default app robot; its AppSecret is in "dingbot emulator --help"\\)\n`,
      ),
    );
    const plainStopped = await plain.stop();
    assertExit(plainStopped, 0);
    assertNoSecrets(plainStopped, [DEFAULT_SECRET]);

    const asJson = await startCli(['--json', '--quiet']);
    // biome-ignore lint/suspicious/noExplicitAny: the test reads the JSON it printed
    const listed = JSON.parse(asJson.stdout.text) as Record<string, any>;
    assert.deepEqual(
      listed.apps.map((app: Record<string, unknown>) => [app.name, app.clientId, app.mode, app.default]),
      [['bot', 'dingemulatorappkey', 'stream', true]],
    );
    // The default robot answers its documented credentials: a client can connect with them.
    const client = await openStream(listed.apps[0].gatewayUrl, 'dingemulatorappkey', DEFAULT_SECRET);
    client.socket.close();
    assertExit(await asJson.stop(), 0);
  });

  test('a callback URL with a password prints it masked', async () => {
    const secretUrl = `http://robot:cb-password-2c4e6a@127.0.0.1:${(robotServer.address() as AddressInfo).port}/dingtalk`;
    const emulator = await startCli([
      '--quiet',
      '--app-key',
      HTTP_KEY,
      '--app-secret',
      HTTP_SECRET,
      '--callback',
      secretUrl,
    ]);
    await until(() => emulator.stdout.text.includes('Press Ctrl+C'));
    assert.match(emulator.stdout.text, /callback: http:\/\/robot:\[REDACTED\]@127\.0\.0\.1:/);
    const result = await emulator.stop();
    assertNoSecrets(result, ['cb-password-2c4e6a', HTTP_SECRET]);
  });

  test('mistakes in app flags are refused: usage errors (2) for the command line, configuration errors (3) for values, each naming the flag', async () => {
    const config = join(home, 'emulator-apps-clash.json');
    writeFileSync(
      config,
      JSON.stringify({ apps: [{ clientId: 'dingclash', clientSecret: 'clash-secret-9a1b', name: 'ops' }] }),
    );
    const [early, noSecret, twiceKey, twiceName, ftp, notUrl, webhookName, configName, emptySecret] =
      await Promise.all([
        refused(['--app-secret', STREAM_SECRET, '--app-key', STREAM_KEY]),
        refused(['--app-key', STREAM_KEY, '--app-key', HTTP_KEY, '--app-secret', HTTP_SECRET]),
        refused([
          '--app-key',
          STREAM_KEY,
          '--app-secret',
          STREAM_SECRET,
          '--app-key',
          STREAM_KEY,
          '--app-secret',
          STREAM_SECRET,
        ]),
        refused([
          '--app-key',
          STREAM_KEY,
          '--app-secret',
          STREAM_SECRET,
          '--app-name',
          'a',
          '--app-name',
          'b',
        ]),
        refused([
          '--app-key',
          STREAM_KEY,
          '--app-secret',
          STREAM_SECRET,
          '--callback',
          'ftp://127.0.0.1/dingtalk',
        ]),
        refused(['--app-key', STREAM_KEY, '--app-secret', STREAM_SECRET, '--callback', '127.0.0.1:3000']),
        refused([
          '--token',
          'cli-apps-token-c9f0f895',
          '--name',
          'bot',
          '--app-key',
          STREAM_KEY,
          '--app-secret',
          STREAM_SECRET,
        ]),
        refused([
          '--config',
          config,
          '--app-key',
          STREAM_KEY,
          '--app-secret',
          STREAM_SECRET,
          '--app-name',
          'ops',
        ]),
        refused(['--app-key', STREAM_KEY, '--app-secret', '']),
      ]);
    assertExit(early, EXIT.USAGE);
    assert.match(early.stderr, /--app-secret describes an app robot: give its --app-key first/);
    assertExit(noSecret, EXIT.USAGE);
    assert.match(noSecret.stderr, new RegExp(`the app robot of --app-key ${STREAM_KEY} has no --app-secret`));
    assertExit(twiceKey, EXIT.USAGE);
    assert.match(twiceKey.stderr, new RegExp(`--app-key "${STREAM_KEY}" is given twice`));
    assertExit(twiceName, EXIT.USAGE);
    assert.match(
      twiceName.stderr,
      new RegExp(`--app-name is given twice for the app robot of --app-key ${STREAM_KEY}`),
    );
    for (const bad of [ftp, notUrl]) {
      assertExit(bad, EXIT.CONFIG);
      assert.match(
        bad.stderr,
        /--callback "[^"]+" \(app robot --app-key [^)]+\) is not an http:\/\/ or https:\/\/ URL/,
      );
      assert.match(bad.stderr, /without --callback the robot uses Stream mode/);
    }
    assertExit(webhookName, EXIT.CONFIG);
    assert.match(
      webhookName.stderr,
      new RegExp(`--app-name of --app-key "${STREAM_KEY}": a webhook robot is also named "bot"`),
    );
    assert.match(webhookName.stderr, /set one with --app-name/);
    assertExit(configName, EXIT.CONFIG);
    assert.match(
      configName.stderr,
      new RegExp(`--app-name of --app-key "${STREAM_KEY}": another app robot has the same name`),
    );
    assertExit(emptySecret, EXIT.CONFIG);
    assert.match(
      emptySecret.stderr,
      new RegExp(`--app-secret of --app-key "${STREAM_KEY}": must not be empty`),
    );
    for (const result of [
      early,
      noSecret,
      twiceKey,
      twiceName,
      ftp,
      notUrl,
      webhookName,
      configName,
      emptySecret,
    ]) {
      assert.equal(result.stdout, '', 'nothing started');
      assertNoSecrets(result, [STREAM_SECRET, HTTP_SECRET, 'clash-secret-9a1b']);
    }
  });

  test('--help lists the app flags and the default app robot, examples first', async () => {
    const help = await cli(['emulator', '--help'], { home });
    assertExit(help, 0);
    assert.match(help.stdout, /^dingbot emulator — [^\n]+\n\nExamples:\n/);
    assert.match(help.stdout, /dingbot emulator --app-key \S+ --app-secret \S+/);
    for (const flag of [
      '--app-key <AppKey>',
      '--app-secret <secret>',
      '--robot-code <code>',
      '--app-name <name>',
      '--callback <url>',
    ])
      assert.ok(help.stdout.includes(flag), flag);
    assert.match(help.stdout, /AppKey dingemulatorappkey, AppSecret emulator-app-secret-not-real/);
  });
});

describe('app robots from any command line', () => {
  const word = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._]{0,11}$/);
  const app = fc.record(
    {
      clientSecret: word,
      robotCode: word,
      name: word,
      callbackUrl: fc.nat(65535).map((port) => `http://127.0.0.1:${port}/dingtalk`),
    },
    { requiredKeys: ['clientSecret'] },
  );
  const FLAG: Record<string, string> = {
    clientSecret: '--app-secret',
    robotCode: '--robot-code',
    name: '--app-name',
    callbackUrl: '--callback',
  };

  test('each --app-key gets exactly the app flags after it, in any order, whatever webhook robot flags come between', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(word, { minLength: 1, maxLength: 5 }),
        fc.array(app, { minLength: 5, maxLength: 5 }),
        fc.array(fc.tuple(fc.boolean(), fc.nat(), fc.nat()), { minLength: 5, maxLength: 5 }),
        (keys, described, shapes) => {
          const expected: AppRobotConfig[] = keys.map((clientId, i) => ({ clientId, ...described[i]! }));
          const argv: string[] = [];
          expected.forEach((robot, i) => {
            const [webhookBetween, rotate, insertAt] = shapes[i]!;
            const flags = Object.entries(robot)
              .filter(([field]) => field !== 'clientId')
              .map(([field, value]) => [FLAG[field]!, String(value)]);
            const ordered = flags.map((_, j) => flags[(j + rotate) % flags.length]!);
            if (webhookBetween)
              ordered.splice(insertAt % (ordered.length + 1), 0, ['--token', `t${i}`], ['--name', `w${i}`]);
            argv.push('--app-key', robot.clientId, ...ordered.flat());
          });
          const { tokens } = parseCommand('emulator', argv, {
            ...APP_OPTIONS,
            token: { type: 'string' },
            name: { type: 'string' },
          });
          assert.deepEqual(appsFromFlags(tokens), expected);
        },
      ),
    );
  });
});
