/**
 * `npm start`: starts the emulator on 127.0.0.1 (port 8080, or the next free one), posts one of every
 * message type through the SDK, and prints the preview URL and a webhook URL for curl and the CLI.
 * `--once` (used by the smoke test) exits after posting instead of serving until Ctrl-C.
 */
import { type EmulatorHandle, startEmulator } from '@dingbot/emulator';
import { escapeMarkdown, isDingbotError, Robot } from '@dingbot/sdk';
import { cards } from './_cards.js';

const once = process.argv.includes('--once');
const firstPort = Number(process.env.PORT ?? 8080);
const token = 'demo';

async function startOnFreePort(): Promise<EmulatorHandle> {
  for (let port = firstPort; port < firstPort + 50; port++) {
    try {
      return await startEmulator({ port, robots: [{ token, name: 'demo' }] });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    }
  }
  return startEmulator({ port: 0, robots: [{ token, name: 'demo' }] });
}

const emulator = await startOnFreePort();
const robot = new Robot({ webhook: emulator.webhookUrl(token) });

await robot.text('Hello from dingbot 👋 — this text mentions @13800000000', {
  at: { mobiles: ['13800000000'] },
});
await robot.markdown(
  'Deploy finished: api 1.4.2',
  [
    '### Deploy finished',
    '',
    `- **service**: api`,
    `- **branch**: ${escapeMarkdown('feature/*fast*_path')}`,
    '- **status**: <font color=#1aad19>green</font>',
    '',
    '> rolled out to 12 of 12 hosts',
    '',
    '[Open the pipeline](https://ci.example.com/pipelines/42)',
  ].join('\n'),
);
for (const card of cards) await robot.send(card);
// One refused send, so the preview shows what a refusal looks like.
try {
  await robot.send({ msgtype: 'image', image: { url: 'https://example.com/x.png' } } as never);
} catch (error) {
  if (!isDingbotError(error)) throw error;
}

const sent = emulator.messages().length;
console.log(`dingbot demo: posted ${sent} messages, one of every type, to the embedded emulator.

  preview (live):  ${emulator.url}/
  webhook URL:     ${emulator.webhookUrl(token)}

Try it:
  curl '${emulator.webhookUrl(token)}' -H 'Content-Type: application/json' \\
    -d '{"msgtype": "text","text": {"content": "我就是我, 是不一样的烟火"}}'
  npx dingbot send text --webhook '${emulator.webhookUrl(token)}' 'hello from the CLI'
`);

if (once) {
  await emulator.close();
} else {
  console.log('Serving until Ctrl-C.');
  const stop = async () => {
    await emulator.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
