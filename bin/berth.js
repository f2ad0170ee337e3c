#!/usr/bin/env node
// Runs the built CLI from a checkout (after `npm ci && npm run build`) or from an installed package.
import { main } from '../dist/cli/main.js';

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    // main() never rejects for user errors; this is a bug in berth itself.
    console.error(err);
    process.exitCode = 70;
  },
);
