// Link cards, action cards (one button, several buttons side by side) and feed cards: see _cards.ts
// for how each is built with the link(), actionCard() and feedCard() builders.
import { Robot } from '@dingbot/sdk';
import { cards } from './_cards.js';
import { exampleTarget } from './_target.js';

const target = await exampleTarget();
const robot = new Robot(target.options);
for (const card of cards) await robot.send(card);
console.log(`${cards.length} cards delivered to ${target.where}`);
await target.close();
