// One pass through the message: validated once when queued, finalised once when sent; and a
// send's own AbortSignal reaches the queue, the request and the retry delays.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { AbortedError, isDingbotError, MemoryStore, Robot, text } from '../src/index.js';
import { validationCount } from '../src/messages/validate.js';
import { dingtalk, startServer, type TestServer } from './helpers/server.js';

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(() => server.close());
beforeEach(() => server.reset());

describe('one validation per send', () => {
  test('alone, with mentions and a keyword, in a digest, split, and from DingTalk JSON', async () => {
    const robot = new Robot({
      webhook: server.webhook('one-pass'),
      keywords: ['alert'],
      store: new MemoryStore(),
    });
    const before = validationCount();
    const sends = [
      robot.text('disk full', { at: { mobiles: ['13800000000'] } }),
      robot.markdown('Deploy', '### Deploy done'),
      robot.send({ msgtype: 'text', text: { content: 'from JSON' } }),
      robot.text('long log line\n'.repeat(2000)),
      // More than the window lets through at once: merged into digests.
      ...Array.from({ length: 30 }, (_, i) => robot.text(`burst ${i}`)),
    ];
    const results = await Promise.all(sends);
    await robot.close();
    assert.ok(results.some((r) => r.delivered === 'digest'));
    assert.ok(results.some((r) => r.delivered === 'split'));
    assert.equal(validationCount() - before, sends.length, 'each message was validated exactly once');
    // Finalised once per send: every body that went out carries the keyword exactly once.
    for (const request of server.requests) {
      const body = request.body as { text?: { content: string }; markdown?: { text: string } };
      const content = body.text?.content ?? body.markdown?.text ?? '';
      assert.equal(content.split('alert').length - 1, 1, content.slice(0, 80));
    }
  });
});

describe('send(message, { signal })', () => {
  test('a message waiting in the queue leaves it; the others are not affected', async () => {
    const robot = new Robot({
      webhook: server.webhook('signal-queue'),
      rateLimit: { limit: 1, windowMs: 3_600_000 },
      digest: false,
      store: new MemoryStore(),
    });
    const first = robot.text('first');
    const controller = new AbortController();
    const second = robot.text('second', { signal: controller.signal });
    const third = robot.text('third');
    await first;
    assert.equal(robot.stats().queued, 2);
    controller.abort(new Error('user cancelled'));
    await assert.rejects(second, (error: unknown) => {
      assert.ok(error instanceof AbortedError);
      assert.equal(error.code, 'ABORTED');
      assert.equal((error.cause as Error).message, 'user cancelled');
      return true;
    });
    assert.equal(robot.stats().queued, 1, 'only the cancelled message left the queue');
    robot.abort();
    await assert.rejects(third, (error: unknown) => isDingbotError(error) && error.code === 'ROBOT_CLOSED');
    assert.equal(server.requests.length, 1);
  });

  test('an aborted signal refuses at once; the robot stays usable', async () => {
    const robot = new Robot({ webhook: server.webhook('signal-early'), store: new MemoryStore() });
    await assert.rejects(robot.send(text('x'), { signal: AbortSignal.abort() }), AbortedError);
    await robot.text('still works');
    await assert.rejects(
      robot.send(text('x'), { signal: 'soon' as never }),
      (error: unknown) => isDingbotError(error) && error.code === 'INVALID_OPTIONS',
    );
    await robot.close();
    assert.equal(server.requests.length, 1);
  });

  test('reaches the request under way', async () => {
    server.reply({ delayMs: 3_600_000 });
    const robot = new Robot({
      webhook: server.webhook('signal-flight'),
      timeoutMs: 3_600_000,
      store: new MemoryStore(),
    });
    const controller = new AbortController();
    const sent = robot.markdown('t', 'slow answer', { signal: controller.signal });
    // Abort once the request has reached the server.
    while (server.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    await assert.rejects(sent, AbortedError);
    await robot.close();
  });

  test('reaches the retry delays', async () => {
    server.fallback = dingtalk(-1, 'busy');
    try {
      const robot = new Robot({
        webhook: server.webhook('signal-retry'),
        retry: { retries: 5, minDelayMs: 3_600_000, jitter: false },
        store: new MemoryStore(),
      });
      const controller = new AbortController();
      robot.on('retried', () => controller.abort());
      await assert.rejects(robot.text('busy', { signal: controller.signal }), AbortedError);
      assert.equal(server.requests.length, 1, 'no retry after the abort');
      await robot.close();
    } finally {
      server.fallback = { body: { errcode: 0, errmsg: 'ok' } };
    }
  });
});
