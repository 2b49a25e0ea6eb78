/**
 * Where the examples send: the robot in DINGTALK_WEBHOOK (and DINGTALK_SECRET) when set, otherwise
 * an embedded emulator started for the example and closed after it, so every example runs anywhere.
 */
import { startEmulator } from '@dingbot/emulator';
import type { RobotOptions } from '@dingbot/sdk';

export interface ExampleTarget {
  options: RobotOptions;
  /** Where to look at the result. */
  where: string;
  close(): Promise<void>;
}

export async function exampleTarget(
  robot: { secret?: string; keywords?: string[] } = {},
): Promise<ExampleTarget> {
  const webhook = process.env.DINGTALK_WEBHOOK;
  if (webhook) {
    return {
      options: { webhook, secret: process.env.DINGTALK_SECRET },
      where: 'your DingTalk group',
      close: async () => {},
    };
  }
  const token = 'example-token';
  const emulator = await startEmulator({ robots: [{ token, name: 'example', ...robot }] });
  return {
    options: { webhook: emulator.webhookUrl(token), secret: robot.secret },
    where: `the embedded emulator (${emulator.url})`,
    close: () => emulator.close(),
  };
}
