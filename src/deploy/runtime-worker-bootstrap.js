// Entry of an integer-runtime worker thread: compile TypeScript on the fly (as bin/ddq.js does),
// then run the worker loop (runtime-worker.ts).
'use strict';
const path = require('path');
require('ts-node').register({ transpileOnly: true, project: path.join(__dirname, '..', '..', 'tsconfig.json') });
require('./runtime-worker.ts');
