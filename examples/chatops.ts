// ChatOps: a robot people @-mention in a group. "@bot deploy api", "@bot oncall", "@bot help".
//
// Run alone, it talks to an emulator embedded in it and prints the conversation. With the app's
// credentials it connects to DingTalk in Stream mode and answers until Ctrl-C:
//   DINGTALK_CLIENT_ID=ding… DINGTALK_CLIENT_SECRET=… node --conditions=development --import tsx examples/chatops.ts
// DINGTALK_BASE_URL=http://127.0.0.1:8787 points it at a running `dingbot emulator` instead, and
// DINGTALK_CALLBACK_PORT=3000 takes DingTalk's HTTP callbacks at http://127.0.0.1:3000/dingtalk
// (HTTP mode; put your https proxy in front) instead of connecting in Stream mode.
// `npm start` runs it against the demo's emulator: talk to it in the preview's chat box.
import { pathToFileURL } from 'node:url';
import { Bot } from '@dingbot/bot';
import { startCallbackServer } from '@dingbot/bot/node';
import { markdown, text } from '@dingbot/sdk';

/** The services this robot deploys. */
export const SERVICES = ['api', 'web', 'worker'] as const;

/** Who is on call, week by week (the emulator's default group). */
export const ROTA = [
  { staffId: 'ops003', name: 'Zhang Wei' },
  { staffId: 'dev002', name: 'Han Meimei' },
  { staffId: 'manager001', name: 'Li Lei' },
];

/** What a deploy reports when it is done. */
export interface Deployed {
  version: string;
  seconds: number;
}

/** Stands in for your CI's API: pretends to roll `service` out. */
async function pretendDeploy(service: string): Promise<Deployed> {
  await new Promise((resolve) => setTimeout(resolve, 300));
  const version = `v${new Date().toISOString().slice(0, 10).replaceAll('-', '.')}`;
  return { version, seconds: { api: 42, web: 18, worker: 27 }[service] ?? 30 };
}

const HELP = [
  '### What I can do',
  '',
  '- **@bot deploy** *service*: deploys api, web or worker (group admins only)',
  '- **@bot oncall**: who is on call this week',
  '- **@bot help**: this list',
].join('\n');

/** Who is on call in the week of `now` (weeks start on Monday, UTC). */
export function onCall(now: number): (typeof ROTA)[number] {
  const MONDAY = Date.UTC(2024, 0, 1);
  const week = Math.floor((now - MONDAY) / (7 * 24 * 3_600_000));
  return ROTA[((week % ROTA.length) + ROTA.length) % ROTA.length]!;
}

/**
 * The robot's commands, added to `bot`. `deploy` and `now` are there for tests; by default a deploy is
 * pretended and the clock is the real one.
 */
export function chatOps(
  bot: Bot,
  options: { deploy?: (service: string) => Promise<Deployed>; now?: () => number } = {},
): Bot {
  const { deploy = pretendDeploy, now = Date.now } = options;

  bot.command('help', (ctx) => ctx.reply(markdown('What I can do', HELP)));

  bot.command('deploy', async (ctx) => {
    const service = ctx.args.split(/\s+/)[0] ?? '';
    if (service === '') return ctx.reply('Deploy what? Say e.g. "@bot deploy api".');
    if (!(SERVICES as readonly string[]).includes(service)) {
      return ctx.reply(`I don't know the service "${service}". I deploy ${SERVICES.join(', ')}.`);
    }
    if (!ctx.sender.isAdmin)
      return ctx.reply(`Only group admins can deploy. Ask one to say "@bot deploy ${service}".`);
    await ctx.reply(`deploying ${service}…`);
    const done = await deploy(service);
    return ctx.reply(
      markdown(
        `${service} deployed`,
        `### ${service} ${done.version} is live\n\n- asked by **${ctx.sender.nick}**\n- took ${done.seconds} s`,
      ),
    );
  });

  bot.command('oncall', (ctx) => {
    const person = onCall(now());
    return ctx.reply(
      text(`On call this week: @${person.staffId} (${person.name})`, { at: { userIds: [person.staffId] } }),
    );
  });

  // Anything else: say what the robot understands (handlers above did not call next()).
  bot.on('message', (ctx) => ctx.reply(`Sorry, I don't understand "${ctx.text}". Say "@bot help".`));
  return bot;
}

/** Answers until Ctrl-C: in Stream mode, or in HTTP mode when DINGTALK_CALLBACK_PORT is set. */
async function serve(clientId: string, clientSecret: string): Promise<void> {
  const baseUrl = process.env.DINGTALK_BASE_URL?.trim() || undefined;
  const port = process.env.DINGTALK_CALLBACK_PORT?.trim();
  const bot = chatOps(new Bot({ clientId, clientSecret, baseUrl }));
  bot.catch((error, ctx) => console.error(`"${ctx.text}" failed:`, error));
  let close: () => Promise<void>;
  if (port) {
    if (!/^\d+$/.test(port) || Number(port) > 65535) {
      console.error(
        `DINGTALK_CALLBACK_PORT="${port}" is not a port number: use 1-65535, or 0 for any free port.`,
      );
      process.exit(2);
    }
    const server = await startCallbackServer(bot, { port: Number(port), path: '/dingtalk' });
    console.log(
      `chatops: taking HTTP callbacks at ${server.callbackUrl}; set the robot's callback URL to it (behind https). Ctrl-C stops.`,
    );
    close = () => server.close();
  } else {
    await bot.start();
    console.log(
      `chatops: connected in Stream mode to ${baseUrl ?? 'DingTalk'}; @-mention the robot in a group. Ctrl-C stops.`,
    );
    close = () => bot.stop();
  }
  const stop = async () => {
    await close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const clientId = process.env.DINGTALK_CLIENT_ID?.trim();
  const clientSecret = process.env.DINGTALK_CLIENT_SECRET?.trim();
  if (clientId && clientSecret) await serve(clientId, clientSecret);
  else if (clientId || clientSecret) {
    console.error(
      `Set DINGTALK_CLIENT_${clientId ? 'SECRET' : 'ID'} too: the app's ${clientId ? 'AppSecret' : 'AppKey'} from the developer console.`,
    );
    process.exit(2);
  } else {
    const { converse } = await import('./_chatops.js');
    await converse(
      [
        '@bot help',
        '@bot deploy api',
        '@bot oncall',
        { text: '@bot deploy web', sender: 'dev002' },
        '@bot reboot prod',
      ],
      chatOps,
    );
  }
}
