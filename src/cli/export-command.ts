// `ddq export <checkpoint> <model file>`: turn a quantized training run into the integer model
// file (src/deploy): rebuild the model the checkpoint was trained as, convert it (batch norm
// folded into the output stages, weights packed at their trained bits), write the file
// atomically and report the layers and where the bytes went.
import * as fs from 'fs';
import * as path from 'path';
import type { CommandSpec, ParsedArgs } from './args';
import type { CliIo, Command } from './command';
import type { TrainConfig } from './train-command';
import { buildNetwork } from './build-model';
import { Rng } from '../tensor/rng';
import { loadCheckpoint } from '../io/checkpoint';
import { CHECKPOINT_FILE, modelTensors, trainState } from '../train/trainer';
import { convertToInteger } from '../deploy/convert';
import { encodeModel } from '../deploy/model-file';
import { formatModelSize, modelSize } from '../deploy/model-size';
import { layerSummaries } from '../deploy/int-graph';
import { writeFileAtomic } from '../../datasets/atomic-write';
import type { Module } from '../nn/module';

export const EXPORT_SPEC: CommandSpec = {
  name: 'export',
  summary: 'Write the integer model file of a quantized checkpoint (packed weights, integer-only inference).',
  positionals: [
    { name: 'checkpoint', help: 'a checkpoint of a quantized run (ddq train --quant ...), or its run directory' },
    { name: 'model', help: 'the model file to write (e.g. model.ddqm); written atomically' },
  ],
  options: [],
  notes: 'Run the file with: ddq infer <model> --dataset <spec> [--compare <checkpoint>]',
};

/** The quantized model of a `ddq train` checkpoint, its training config and the file read. */
export function loadQuantizedRun(spec: string): { model: Module; config: TrainConfig; file: string; epoch: number } {
  let file = spec;
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, CHECKPOINT_FILE);
  const ckpt = loadCheckpoint(file);
  const state = trainState(ckpt);
  const config = state.config as TrainConfig | null;
  if (config?.command !== 'train') throw new Error(`${file} was not written by ddq train`);
  const quant = config.settings.quant ?? 'none';
  if (quant === 'none') throw new Error(`${file} is a full-precision run (--quant none); the integer model needs a quantized one (ddq train --quant ddq|ddq-fixed|lsq)`);
  const model = buildNetwork(config.settings, config.data, new Rng(0)); // initial values are overwritten
  model.loadStateDict(modelTensors(ckpt));
  return { model: model.eval(), config, file, epoch: state.epoch };
}

function runExport(args: ParsedArgs, io: CliIo): number {
  const [source, target] = args.positionals;
  const { model, config, file, epoch } = loadQuantizedRun(source);
  const { settings, data } = config;
  const intModel = convertToInteger(model, {
    inputShape: [data.channels, data.height, data.width],
    mean: data.mean,
    std: data.std,
    meta: { checkpoint: path.resolve(file), net: settings.net, dataset: settings.dataset, quant: settings.quant, epoch },
  });
  const bytes = encodeModel(intModel);
  writeFileAtomic(target, bytes);
  const layers = layerSummaries(intModel);
  io.out.write(`${file}: ${settings.net} (${settings.quant}) trained on ${settings.dataset}, epoch ${epoch}\n`);
  io.out.write(`${layers.length} quantized layers (weight bits / activation bits, storage):\n`);
  for (const l of layers) {
    io.out.write(`  ${l.name.padEnd(14)} ${l.kind.padEnd(9)} ${`${l.shape[0]}x${l.shape[1]}`.padEnd(9)} W${l.weightBits}/A${l.activationBits}  ${l.format}${l.perChannel ? ', per channel' : ''}\n`);
  }
  io.out.write(`${formatModelSize(modelSize(intModel, bytes))}\nwrote ${target}\n`);
  return 0;
}

export const exportCommand: Command = { spec: EXPORT_SPEC, run: runExport };
