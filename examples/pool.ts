// Two robots in the same group lift the ceiling to 40 messages a minute; if one is throttled, disabled
// or failing, the pool fails over to the other. Against real robots set DINGTALK_WEBHOOKS to their
// webhooks, comma-separated (and DINGTALK_SECRETS to their SEC… secrets in the same order); with
// DINGTALK_WEBHOOK set to the `npm start` demo it uses the demo's robots "demo" and "demo-2".
import { Robot, RobotPool, text } from '@dingbot/sdk';
import { exampleTarget } from './_target.js';

const target = await exampleTarget({ robots: 2 });
const pool = new RobotPool(
  target.robots.map((options) => new Robot(options)),
  { strategy: 'round-robin' },
);
const results = await Promise.all(
  Array.from({ length: 30 }, (_, i) => pool.send(text(`deploy step ${i + 1} of 30 done`))),
);
const perRobot = target.robots.map((_, i) => results.filter((r) => r.robot === i).length);
console.log(`sent 30 texts to ${target.where}: ${perRobot.join(' + ')} per robot`);
await pool.close();
await target.close();
