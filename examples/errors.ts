// Errors a program can branch on: each has a stable code, DingTalk's errcode and errmsg, and a hint.
// This example never posts a message: against a real robot it only makes requests DingTalk refuses
// whatever the robot's settings (an unknown token), and checks the rest locally.
import { type DingbotError, isDingbotError, link, Robot, text } from '@dingbot/sdk';
import { exampleTarget, maskWebhook } from './_target.js';

const target = await exampleTarget({ signed: 'preferred' });
const options = { ...target.robots[0]!, retry: 'none' as const };

function show(error: unknown): void {
  if (!isDingbotError(error)) throw error;
  const e: DingbotError = error;
  console.log(`  code:    ${e.code}: ${e.message}`);
  if (e.errcode !== undefined) console.log(`  errcode: ${e.errcode} (${e.errmsg})`);
  console.log(`  hint:    ${e.hint}`);
  if (e.request) console.log(`  request: ${e.request.url}`); // token, timestamp and sign redacted
}

async function expectRefusal(what: string, attempt: () => Promise<unknown>): Promise<void> {
  console.log(what);
  try {
    await attempt();
    console.log('  accepted: that was not expected');
    process.exitCode = 1;
  } catch (error) {
    show(error);
  }
}

// 1. Refused before sending: validation names the field.
await expectRefusal('1. a link card whose url is ftp://…: refused before sending, nothing sent', () =>
  new Robot(options).send(
    link({ title: 'Runbook', text: 'How to restart', url: 'ftp://example.com/runbook.pdf' }),
  ),
);

// 2. A wrong signature: 310000 "sign not match". Only where the robot is known to check signatures;
// DingTalk ignores a sign when 加签 is off, and would post the text.
if (target.signed) {
  await expectRefusal(`2. "hello" signed with a wrong secret, sent to ${target.where}`, () =>
    new Robot({ ...options, secret: 'SECa0wrong0one00000000000000000000000000000000000000000000000' }).send(
      text('hello'),
    ),
  );
} else {
  console.log(
    `2. skipped: a wrong signature. ${target.where} may not check signatures, and then it would post the text. Run this against \`npm start\` to see SIGN_MISMATCH.`,
  );
}

// 3. An access token that does not exist: 300005 (older robots: 300001). No group can receive it.
const unknown = new URL(options.webhook!);
unknown.searchParams.set('access_token', 'no0such0robot0token');
await expectRefusal(`3. "hello" to an access token that does not exist: ${maskWebhook(unknown.href)}`, () =>
  new Robot({ ...options, webhook: unknown.href }).send(text('hello')),
);
await target.close();
