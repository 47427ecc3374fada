// Every command module, in the order `babyssa --help` lists them. Add a command here.
import type { CommandModule } from 'yargs';
import { pretrainCommand } from './pretrain.js';
import { exportCommand } from './export.js';
import { importCommand } from './import.js';
import { compareCommand } from './compare.js';
import { reportCommand } from './report.js';
import { sweepCommand } from './sweep.js';
import { sweepUnitCommand } from './sweep-unit.js';
import { sweepTaskCommand } from './sweep-task.js';
import { gpusCommand } from './gpus.js';
import { attentionCommand } from './attention.js';
import { tokenizerCommand } from './tokenizer.js';
import { corpusCommand } from './corpus.js';
import { probeCommand } from './probe.js';
import { probesCommand } from './probes.js';

// biome-ignore lint/suspicious/noExplicitAny: each command module has its own argv type; yargs takes them all.
export const commands: CommandModule<any, any>[] = [
  pretrainCommand,
  exportCommand,
  importCommand,
  compareCommand,
  reportCommand,
  sweepCommand,
  sweepUnitCommand,
  sweepTaskCommand,
  gpusCommand,
  attentionCommand,
  tokenizerCommand,
  corpusCommand,
  probeCommand,
  probesCommand,
];
