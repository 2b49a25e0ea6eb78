// A robot with signing (加签) and keywords (自定义关键词): every request is signed with a fresh
// timestamp, and a keyword is added when the message has none. Against a real robot, set
// DINGTALK_SECRET (and DINGTALK_KEYWORDS if it has keywords).
import { Robot } from '@dingbot/sdk';
import { exampleTarget } from './_target.js';

const target = await exampleTarget({ signed: 'required', keywords: ['alert'] });
const robot = new Robot(target.robots[0]!);
const body = robot.prepare({ msgtype: 'text', text: { content: 'disk 91% full on db-1' } });
await robot.text('disk 91% full on db-1');
console.log(`sent a signed text to ${target.where}:`);
console.log(`  body as sent: ${JSON.stringify(body)}`); // the keyword added, no secret in it
console.log('  the URL carried a fresh timestamp and its sign (not shown)');
await robot.close();
await target.close();
