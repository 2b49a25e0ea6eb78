// A burst of 300 alerts from one robot: no 130101, nothing lost. The delivery engine merges what the
// 20-a-minute window cannot let through into readable markdown digests, and every send() still
// resolves on its own, saying how its content went out.
import { Robot } from '@dingbot/sdk';
import { exampleTarget } from './_target.js';

const target = await exampleTarget();
const robot = new Robot(target.robots[0]!);
robot.on('digested', (event) => console.log(`  digest of ${event.count} messages`));

const alerts = Array.from(
  { length: 300 },
  (_, i) => `CPU ${80 + (i % 20)}% on web-${i % 12} (alert ${i + 1})`,
);
const results = await Promise.all(alerts.map((alert) => robot.text(alert)));

const inDigests = results.filter((r) => r.delivered === 'digest').length;
const { sends } = robot.stats();
console.log(
  `sent ${results.length} alerts to ${target.where} in ${sends} send${sends === 1 ? '' : 's'} (${inDigests} inside digests)`,
);
await robot.close();
await target.close();
