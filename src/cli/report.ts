// `babyssa report DIR`: SVG figures and an index.html for a comparison folder written by `babyssa compare`.
import type { CommandModule } from 'yargs';
import { writeReport } from '../report/report.js';

export const reportCommand: CommandModule = {
  command: 'report <dir>',
  describe: 'Draw the figures of a comparison (accuracy, learning curves, loss, saturation) as SVG + index.html',
  builder: (y) =>
    y
      .positional('dir', { type: 'string', demandOption: true, describe: 'folder with comparison.json (from `babyssa compare --out`)' })
      .options({
        attention: { type: 'string', array: true, describe: 'attention.json files from `babyssa attention` (those under DIR are found anyway)' },
      })
      .example('$0 report results/my-sweep', 'writes accuracy.svg, learning-curves.svg, loss.svg, index.html'),
  handler: async (argv) => {
    const dir = argv.dir as string;
    const figures = await writeReport(dir, { attention: argv.attention as string[] | undefined });
    process.stderr.write(`babyssa: ${figures.map((f) => f.file).join(', ')}, index.html → ${dir}\n`);
  },
};
