// Suite: fp32 kernels (see test/run-suite.ts).
import { runSuite } from './run-suite';
runSuite('kernels');
