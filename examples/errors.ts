// Errors a program can branch on: each has a stable code, DingTalk's errcode and errmsg, and a hint.
import { isDingbotError, Robot } from '@dingbot/sdk';
import { exampleTarget } from './_target.js';

const target = await exampleTarget({
  secret: 'SECthe0real0one000000000000000000000000000000000000000000000000000',
});
// A wrong secret: DingTalk answers 310000 "sign not match".
const robot = new Robot({
  ...target.options,
  secret: 'SECa0wrong0one00000000000000000000000000000000000000000000000000000',
  retry: 'none',
});
try {
  await robot.text('hello');
} catch (error) {
  if (!isDingbotError(error)) throw error;
  console.log(`code:    ${error.code}`);
  console.log(`errcode: ${error.errcode} (${error.errmsg})`);
  console.log(`hint:    ${error.hint}`);
  console.log(`request: ${error.request?.url}`); // token, timestamp and sign redacted
}
await target.close();
