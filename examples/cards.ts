// Link cards, action cards (one button, several buttons side by side) and feed cards: see _cards.ts
// for how each is built with the link(), actionCard() and feedCard() builders.
import { Robot } from '@dingbot/sdk';
import { cards } from './_cards.js';
import { exampleTarget } from './_target.js';

const target = await exampleTarget();
const robot = new Robot(target.robots[0]!);
const messages = cards(target.pictures);
for (const card of messages) await robot.send(card);
console.log(`sent ${messages.length} cards to ${target.where}:`);
for (const card of messages) console.log(`  ${card.msgtype}`);
await robot.close();
await target.close();
