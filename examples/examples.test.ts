// The examples and the `npm start` demo, run as a newcomer runs them: alone (an embedded emulator),
// against a running demo (DINGTALK_WEBHOOK), and against a stand-in for a real DingTalk robot.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createTestBot } from '@dingbot/bot';
import { type EmulatorHandle, type MessageRecord, startEmulator } from '@dingbot/emulator';
import { EMULATOR_APP, startChatOps } from './_chatops.js';
import { DEMO_PORT, demoPort, postDemoMessages, startDemo } from './_demo.js';
import { maskWebhook } from './_target.js';
import { chatOps, onCall, ROTA } from './chatops.js';

const here = dirname(fileURLToPath(import.meta.url));
const scripts = readdirSync(here).filter(
  (f) => f.endsWith('.ts') && !f.startsWith('_') && !f.endsWith('.test.ts'),
);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs an example in a child process with only the given DINGTALK_* variables set. */
function runExample(script: string, vars: Record<string, string> = {}, args: string[] = []): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('DINGTALK_') || key === 'PORT') delete env[key];
  Object.assign(env, vars);
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=development', '--import', 'tsx', join(here, script), ...args],
      // A safety net for a hung example, far beyond any plausible run on a loaded machine.
      { env, timeout: 600_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Stands in for oapi.dingtalk.com: posts to `good-…` tokens succeed, others answer 300001. */
async function fakeDingTalk(): Promise<{
  server: Server;
  base: string;
  posts: { token: string; body: string }[];
}> {
  const posts: { token: string; body: string }[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      if (url.pathname !== '/robot/send') {
        res.writeHead(404).end('not found');
        return;
      }
      const token = url.searchParams.get('access_token') ?? '';
      posts.push({ token, body });
      const answer = token.startsWith('good-')
        ? { errcode: 0, errmsg: 'ok' }
        : { errcode: 300001, errmsg: 'token is not exist' };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, base, posts };
}

test('the examples alone: each says it sent to an embedded emulator, never an address to open', async () => {
  assert.ok(scripts.length >= 8, `found only ${scripts.join(', ')}`);
  for (const script of scripts.filter((s) => s !== 'demo.ts')) {
    const { code, stdout, stderr } = await runExample(script);
    assert.equal(code, 0, `${script} exited ${code}: ${stderr}`);
    assert.match(stdout, /an emulator embedded in this example/, `${script}: ${stdout}`);
    assert.match(stdout, /That emulator is closed now/, script);
    assert.doesNotMatch(
      stdout,
      /preview http|\(http:\/\/127\.0\.0\.1:\d+\)/,
      `${script} points at an emulator that is gone`,
    );
  }
});

describe('the examples against a running demo (DINGTALK_WEBHOOK from `npm start`)', () => {
  let emulator: EmulatorHandle;
  let vars: Record<string, string>;
  before(async () => {
    ({ emulator } = await startDemo(0));
    vars = { DINGTALK_WEBHOOK: emulator.webhookUrl('demo') };
  });
  after(() => emulator.close());

  /** Runs a script and returns what the demo's emulator recorded meanwhile. */
  async function watch(script: string) {
    const since = emulator.messages().length;
    const attemptsBefore = emulator.attempts().length;
    const run = await runExample(script, vars);
    assert.equal(run.code, 0, `${script} exited ${run.code}: ${run.stderr}`);
    const where = `the emulator at ${emulator.url} (robot`;
    assert.ok(run.stdout.includes(where), `${script} does not say it sent to ${where}: ${run.stdout}`);
    return {
      stdout: run.stdout,
      messages: emulator.messages().slice(since),
      attempts: emulator.attempts().slice(attemptsBefore),
    };
  }

  test('text, markdown, cards and burst appear on the robot "demo", with the sample pictures', async () => {
    const text = await watch('text.ts');
    assert.deepEqual(
      text.messages.map((m) => [m.robot, (m.payload as { text: { content: string } }).text.content]),
      [['demo', 'Build #42 failed on main @13800000000']],
    );
    assert.match(text.stdout, /content: "Build #42 failed on main @13800000000"/);

    const markdown = await watch('markdown.ts');
    assert.equal(markdown.messages.length, 1);
    assert.ok(JSON.stringify(markdown.messages[0]?.payload).includes(`${emulator.url}/samples/chart.png`));

    const cards = await watch('cards.ts');
    assert.deepEqual(
      cards.messages.map((m) => m.msgtype),
      ['link', 'actionCard', 'actionCard', 'feedCard'],
    );
    const pictures = JSON.stringify(cards.messages.map((m) => m.payload));
    for (const name of ['banner', 'server', 'chart']) {
      assert.ok(pictures.includes(`${emulator.url}/samples/${name}.png`), name);
    }
    assert.doesNotMatch(pictures, /example\.com\/[^"]*\.png/);

    const burst = await watch('burst.ts');
    assert.ok(burst.messages.length >= 1 && burst.messages.length <= 20, `${burst.messages.length} sends`);
    assert.ok(burst.messages.every((m) => m.robot === 'demo'));
    assert.match(burst.stdout, /sent 300 alerts to/);
  });

  test("signed.ts posts to the demo's signed robot, the keyword added", async () => {
    const { messages, attempts, stdout } = await watch('signed.ts');
    assert.deepEqual(attempts, []);
    assert.deepEqual(
      messages.map((m) => [m.robot, (m.payload as { text: { content: string } }).text.content]),
      [['signed', 'disk 91% full on db-1\nalert']],
    );
    assert.doesNotMatch(stdout, /SEC\w{8}/, 'a secret was printed');
  });

  test('errors.ts is refused twice by the demo (wrong signature, unknown token) and posts nothing', async () => {
    const { messages, attempts, stdout } = await watch('errors.ts');
    assert.deepEqual(messages, []);
    assert.deepEqual(
      attempts.map((a) => [a.robot, a.errcode]),
      [
        ['signed', 310000],
        [null, 300005],
      ],
    );
    assert.match(stdout, /code: +VALIDATION: .*link\(\): url/);
    assert.match(stdout, /code: +SIGN_MISMATCH/);
    assert.match(stdout, /code: +UNKNOWN_TOKEN/);
    assert.match(stdout, /access_token=\[REDACTED\]/);
    assert.doesNotMatch(stdout, /SEC\w{8}/);
  });

  test('pool.ts spreads 30 texts over the demo\'s robots "demo" and "demo-2"', async () => {
    const { messages, stdout } = await watch('pool.ts');
    assert.equal(messages.filter((m) => m.robot === 'demo').length, 15);
    assert.equal(messages.filter((m) => m.robot === 'demo-2').length, 15);
    assert.match(stdout, /robots "demo" and "demo-2"/);
    assert.match(stdout, /15 \+ 15 per robot/);
  });
});

describe('the examples against a real robot (a stand-in for oapi.dingtalk.com)', () => {
  let fake: Awaited<ReturnType<typeof fakeDingTalk>>;
  const token = `good-${'a1'.repeat(30)}f00d`;
  before(async () => {
    fake = await fakeDingTalk();
  });
  after(() => new Promise<void>((resolve) => fake.server.close(() => resolve())));

  test('errors.ts never posts to it, and says what it did instead', async () => {
    fake.posts.length = 0;
    const run = await runExample('errors.ts', {
      DINGTALK_WEBHOOK: `${fake.base}/robot/send?access_token=${token}`,
      DINGTALK_SECRET: 'SECsome0real0looking0secret000000000000000000000000000000000000000',
    });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(
      fake.posts.filter((p) => p.token === token),
      [],
      'errors.ts posted to the real robot',
    );
    assert.equal(fake.posts.length, 1, 'one request, to a token that does not exist');
    assert.match(run.stdout, /2\. skipped: a wrong signature/);
    assert.match(run.stdout, /code: +UNKNOWN_TOKEN/);
    assert.doesNotMatch(run.stdout, new RegExp(token));
    assert.doesNotMatch(run.stdout, /SECsome0/);
  });

  test('text.ts posts there and names it with the token masked', async () => {
    fake.posts.length = 0;
    const run = await runExample('text.ts', {
      DINGTALK_WEBHOOK: `${fake.base}/robot/send?access_token=${token}`,
    });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(fake.posts.length, 1);
    assert.ok(run.stdout.includes(`sent a text to ${fake.base}/robot/send?access_token=…f00d`), run.stdout);
    assert.doesNotMatch(run.stdout, new RegExp(token));
  });

  test('a refused send says why in two lines, not a stack trace', async () => {
    fake.posts.length = 0;
    const run = await runExample('text.ts', {
      DINGTALK_WEBHOOK: `${fake.base}/robot/send?access_token=revoked0token0000`,
    });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^not delivered: UNKNOWN_TOKEN: .*\n {2}hint: /);
    assert.doesNotMatch(run.stderr, /\n\s+at /, 'a stack trace');
    assert.doesNotMatch(run.stderr, /revoked0token0000/);
  });

  test('signed.ts without DINGTALK_SECRET and pool.ts without DINGTALK_WEBHOOKS stop, naming the variable', async () => {
    fake.posts.length = 0;
    const webhook = `${fake.base}/robot/send?access_token=${token}`;
    const signed = await runExample('signed.ts', { DINGTALK_WEBHOOK: webhook });
    assert.equal(signed.code, 2);
    assert.match(signed.stderr, /set DINGTALK_SECRET/);
    const pool = await runExample('pool.ts', { DINGTALK_WEBHOOK: webhook });
    assert.equal(pool.code, 2);
    assert.match(pool.stderr, /set DINGTALK_WEBHOOKS/);
    assert.deepEqual(fake.posts, []);
  });

  test('pool.ts with DINGTALK_WEBHOOKS posts through both robots', async () => {
    fake.posts.length = 0;
    const other = `good-${'b2'.repeat(30)}beef`;
    const run = await runExample('pool.ts', {
      DINGTALK_WEBHOOKS: [token, other].map((t) => `${fake.base}/robot/send?access_token=${t}`).join(','),
    });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(fake.posts.filter((p) => p.token === token).length, 15);
    assert.equal(fake.posts.filter((p) => p.token === other).length, 15);
    assert.match(run.stdout, /access_token=…f00d and .*access_token=…beef/);
  });
});

test('another emulator (dingbot emulator): its keywords are used, a signing robot without DINGTALK_SECRET stops', async () => {
  const emulator = await startEmulator({
    robots: [
      { token: 'ops-token', name: 'ops', keywords: ['监控报警'] },
      { token: 'sec-token', name: 'sec', secret: 'SECother0emulator0secret' },
    ],
  });
  try {
    const ok = await runExample('text.ts', { DINGTALK_WEBHOOK: emulator.webhookUrl('ops-token') });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /robot "ops"/);
    assert.match(JSON.stringify(emulator.messages()[0]?.payload), /监控报警/);
    const stopped = await runExample('text.ts', { DINGTALK_WEBHOOK: emulator.webhookUrl('sec-token') });
    assert.equal(stopped.code, 2);
    assert.match(stopped.stderr, /Robot "sec" .* checks signatures \(加签\): set DINGTALK_SECRET/);
    assert.equal(emulator.attempts().length, 0, 'nothing was sent');
  } finally {
    await emulator.close();
  }
});

describe('npm start (the demo)', () => {
  test('its first screen ends with a real refusal: a wrong signature the emulator refused', async () => {
    const { emulator } = await startDemo(0);
    try {
      const posts = await postDemoMessages(emulator);
      assert.equal(posts.refusal.code, 'SIGN_MISMATCH');
      const attempts = emulator.attempts();
      assert.deepEqual(
        attempts.map((a) => [a.robot, a.errcode, a.errmsg]),
        [['signed', 310000, 'sign not match']],
      );
      const last = Math.max(...emulator.messages().map((m) => m.id));
      assert.ok(attempts[0]!.id > last, 'the refusal is the newest record, at the bottom of the preview');
      assert.deepEqual([...new Set(emulator.messages().map((m) => m.msgtype))].sort(), [
        'actionCard',
        'feedCard',
        'link',
        'markdown',
        'text',
      ]);
      const payloads = JSON.stringify(emulator.messages().map((m) => m.payload));
      assert.ok(payloads.includes(`${emulator.url}/samples/`));
      assert.doesNotMatch(payloads, /example\.com\/[^"]*\.png/);
    } finally {
      await emulator.close();
    }
  });

  test('prints the preview, the webhook and the command that runs the examples into it', async () => {
    const { code, stdout } = await runExample('demo.ts', { PORT: '0' }, ['--once']);
    assert.equal(code, 0);
    assert.match(stdout, /posted 7 messages/);
    assert.match(stdout, /refused \(310000 sign not match\)/);
    assert.match(stdout, /preview \(live\): +http:\/\/127\.0\.0\.1:\d+\//);
    assert.match(stdout, /chat box: +at the bottom of the preview; the ChatOps robot .*\n.*"@bot help"/);
    const webhook = stdout.match(
      /webhook URL: +(http:\/\/127\.0\.0\.1:\d+\/robot\/send\?access_token=demo)/,
    )?.[1];
    assert.ok(webhook, stdout);
    assert.ok(stdout.includes(`export DINGTALK_WEBHOOK='${webhook}'`), stdout);
    assert.match(stdout, /node --conditions=development --import tsx examples\/text\.ts/);
    // `dingbot` on npm is someone else's package: the CLI is run by its scoped name.
    assert.match(stdout, /npx @dingbot\/cli send text --webhook/);
    assert.doesNotMatch(stdout, /npx dingbot\b/);
  });

  test('takes the next free port when its port is busy, and says so', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const busy = (blocker.address() as AddressInfo).port;
    try {
      const { code, stdout } = await runExample('demo.ts', { PORT: String(busy) }, ['--once']);
      assert.equal(code, 0);
      const took = Number(stdout.match(/so the demo took port (\d+)/)?.[1]);
      assert.match(stdout, new RegExp(`Port ${busy} \\(PORT=${busy}\\) is busy, so`));
      assert.ok(took > busy, stdout);
      assert.match(stdout, new RegExp(`preview \\(live\\): +http://127\\.0\\.0\\.1:${took}/`));
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  test('PORT: unset means 8787, a bad value is refused naming PORT', async () => {
    assert.equal(DEMO_PORT, 8787);
    assert.equal(demoPort(undefined), 8787);
    assert.equal(demoPort(''), 8787);
    assert.equal(demoPort('9000'), 9000);
    assert.equal(demoPort('0'), 0);
    for (const bad of ['abc', '80.5', '-1', '70000'])
      assert.throws(() => demoPort(bad), /PORT="[^"]*" is not a port number/);
    const { code, stderr } = await runExample('demo.ts', { PORT: 'eighty' }, ['--once']);
    assert.equal(code, 2);
    assert.match(stderr, /PORT="eighty" is not a port number/);
  });
});

test('maskWebhook keeps 4 characters of the token and drops timestamp and sign', () => {
  assert.equal(
    maskWebhook('https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef&timestamp=1&sign=x'),
    'https://oapi.dingtalk.com/robot/send?access_token=…cdef',
  );
  assert.equal(
    maskWebhook('https://oapi.dingtalk.com/robot/send?access_token=short'),
    'https://oapi.dingtalk.com/robot/send?access_token=…',
  );
  assert.equal(maskWebhook('not a url access_token=secret'), '(a webhook that is not a URL)');
});

/** Every reply to `msgId` once the robot is done with it (a deploy answers twice). */
async function repliesTo(emulator: EmulatorHandle, msgId: string, count: number): Promise<string[]> {
  let replies: MessageRecord[] = [];
  for (;;) {
    replies = emulator.messages().filter((m) => m.inReplyTo === msgId);
    if (replies.length >= count) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return replies.map((m) => {
    const payload = m.payload as { text?: { content: string }; markdown?: { text: string } };
    return payload.text?.content ?? payload.markdown?.text ?? '';
  });
}

describe('chatops.ts: the ChatOps robot', () => {
  test('"@bot help", deploy (admins only), oncall and anything else, through createTestBot', async () => {
    const emulator = await startEmulator();
    const deployed: string[] = [];
    const week = Date.UTC(2026, 10, 30, 9); // a Monday
    const t = await createTestBot(emulator, (bot) =>
      chatOps(bot, {
        deploy: async (service) => {
          deployed.push(service);
          return { version: 'v1.4.2', seconds: 7 };
        },
        now: () => week,
      }),
    );
    try {
      const help = await t.say('@bot help');
      assert.equal(help.payload['msgtype'], 'markdown');
      assert.match(help.text, /@bot deploy\*\* \*service\*/);
      assert.match(help.text, /@bot oncall/);

      const deploy = await t.say('@bot deploy api'); // manager001, the group's admin
      assert.equal(deploy.text, '@manager001 deploying api…');
      const [, done] = await repliesTo(emulator, deploy.msgId, 2);
      assert.match(done!, /### api v1\.4\.2 is live/);
      assert.match(done!, /asked by \*\*Li Lei\*\*/);
      assert.deepEqual(deployed, ['api']);

      const refused = await t.say('@bot deploy api', { sender: 'dev002' });
      assert.equal(refused.text, '@dev002 Only group admins can deploy. Ask one to say "@bot deploy api".');
      assert.match(
        (await t.say('@bot deploy db')).text,
        /I don't know the service "db"\. I deploy api, web, worker/,
      );
      assert.match((await t.say('@bot deploy')).text, /Deploy what\?/);
      assert.deepEqual(deployed, ['api']);

      const person = onCall(week);
      const oncall = await t.say('@bot oncall');
      assert.equal(oncall.text, `On call this week: @${person.staffId} (${person.name})`);
      assert.deepEqual(oncall.payload['at'], { atUserIds: [person.staffId] });
      assert.notDeepEqual(onCall(week + 7 * 24 * 3_600_000), person, 'the rota turns weekly');
      assert.equal(
        new Set(ROTA.map((_, i) => onCall(week + i * 7 * 24 * 3_600_000).staffId)).size,
        ROTA.length,
      );

      assert.match(
        (await t.say('@bot reboot prod')).text,
        /Sorry, I don't understand "reboot prod"\. Say "@bot help"/,
      );
    } finally {
      await t.stop();
      await emulator.close();
    }
  });

  test("npm start's emulator has it answering in the chat box: a deploy conversation", async () => {
    const { emulator } = await startDemo(0);
    const chatops = await startChatOps(emulator);
    try {
      // What the preview's chat box posts: POST /api/chat.
      const res = await fetch(`${emulator.url}/api/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ robot: 'bot', text: '@bot deploy api', sender: 'manager001' }),
      });
      const { msgId, delivery } = (await res.json()) as { msgId: string; delivery: string };
      assert.equal(delivery, 'stream');
      const replies = await repliesTo(emulator, msgId, 2);
      assert.equal(replies[0], '@manager001 deploying api…');
      assert.match(replies[1]!, /### api v[\d.]+ is live/);
    } finally {
      await chatops.stop();
      await emulator.close();
    }
    assert.deepEqual(chatops.bot.resources, { sockets: 0, timers: 0, handlers: 0 });
  });
});

/** Starts an example that serves until a signal; `stop()` sends SIGTERM and resolves with its exit. */
function serveExample(script: string, vars: Record<string, string>) {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('DINGTALK_')) delete env[key];
  Object.assign(env, vars);
  const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', join(here, script)], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return { code: await exited, stdout, stderr };
    },
  };
}

describe('chatops.ts with the app credentials: serves until Ctrl-C', () => {
  test('Stream mode (DINGTALK_BASE_URL at an emulator): answers, and stops cleanly on SIGTERM', {
    timeout: 600_000,
  }, async () => {
    const emulator = await startEmulator();
    const running = serveExample('chatops.ts', {
      DINGTALK_CLIENT_ID: EMULATOR_APP.clientId,
      DINGTALK_CLIENT_SECRET: EMULATOR_APP.clientSecret,
      DINGTALK_BASE_URL: emulator.url,
    });
    try {
      // Sent before or after the robot connects: the emulator holds it for the next connection.
      const { msgId } = await emulator.chat({ robot: 'bot', text: '@bot help' });
      const [help] = await repliesTo(emulator, msgId, 1);
      assert.match(help!, /### What I can do/);
    } finally {
      const { code, stdout, stderr } = await running.stop();
      await emulator.close();
      assert.equal(code, 0, stderr);
      assert.match(stdout, new RegExp(`connected in Stream mode to ${emulator.url.replaceAll('.', '\\.')}`));
      assert.ok(!stdout.includes(EMULATOR_APP.clientSecret) && !stderr.includes(EMULATOR_APP.clientSecret));
    }
  });

  test('HTTP mode (DINGTALK_CALLBACK_PORT): the emulator posts signed callbacks, the robot answers', {
    timeout: 600_000,
  }, async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
    const emulator = await startEmulator({
      apps: [{ ...EMULATOR_APP, name: 'bot', callbackUrl: `http://127.0.0.1:${port}/dingtalk` }],
    });
    const running = serveExample('chatops.ts', {
      DINGTALK_CLIENT_ID: EMULATOR_APP.clientId,
      DINGTALK_CLIENT_SECRET: EMULATOR_APP.clientSecret,
      DINGTALK_CALLBACK_PORT: String(port),
    });
    try {
      // No deadline: say it again until the server is up and answers the callback (DingTalk does not retry).
      let msgId: string;
      for (;;) {
        ({ msgId } = await emulator.chat({ robot: 'bot', text: '@bot oncall' }));
        const status = emulator.chats('bot').find((c) => c.msgId === msgId)?.deliveries[0]?.status;
        if (status === 200) break;
        assert.equal(status, 0, 'refused while starting');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const [answer] = await repliesTo(emulator, msgId, 1);
      assert.match(answer!, /^On call this week: @\w+ \(/);
    } finally {
      const { code, stdout, stderr } = await running.stop();
      await emulator.close();
      assert.equal(code, 0, stderr);
      assert.match(stdout, new RegExp(`taking HTTP callbacks at http://127\\.0\\.0\\.1:${port}/dingtalk`));
    }
  });

  test('one of the two variables alone stops it, naming the other', async () => {
    const run = await runExample('chatops.ts', { DINGTALK_CLIENT_ID: 'dingsomething' });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /Set DINGTALK_CLIENT_SECRET too/);
  });
});
