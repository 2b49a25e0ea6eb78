// A robot with signing (加签) and keywords: every request is signed with a fresh timestamp, and a
// keyword is added when the message has none.
import { Robot } from '@dingbot/sdk';
import { exampleTarget } from './_target.js';

const secret =
  process.env.DINGTALK_SECRET ?? 'SECexample0000000000000000000000000000000000000000000000000000000';
const target = await exampleTarget({ secret, keywords: ['alert'] });
const robot = new Robot({ ...target.options, secret, keywords: ['alert'] });
console.log(
  'body as sent:',
  JSON.stringify(robot.prepare({ msgtype: 'text', text: { content: 'disk 91% full on db-1' } })),
);
await robot.text('disk 91% full on db-1');
console.log(`delivered to ${target.where}`);
await target.close();
