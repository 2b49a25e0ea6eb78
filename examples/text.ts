// A text message that really pings: dingbot writes "@13800000000" into the text for you.
import { Robot } from '@dingbot/sdk';
import { exampleTarget } from './_target.js';

const target = await exampleTarget();
const robot = new Robot(target.options);
const result = await robot.text('Build #42 failed on main', { at: { mobiles: ['13800000000'] } });
console.log(`delivered to ${target.where}, msgUuid ${result.msgUuid}`);
await target.close();
