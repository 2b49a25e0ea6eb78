// Two robots in the same group lift the ceiling to 40 messages a minute; if one is throttled, disabled
// or failing, the pool fails over to the other. Set DINGTALK_WEBHOOKS to a comma-separated list of
// real webhooks, or it runs against an embedded emulator with two robots.
import { startEmulator } from '@dingbot/emulator';
import { Robot, RobotPool, text } from '@dingbot/sdk';

const real = process.env.DINGTALK_WEBHOOKS?.split(',').filter(Boolean);
const emulator = real
  ? undefined
  : await startEmulator({ robots: [{ token: 'robot-a' }, { token: 'robot-b' }] });
const webhooks = real ?? ['robot-a', 'robot-b'].map((token) => emulator!.webhookUrl(token));

const pool = new RobotPool(
  webhooks.map((webhook) => new Robot({ webhook })),
  { strategy: 'round-robin' },
);
const results = await Promise.all(
  Array.from({ length: 30 }, (_, i) => pool.send(text(`deploy step ${i + 1} of 30 done`))),
);
const perRobot = results.reduce<Record<number, number>>((count, r) => {
  count[r.robot] = (count[r.robot] ?? 0) + 1;
  return count;
}, {});
console.log(`30 messages delivered through ${webhooks.length} robots:`, perRobot);
await pool.close();
await emulator?.close();
