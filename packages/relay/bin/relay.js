#!/usr/bin/env node
// The built relay process (`npm run build` first); in the repository, src/main.ts runs through tsx.
import '../dist/main.js';
