// `babyssa import`: an HF transformers RobertaForMaskedLM folder (e.g. a PyTorch-trained BabyBERTa) as a babyssa
// checkpoint `<run>/step-0/` that `probe` reads and `pretrain --resume` continues.
import type { CommandModule } from 'yargs';
import { importHf, resumeFlags } from '../io/hf.js';

interface ImportArgs {
  format: string;
  from: string;
  out: string;
  seed: number;
}

export const importCommand: CommandModule<object, ImportArgs> = {
  command: 'import',
  describe: 'Turn an HF transformers RoBERTa MLM folder (safetensors) into a babyssa checkpoint',
  builder: (y) =>
    y
      .options({
        format: { type: 'string', choices: ['hf'], default: 'hf', describe: 'input format: hf (config.json, model.safetensors, tokenizer.json)' },
        from: { type: 'string', demandOption: true, describe: 'the HF model folder' },
        out: { type: 'string', demandOption: true, describe: 'run folder to create, e.g. checkpoints/<run>' },
        seed: { type: 'number', default: 0, describe: 'seed of the run when it is continued with pretrain --resume' },
      })
      .example('$0 import --format hf --from babyberta-pt --out checkpoints/babyberta-pt', 'then: babyssa probe --checkpoint checkpoints/babyberta-pt'),
  handler: async (argv) => {
    const result = await importHf(argv.from, argv.out, { seed: argv.seed, argv: process.argv.slice(2) });
    process.stderr.write(`babyssa: imported ${argv.from} (${result.config.attention.scoring}) as ${result.checkpointDir}\n`);
    if (result.trainConfig) {
      const flags = resumeFlags(result.trainConfig).join(' ');
      const seed = argv.seed === 0 ? '' : ` --seed ${argv.seed}`;
      process.stderr.write(`babyssa: continue training with: babyssa pretrain --out ${result.runDir} --resume ${flags}${seed} --corpus <corpus> --steps <total>\n`);
    } else {
      process.stderr.write(`babyssa: probe works; pretrain --resume does not: ${result.notResumable}\n`);
    }
    process.stdout.write(`${result.checkpointDir}\n`);
  },
};
