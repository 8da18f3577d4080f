#!/usr/bin/env node
// The `ddq` command (package.json "bin"): compile the TypeScript sources on the fly with
// ts-node (transpile only: type checking is `npm run typecheck`'s job) and run src/cli/main.ts.
'use strict';
const path = require('path');

require('ts-node').register({
  transpileOnly: true,
  project: path.join(__dirname, '..', 'tsconfig.json'),
});
const { main } = require('../src/cli/main');

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
