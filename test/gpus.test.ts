// Listing GPUs and pinning a process to one (src/sweep/gpus.ts). The parsers run on recorded output of
// nvidia-smi and of Mesa's device-select layer; on lavapipe (one CPU device, no PCI bus) the layer is seen to
// load through Dawn and a pin to a bus it cannot match is reported as not holding. A pin that holds needs a real
// GPU: bench/gpu/issue14.sh checks it on the GPU machine.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GPU_PIN_ENV, pinnedGpu } from '../src/core/gpu-pin.js';
import { pretrain } from '../src/train/loop.js';
import { placementOptions, unitSize } from '../src/cli/sweep-cluster.js';
import { modelConfigFor, resolveTrainConfig } from '../src/config/resolve.js';
import { maxGroupSize } from '../src/engine/webgpu/sizes.js';
import { checkpointCompletion, runSweep } from '../src/sweep/run.js';
import { fakeUnit, STEPS } from './sweep-fixtures.js';
import { webGpuForTests } from './webgpu-env.js';
import { checkPin, chooseGpus, cudaVisible, listGpus, normalizeBus, parseDeviceSelectList, parseNvidiaSmi, pinEnv, sysfsGpus, type Gpu } from '../src/sweep/gpus.js';

const dir = mkdtempSync(join(tmpdir(), 'babyssa-gpus-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SMI = `0, 00000000:18:00.0, GPU-5e9ba80b-0394-39af-f604-df44b9c13659, NVIDIA H200
1, 00000000:2A:00.0, GPU-0c1d2e3f-aaaa-bbbb-cccc-000000000001, NVIDIA H200
`;
const gpus = parseNvidiaSmi(SMI);

describe('GPU listing', () => {
  it.each([
    ['00000000:18:00.0', '0000:18:00.0'],
    ['0000:2A:00.0', '0000:2a:00.0'],
    ['3:00.1', '0000:03:00.1'],
  ])('normalizeBus(%s) = %s', (input, bus) => expect(normalizeBus(input)).toBe(bus));

  it('reads nvidia-smi: index, bus, UUID, name', () => {
    expect(gpus[1]).toEqual({ index: 1, pci_bus: '0000:2a:00.0', uuid: 'GPU-0c1d2e3f-aaaa-bbbb-cccc-000000000001', name: 'NVIDIA H200', source: 'nvidia-smi' });
  });

  it('reads the device-select list, leaving out CPU devices and devices without a bus', () => {
    const { devices, gpus: listed } = parseDeviceSelectList(`selectable devices:
  GPU 0: 10de:2335 "NVIDIA H200" discrete GPU 0000:2a:00.0
  GPU 1: 10005:0 "llvmpipe (LLVM 15.0.6, 256 bits)" CPU
  GPU 2: 10de:2335 "NVIDIA H200" discrete GPU 0000:18:00.0
selectable devices:
  GPU 0: 1:1 "ignored" discrete GPU 0000:99:00.0
`);
    expect(devices.map((d) => d.bus)).toEqual(['0000:2a:00.0', null, '0000:18:00.0']);
    expect(listed.map((g) => [g.index, g.pci_bus, g.source])).toEqual([[0, '0000:18:00.0', 'vulkan'], [1, '0000:2a:00.0', 'vulkan']]);
  });

  it('reads display and 3D controllers from /sys/bus/pci, in bus order', async () => {
    const sys = join(dir, 'sys');
    const device = (name: string, pciClass: string, vendor: string, id: string) => {
      mkdirSync(join(sys, name), { recursive: true });
      writeFileSync(join(sys, name, 'class'), `${pciClass}\n`);
      writeFileSync(join(sys, name, 'vendor'), `${vendor}\n`);
      writeFileSync(join(sys, name, 'device'), `${id}\n`);
    };
    device('0000:2a:00.0', '0x030200', '0x10de', '0x2335');
    device('0000:00:00.0', '0x060000', '0x8086', '0x0d57');
    device('0000:03:00.0', '0x030000', '0x1002', '0x744c');
    expect((await sysfsGpus(sys)).map((g) => [g.index, g.pci_bus, g.name])).toEqual([[0, '0000:03:00.0', 'PCI 1002:744c'], [1, '0000:2a:00.0', 'PCI 10de:2335']]);
  });

  it.each([
    ['unset', undefined, [0, 1]],
    ['by index (Slurm without device cgroups)', '1', [1]],
    ['by UUID', 'GPU-0c1d2e3f', [1]],
    ['already hidden by cgroups: nvidia-smi lists only the visible GPU', '0,1', [0, 1]],
    ['none', '-1', []],
  ])('CUDA_VISIBLE_DEVICES %s', (_, visible, indices) => {
    expect(cudaVisible(gpus, visible).map((g) => g.index)).toEqual(indices);
  });

  it('chooses GPUs by index and says what exists', () => {
    const listing = { gpus, tried: [] };
    expect(chooseGpus('all', listing)).toHaveLength(2);
    expect(chooseGpus('1,0', listing).map((g) => g.index)).toEqual([1, 0]);
    expect(() => chooseGpus('2', listing)).toThrow('there is no GPU 2 here (GPUs: 0 0000:18:00.0, 1 0000:2a:00.0)');
    expect(() => chooseGpus('0,0', listing)).toThrow('names a GPU twice');
    expect(() => chooseGpus('first', listing)).toThrow('takes "all" or GPU indices');
    expect(() => chooseGpus('all', { gpus: [], tried: ['nvidia-smi: not installed'] })).toThrow('no GPU found (nvidia-smi: not installed)');
  });

  it('pins through the device-select layer by bus, CUDA by UUID, and records the choice for the run', () => {
    const env = pinEnv(gpus[1]);
    expect(env).toMatchObject({ DRI_PRIME: 'pci-0000_2a_00_0', MESA_VK_DEVICE_SELECT_FORCE_DEFAULT_DEVICE: '1', CUDA_VISIBLE_DEVICES: gpus[1].uuid });
    expect(pinnedGpu(env)).toEqual({ index: 1, pci_bus: '0000:2a:00.0', uuid: gpus[1].uuid, name: 'NVIDIA H200' });
    expect(pinnedGpu({})).toBeNull();
  });
});

describe('sweep --gpus', () => {
  it('slot s trains its units pinned to GPU s mod G, and sweep.json names the GPU of each unit', async () => {
    const { env, placementOf } = placementOptions({ gpus, slots: 2, gpuFor: (slot) => gpus[slot % 2] });
    const pins: string[] = [];
    const plan = { name: 'demo', dir: join(dir, 'placed'), variants: ['softmax', 'ssa-1.5'], seeds: [0, 1], pretrainFlags: [], lockstep: 2, finalProbe: false };
    const { manifest } = await runSweep(plan, {
      launch: (argv, slot) => {
        pins.push(`unit ${argv[2]}: ${env!(slot).DRI_PRIME}`);
        return fakeUnit([])(argv, slot);
      },
      completion: checkpointCompletion(STEPS), parallel: 2, placementOf,
    });
    expect(pins.sort()).toEqual(['unit 0: pci-0000_18_00_0', 'unit 1: pci-0000_2a_00_0']);
    expect(manifest.units.map((u) => u.placement)).toEqual(['GPU 0 (0000:18:00.0)', 'GPU 1 (0000:2a:00.0)']);
  });

  it('--lockstep auto fills every GPU once: at most ⌈runs / slots⌉ per unit; refused with --emit slurm where a GPU decides', async () => {
    const tfjs = resolveTrainConfig({ engine: 'tfjs', backend: 'wasm' });
    expect(await unitSize({ lockstep: 'auto' }, tfjs, 30, 4)).toBe(1);
    expect(await unitSize({ lockstep: 'auto', emit: 'slurm' }, tfjs, 30, 1)).toBe(1);
    expect(await unitSize({ lockstep: '5', emit: 'slurm' }, resolveTrainConfig({ engine: 'fused' }), 30, 1)).toBe(5);
    await expect(unitSize({ lockstep: 'auto', emit: 'slurm' }, resolveTrainConfig({}), 30, 1)).rejects.toThrow(/give --lockstep K/);
    if (!gpu) return;
    const fused = resolveTrainConfig({ engine: 'fused', backend: 'webgpu', preset: 'tiny', batchSize: 4 });
    const fits = maxGroupSize(gpu.device.limits, modelConfigFor(fused), { batch: 4, seq: fused.maxLength });
    expect(await unitSize({ lockstep: 'auto' }, fused, 30, 4)).toBe(Math.min(8, fits));
  });
});

const LAYER = '/usr/share/vulkan/implicit_layer.d/VkLayer_MESA_device_select.json';
const gpu = await webGpuForTests();
const layered = gpu !== null && existsSync(LAYER);
if (!layered) console.warn(`skipping the device-select layer checks: ${gpu ? `no ${LAYER} (mesa-vulkan-drivers)` : 'no WebGPU adapter'}`);

describe.skipIf(!layered)('device-select layer under Dawn (lavapipe)', () => {
  it('loads: lavapipe is listed as a CPU device, so no GPU is found', async () => {
    // No nvidia-smi on PATH and no PCI devices: only the Vulkan listing through Dawn is left.
    const listing = await listGpus({ ...process.env, PATH: '/nonexistent' }, join(dir, 'no-sys'));
    expect(listing.gpus).toEqual([]);
    expect(listing.tried.join('; ')).toMatch(/Vulkan: no GPU with a PCI bus \(llvmpipe.*CPU\)/);
  });

  it('reports a pin that the layer could not match instead of trusting it', () => {
    const absent: Gpu = { index: 0, pci_bus: '0000:65:00.0', uuid: null, name: 'absent', source: 'sysfs' };
    const pin = checkPin(absent);
    expect(pin.ok).toBe(false);
    expect(pin.problem).toMatch(/did not match PCI bus 0000:65:00.0 \(it saw: llvmpipe.* no bus\)/);
  });
});

describe.skipIf(gpu === null)('run metadata', () => {
  it('trainer_state.json names the GPU a webgpu run was pinned to', async () => {
    const out = join(dir, 'run');
    const config = resolveTrainConfig({ backend: 'webgpu', out, steps: 2, warmupSteps: 1, saveEvery: 0 });
    process.env[GPU_PIN_ENV] = pinEnv(gpus[0])[GPU_PIN_ENV];
    try {
      await pretrain(config, { argv: [] });
    } finally {
      delete process.env[GPU_PIN_ENV];
    }
    const state = JSON.parse(readFileSync(join(out, 'step-2', 'trainer_state.json'), 'utf8'));
    expect(state.device.gpu).toEqual({ index: 0, pci_bus: '0000:18:00.0', uuid: gpus[0].uuid, name: 'NVIDIA H200' });
  });
});
