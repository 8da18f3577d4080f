// The nets the command line can build, by name, from a data set's image shape. Options that a
// net does not have (a width multiplier for LeNet-5, dropout for ResNet-20) are rejected rather
// than ignored. Adding a net is one entry in NETS.
import type { Module } from '../nn/module';
import type { Rng } from '../tensor/rng';
import { mlp } from '../../nets/mlp';
import { lenet5 } from '../../nets/lenet5';
import { mobilenetv2 } from '../../nets/mobilenetv2';
import { resnet20 } from '../../nets/resnet20';
import { UsageError } from './args';
import { parseLayerBits } from './layer-bits';
import { Rng as RngClass } from '../tensor/rng';
import type { StateDict } from '../nn/module';
import { quantize } from '../quant/quantize';
import type { TrainSettings } from './train-command';
import type { DataInfo } from './data';

export interface ModelSpec {
  net: string;
  /** Input image shape [channels, height, width] and number of classes. */
  channels: number;
  height: number;
  width: number;
  classes: number;
  /** Width multiplier (1 = the net's standard width). */
  widthMultiplier: number;
  dropout: number;
  rng: Rng;
}

interface NetEntry {
  build(s: ModelSpec): Module;
  /** Does the net have a width multiplier / a dropout layer? */
  width: boolean;
  dropout: boolean;
  square: boolean;
}

const NETS: Record<string, NetEntry> = {
  mlp: {
    width: true, dropout: false, square: false,
    build: (s) => mlp({
      inputSize: s.channels * s.height * s.width,
      hidden: [256, 128].map((h) => Math.max(1, Math.round(h * s.widthMultiplier))),
      classes: s.classes,
      rng: s.rng,
    }),
  },
  lenet5: {
    width: false, dropout: false, square: true,
    build: (s) => lenet5({ inChannels: s.channels, size: s.height, classes: s.classes, rng: s.rng }),
  },
  mobilenetv2: {
    width: true, dropout: true, square: true,
    build: (s) => mobilenetv2({
      inChannels: s.channels, size: s.height, classes: s.classes, widthMultiplier: s.widthMultiplier, dropout: s.dropout, rng: s.rng,
    }),
  },
  resnet20: {
    width: true, dropout: false, square: false,
    build: (s) => resnet20({ inChannels: s.channels, classes: s.classes, width: Math.max(1, Math.round(16 * s.widthMultiplier)), rng: s.rng }),
  },
};

export const NET_NAMES = Object.keys(NETS);

/** Reject options the net does not have (before any data is loaded). */
export function checkNetOptions(net: string, widthMultiplier: number, dropout: number): void {
  const entry = NETS[net];
  if (!entry) throw new UsageError(`--net: '${net}' is not valid; choose one of: ${NET_NAMES.join(', ')}`);
  const having = (key: 'width' | 'dropout') => NET_NAMES.filter((n) => NETS[n][key]).join(', ');
  if (!entry.width && widthMultiplier !== 1) throw new UsageError(`--width: ${net} has no width multiplier (nets with one: ${having('width')})`);
  if (!entry.dropout && dropout !== 0) throw new UsageError(`--dropout: ${net} has no dropout layer (nets with one: ${having('dropout')})`);
}

export function buildModel(s: ModelSpec): Module {
  checkNetOptions(s.net, s.widthMultiplier, s.dropout);
  const entry = NETS[s.net];
  if (entry.square && s.height !== s.width) throw new UsageError(`--net: ${s.net} needs square images, the data set's are ${s.height}x${s.width}`);
  return entry.build(s);
}

/**
 * The model of a run: `ddq train` and `ddq eval` both build it here. `init` (full-precision
 * weights, e.g. from --init) is loaded before the layers are wrapped for quantization, so the
 * quantizers start from the trained weights.
 */
export function buildNetwork(s: TrainSettings, data: DataInfo, rng: Rng, init?: StateDict): Module {
  const model = buildModel({ net: s.net, ...data, widthMultiplier: s.width, dropout: s.dropout, rng });
  if (init) model.loadStateDict(init);
  const quant = s.quant ?? 'none';
  if (quant !== 'none') {
    quantize(model, {
      method: quant,
      weightBits: s.wbits,
      activationBits: s.abits,
      firstLayerBits: s.edgeBits,
      lastLayerBits: s.edgeBits,
      perChannel: s.perChannel,
      alpha: s.ddqAlpha,
      // A checkpoint from before --ddq-levels has no setting: it trained free float levels.
      int8Levels: s.ddqLevels === 'int8',
      fitLevels: s.ddqLevelStart === 'fit',
      minBits: s.minBits,
      overrides: parseLayerBits(s.layerBits ?? ''),
      inputShape: [data.channels, data.height, data.width],
    });
  }
  return model;
}

/** Arguments of `buildReplica`: enough to rebuild a run's model in a worker thread. */
export interface ReplicaArgs {
  settings: TrainSettings;
  data: DataInfo;
}

/** The model of a run with throwaway initial values (a worker receives the real ones every step). */
export function buildReplica(a: ReplicaArgs): Module {
  return buildNetwork(a.settings, a.data, new RngClass(0));
}
