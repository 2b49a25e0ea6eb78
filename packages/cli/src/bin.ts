#!/usr/bin/env node
// `dingbot` from source (tests, `node --import tsx`); the installed command is bin/dingbot.cjs.
import { main } from './main.js';

await main(process.argv.slice(2));
