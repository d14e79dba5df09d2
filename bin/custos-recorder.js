#!/usr/bin/env node
'use strict';
// The compiled recorder CLI lives in dist/ (built by `npm ci` through the prepare script, or `npm run build`).
let cli;
try {
  cli = require('../dist/recorder/cli/main.js');
} catch (error) {
  if (error && error.code === 'MODULE_NOT_FOUND' && String(error.message).includes('dist/recorder/cli/main.js')) {
    console.error('custos-recorder: not built yet; run `npm run build` (npm ci does it for you)');
    process.exit(2);
  }
  throw error;
}
cli.main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(`custos-recorder: ${error && error.message ? error.message : error}`);
    process.exit(3);
  },
);
