// Suite: benchmark helpers (see test/run-suite.ts).
import { runSuite } from './run-suite';
runSuite('bench');
