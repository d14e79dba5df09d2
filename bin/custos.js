#!/usr/bin/env node
'use strict';
// The compiled CLI lives in dist/ (built by `npm ci` through the prepare script, or `npm run build`).
let cli;
try {
  cli = require('../dist/server/cli/main.js');
} catch (error) {
  if (error && error.code === 'MODULE_NOT_FOUND' && String(error.message).includes('dist/server/cli/main.js')) {
    console.error('custos: not built yet; run `npm run build` (npm ci does it for you)');
    process.exit(2);
  }
  throw error;
}
cli.main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(`custos: ${error && error.message ? error.message : error}`);
    process.exit(3);
  },
);
