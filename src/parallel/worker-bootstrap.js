// Entry of a gradient worker thread: compile TypeScript on the fly (as bin/ddq.js does), then
// run the worker loop.
'use strict';
const path = require('path');
require('ts-node').register({ transpileOnly: true, project: path.join(__dirname, '..', '..', 'tsconfig.json') });
require('./gradient-worker.ts');
