// `babyssa gpus`: the GPUs `sweep --gpus` can place runs on, and (--check) whether pinning a process to each works.
import type { CommandModule } from 'yargs';
import { checkPin, listGpus, type Gpu, type PinCheck } from '../sweep/gpus.js';
import { fail } from './errors.js';

export const gpusCommand: CommandModule = {
  command: 'gpus',
  describe: 'List the GPUs `sweep --gpus` places runs on (index, PCI bus, UUID); --check pins a process to each',
  builder: (y) =>
    y
      .options({
        check: { type: 'boolean', default: false, describe: 'open WebGPU pinned to each GPU and check that the pin held (a few seconds per GPU)' },
        json: { type: 'boolean', default: false, describe: 'print one JSON object per GPU' },
      })
      .example('$0 gpus --check', 'list the GPUs and check that each can be pinned'),
  handler: async (argv) => {
    const listing = await listGpus();
    if (listing.gpus.length === 0) fail(`no GPU found (${listing.tried.join('; ')})`);
    const rows: (Gpu & { pin?: PinCheck })[] = listing.gpus.map((gpu) => (argv.check ? { ...gpu, pin: checkPin(gpu) } : gpu));
    for (const row of rows) {
      if (argv.json) process.stdout.write(JSON.stringify(row) + '\n');
      else {
        const pin = row.pin ? (row.pin.ok ? `  pinned: ${row.pin.adapter}` : `  NOT PINNED: ${row.pin.problem}`) : '';
        process.stdout.write(`${row.index}  ${row.pci_bus}  ${row.uuid ?? '-'}  ${row.name}  (${row.source})${pin}\n`);
      }
    }
    if (rows.some((row) => row.pin && !row.pin.ok)) process.exitCode = 1;
  },
};
