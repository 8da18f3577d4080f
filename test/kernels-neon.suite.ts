// Suite: NEON instruction mirrors (see test/run-suite.ts).
import { runSuite } from './run-suite';
runSuite('kernels/neon');
