// Suite: integer deployment (see test/run-suite.ts).
import { runSuite } from './run-suite';
runSuite('deploy');
