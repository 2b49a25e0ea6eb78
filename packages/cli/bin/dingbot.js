#!/usr/bin/env node
// A committed launcher, so npm can link the `dingbot` bin on install, before `prepare` builds dist/.
import '../dist/bin.js';
