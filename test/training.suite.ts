// Suite: checkpoints, trainer, main job, scripts (see test/run-suite.ts).
import { runSuite } from './run-suite';
runSuite('io', 'train', 'main', 'scripts');
