// Suite: the ddq command line (see test/run-suite.ts).
import { runSuite } from './run-suite';
runSuite('cli');
