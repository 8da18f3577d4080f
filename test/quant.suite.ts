// Suite: quantizers, budget, reports (see test/run-suite.ts).
import { runSuite } from './run-suite';
runSuite('quant');
