// What dingbot writes into messages (digest headings and titles, part labels) follows `locale`.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { type Locale, MemoryStore, Robot } from '../src/index.js';
import { startServer, type TestServer } from './helpers/server.js';

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(() => server.close());
beforeEach(() => server.reset());

interface Body {
  msgtype: string;
  text?: { content: string };
  markdown?: { title: string; text: string };
}

async function sendBurstAndLong(locale: Locale | undefined): Promise<Body[]> {
  const robot = new Robot({
    webhook: server.webhook(`locale-${locale}`),
    store: new MemoryStore(),
    ...(locale === undefined ? {} : { locale }),
  });
  await Promise.all([
    robot.text('line of a long log\n'.repeat(1500)),
    robot.markdown('Report', 'paragraph of a long report\n\n'.repeat(1000)),
    ...Array.from({ length: 30 }, (_, i) => robot.text(`disk ${i}`)),
  ]);
  await robot.close();
  return server.requests.map((r) => r.body as Body);
}

test('\'en\' (the default): "30 messages", "(part 1/2)"', async () => {
  const bodies = await sendBurstAndLong(undefined);
  const texts = bodies.filter((b) => b.msgtype === 'text').map((b) => b.text!.content);
  assert.ok(texts[0]!.startsWith('(part 1/2)\n'), texts[0]!.slice(0, 20));
  assert.ok(texts[1]!.startsWith('(part 2/2)\n'));
  const markdowns = bodies.filter((b) => b.msgtype === 'markdown').map((b) => b.markdown!);
  assert.ok(markdowns[0]!.text.startsWith('**(part 1/2)**\n\n'));
  assert.equal(markdowns[0]!.title, 'Report (part 1/2)');
  const digest = markdowns.find((m) => m.text.startsWith('#### '))!;
  assert.match(digest.text, /^#### \d+ messages\n\n\*\*1\.\*\* /);
  assert.match(digest.title, /^\d+ messages: \S/);
});

test("'zh-CN': 「共 30 条消息」, 「（第 1/2 段）」", async () => {
  const bodies = await sendBurstAndLong('zh-CN');
  const texts = bodies.filter((b) => b.msgtype === 'text').map((b) => b.text!.content);
  assert.ok(texts[0]!.startsWith('（第 1/2 段）\n'), texts[0]!.slice(0, 20));
  assert.ok(texts[1]!.startsWith('（第 2/2 段）\n'));
  const markdowns = bodies.filter((b) => b.msgtype === 'markdown').map((b) => b.markdown!);
  assert.ok(markdowns[0]!.text.startsWith('**（第 1/2 段）**\n\n'));
  assert.equal(markdowns[0]!.title, 'Report（第 1/2 段）');
  const digest = markdowns.find((m) => m.text.startsWith('#### '))!;
  assert.match(digest.text, /^#### 共 \d+ 条消息\n\n\*\*1\.\*\* /);
  assert.match(digest.title, /^共 \d+ 条消息：\S/);
  assert.ok(!/messages|\(part /.test(bodies.map((b) => JSON.stringify(b)).join('')), 'no English left');
});
