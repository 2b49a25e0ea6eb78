/**
 * `npm start`: starts the emulator on 127.0.0.1, port 8787 (the `PORT` variable, or the next free
 * port when that one is busy), and the relay in-process on a free port, which delivers an
 * Alertmanager notification (firing, then resolved) to the emulator. Then posts one message of every
 * type and one refused request, starts the ChatOps robot (examples/chatops.ts) so the preview's chat
 * box can talk to it, and prints the preview URL, a webhook URL for curl and the CLI, the command that
 * runs the examples into this preview, and the relay's URL, an Alertmanager snippet and a curl line.
 * `--once` (used by the smoke test) exits after posting instead of serving until Ctrl-C.
 */
import { startChatOps } from './_chatops.js';
import { demoPort, demoRobots, postDemoMessages, startDemo } from './_demo.js';
import { relayLines, startDemoRelay } from './_relay.js';

const once = process.argv.includes('--once');
let firstPort: number;
try {
  firstPort = demoPort(process.env.PORT);
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}

const { emulator, busy } = await startDemo(firstPort);
// The relay's alerts go first, so that the preview's first screen still ends with the refusal.
const relay = await startDemoRelay(emulator);
const posts = await postDemoMessages(emulator);
const chatops = await startChatOps(emulator);
const webhook = emulator.webhookUrl(demoRobots.plain.token);
const chosen = process.env.PORT?.trim() ? `PORT=${firstPort}` : 'the default; set PORT to choose another';
const portNote =
  busy.length > 0
    ? `\nPort ${busy[0]} (${chosen}) is busy, so the demo took port ${emulator.port}.${busy.length > 1 ? ` (${busy.slice(1).join(', ')} were busy too.)` : ''}\n`
    : '';

console.log(`dingbot demo: posted ${posts.accepted} messages, one of every type, to the emulator, and one request with a wrong signature, which it refused (${posts.refusal.errcode} ${posts.refusal.errmsg}).
${portNote}
  preview (live):  ${emulator.url}/
  webhook URL:     ${webhook}
${chatops.line}

Try it:
  curl '${webhook}' -H 'Content-Type: application/json' \\
    -d '{"msgtype": "text","text": {"content": "我就是我, 是不一样的烟火"}}'
  npx @dingbot/cli send text --webhook '${webhook}' 'hello from the CLI'

Watch the examples arrive in the preview: in another terminal, run
  export DINGTALK_WEBHOOK='${webhook}'
  node --conditions=development --import tsx examples/text.ts
(and the same for markdown.ts, cards.ts, signed.ts, errors.ts, burst.ts, pool.ts).
`);

console.log(relayLines(relay));

if (once) {
  await chatops.stop();
  await relay.close();
  await emulator.close();
} else {
  console.log('Serving until Ctrl-C.');
  const stop = async () => {
    await chatops.stop();
    await relay.close();
    await emulator.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
