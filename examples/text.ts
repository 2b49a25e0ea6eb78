// A text message that really pings: dingbot writes "@13800000000" into the text for you.
import { Robot, text } from '@dingbot/sdk';
import { exampleTarget } from './_target.js';

const target = await exampleTarget();
const robot = new Robot(target.robots[0]!);
const message = text('Build #42 failed on main', { at: { mobiles: ['13800000000'] } });
const sent = robot.prepare(message); // the body as it is posted: the mention is now in the text
const result = await robot.send(message);
console.log(`sent a text to ${target.where}:`);
if (sent.msgtype === 'text') {
  console.log(`  content: ${JSON.stringify(sent.text.content)}`);
  console.log(`  pings:   ${sent.at?.atMobiles?.join(', ')} (msgUuid ${result.msgUuid})`);
}
await robot.close();
await target.close();
