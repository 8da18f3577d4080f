// Suite: checkpoints, trainer, command line, main job, scripts (see test/run-suite.ts).
import { runSuite } from './run-suite';
runSuite('io', 'train', 'cli', 'main', 'scripts');
