// A Cloudflare Worker as a user writes one: a bot whose robot is in HTTP mode, its callback URL
// pointing at the worker. Bundled and run in workerd by ../runtime.test.ts.
import { Bot } from '@dingbot/bot';

interface Env {
  CLIENT_ID: string;
  CLIENT_SECRET: string;
}

let handler: ReturnType<Bot['fetchHandler']> | undefined;

export default {
  fetch(request: Request, env: Env, ctx: { waitUntil(promise: Promise<unknown>): void }) {
    if (handler === undefined) {
      const bot = new Bot({
        clientId: env.CLIENT_ID,
        clientSecret: env.CLIENT_SECRET,
        replyOptions: { retry: 'none', rateLimit: false },
      });
      bot.hears('ping', (c) => c.reply(`pong from ${navigator.userAgent}`));
      handler = bot.fetchHandler();
    }
    return handler(request, env, ctx);
  },
};
