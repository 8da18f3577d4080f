// Suite: tensor, autograd, ops, modules, optimizers, nets (see test/run-suite.ts).
import { runSuite } from './run-suite';
runSuite('tensor', 'autograd', 'ops', 'nn', 'optim', 'nets');
