/**
 * The HTTP-callback receiver in an edge runtime: Cloudflare's workerd, through miniflare. The worker
 * is bundled as wrangler would (workerd's conditions, no Node built-ins), listens on loopback, and the
 * emulator posts signed callbacks to it; the bot inside answers through the session webhook.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '@dingbot/emulator';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { APP, GROUP } from './helpers.js';

const here = fileURLToPath(new URL('.', import.meta.url));

// A hang guard only: nothing here is timed.
test('workerd: a bot in a Worker verifies the callback, answers, and replies through the session webhook', {
  timeout: 600_000,
}, async () => {
  const bundle = await build({
    entryPoints: [join(here, 'runtimes', 'worker.ts')],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['development', 'workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    write: false,
    logLevel: 'silent',
  });
  const script = bundle.outputFiles[0]!.text;
  assert.doesNotMatch(
    script,
    /from\s*["']node:|require\(["']node:/,
    'the worker bundle imports no Node built-in',
  );
  const miniflare = new Miniflare({
    modules: true,
    script,
    compatibilityDate: '2025-12-01',
    bindings: { CLIENT_ID: APP.clientId, CLIENT_SECRET: APP.clientSecret },
    host: '127.0.0.1',
    port: 0,
  });
  try {
    const url = await miniflare.ready;
    const emulator = await startEmulator({
      apps: [
        { ...APP, callbackUrl: new URL('/dingtalk', url).href },
        {
          clientId: 'impostor',
          clientSecret: 'another-secret',
          name: 'impostor',
          callbackUrl: new URL('/dingtalk', url).href,
        },
      ],
      groups: [GROUP],
    });
    try {
      const { msgId } = await emulator.chat({ robot: 'bot', text: '@bot ping' });
      const posted = emulator.messages().find((m) => m.inReplyTo === msgId);
      const reply = posted ?? (await emulator.nextReply(msgId));
      assert.deepEqual((reply.payload as { text: unknown }).text, {
        content: '@u1 pong from Cloudflare-Workers',
      });
      const chat = emulator.chats('bot').find((c) => c.msgId === msgId)!;
      assert.deepEqual(
        chat.deliveries.map((d) => d.status),
        [200],
      );

      const refused = await emulator.chat({ robot: 'impostor', text: '@impostor ping' });
      const delivery = emulator.chats('impostor').find((c) => c.msgId === refused.msgId)!.deliveries[0]!;
      assert.equal(delivery.status, 401);
      assert.doesNotMatch(delivery.body ?? '', new RegExp(APP.clientSecret));
    } finally {
      await emulator.close();
    }
  } finally {
    await miniflare.dispose();
  }
});
