// `babyssa export`: a checkpoint as a folder Python `transformers` loads with RobertaForMaskedLM.from_pretrained.
import type { CommandModule } from 'yargs';
import { exportHf } from '../io/hf.js';

interface ExportArgs {
  checkpoint: string;
  format: string;
  out: string;
  overwrite: boolean;
}

export const exportCommand: CommandModule<object, ExportArgs> = {
  command: 'export',
  describe: 'Write a checkpoint as an HF transformers folder (config.json, model.safetensors, tokenizer, README)',
  builder: (y) =>
    y
      .options({
        checkpoint: { type: 'string', demandOption: true, describe: 'a step-N folder, or a run folder (its latest complete step)' },
        format: { type: 'string', choices: ['hf'], default: 'hf', describe: 'output format: hf (transformers RobertaForMaskedLM)' },
        out: { type: 'string', demandOption: true, describe: 'folder to write' },
        overwrite: { type: 'boolean', default: false, describe: 'write into a non-empty --out' },
      })
      .example('$0 export --checkpoint checkpoints/babyberta-ssa-1.5-seed0 --format hf --out exported/ssa', 'latest step of a run'),
  handler: async (argv) => {
    const result = await exportHf(argv.checkpoint, argv.out, { overwrite: argv.overwrite });
    const a = result.config.attention;
    process.stderr.write(
      `babyssa: exported ${result.checkpointDir} (${a.scoring}${a.scoring === 'ssa' ? `, n ${a.ssaN}, b ${a.ssaB}` : ''}) ` +
        `as ${result.files.join(', ')}\n`,
    );
    process.stdout.write(`${result.outDir}\n`);
  },
};
