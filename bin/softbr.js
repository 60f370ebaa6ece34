#!/usr/bin/env node
// Entry point: runs the compiled CLI (npm install builds dist/ via the prepare script).
import { main } from '../dist/src/cli/main.js';

const code = await main(process.argv);
if (code !== 0) process.exit(code);
