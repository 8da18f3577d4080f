// Suite: data sets and loaders (see test/run-suite.ts).
import { runSuite } from './run-suite';
runSuite('datasets');
