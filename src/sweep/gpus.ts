// The GPUs of this host, and how to pin one training process to one of them.
//
// Dawn's Node binding picks an adapter by name only, so two identical GPUs cannot be told apart above Vulkan, and
// NVIDIA's Vulkan driver ignores CUDA_VISIBLE_DEVICES. Pinning therefore happens in Vulkan, below Dawn, through
// Mesa's device-select layer (an implicit layer, VkLayer_MESA_device_select, in Debian's mesa-vulkan-drivers): it
// reads the GPU's PCI address through VK_EXT_pci_bus_info (NVIDIA, AMD and Intel drivers expose it) and, given
// DRI_PRIME=pci-DDDD_BB_DD_F and MESA_VK_DEVICE_SELECT_FORCE_DEFAULT_DEVICE=1, shows the process that one device
// and no other. The layer's own debug output says which device it matched, so a pin is checked before any
// training starts (checkPin) instead of trusting that the layer is installed and matched.
//
// GPUs are listed by nvidia-smi when present (its index, bus and UUID are what nvidia-smi and CUDA users know),
// else by the device-select layer through Dawn itself (MESA_VK_DEVICE_SELECT=list: exactly the devices this
// process's Vulkan sees, with their buses; `vulkaninfo --summary` prints no bus), else from /sys/bus/pci.
import { spawnSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UserError } from '../core/errors.js';
import { GPU_PIN_ENV, type PinnedGpu } from '../core/gpu-pin.js';

export type GpuSource = 'nvidia-smi' | 'vulkan' | 'sysfs';

export interface Gpu extends PinnedGpu {
  source: GpuSource;
}

/** PCI address as domain:bus:device.function with a 4-digit domain ("00000000:18:00.0" → "0000:18:00.0"). */
export function normalizeBus(address: string): string {
  const match = /^(?:([0-9a-f]+):)?([0-9a-f]{1,2}):([0-9a-f]{1,2})\.([0-7])$/i.exec(address.trim());
  if (!match) throw new Error(`not a PCI address: ${address}`);
  const [, domain = '0', bus, device, fn] = match;
  const hex = (text: string, width: number) => parseInt(text, 16).toString(16).padStart(width, '0');
  return `${hex(domain, 4)}:${hex(bus, 2)}:${hex(device, 2)}.${fn}`;
}

/** `nvidia-smi --query-gpu=index,pci.bus_id,uuid,name --format=csv,noheader` lines. */
export function parseNvidiaSmi(csv: string): Gpu[] {
  return csv.split('\n').map((line) => line.trim()).filter((line) => line !== '').map((line) => {
    const [index, bus, uuid, ...name] = line.split(',').map((field) => field.trim());
    return { index: Number(index), pci_bus: normalizeBus(bus), uuid, name: name.join(','), source: 'nvidia-smi' as const };
  });
}

/**
 * The device-select layer's list (MESA_VK_DEVICE_SELECT=list or MESA_VK_DEVICE_SELECT_DEBUG=1), first block only:
 * `  GPU 0: 10de:2335 "NVIDIA H200" discrete GPU 0000:18:00.0`. CPU devices (lavapipe) and devices without a bus are
 * left out; indices follow the bus order, as nvidia-smi's do.
 */
export function parseDeviceSelectList(stderr: string): { devices: { name: string; type: string; bus: string | null }[]; gpus: Gpu[] } {
  const block = stderr.split('selectable devices:')[1] ?? '';
  const devices: { name: string; type: string; bus: string | null }[] = [];
  for (const line of block.split('\n').slice(1)) {
    const match = /^\s+GPU \d+: [0-9a-f]+:[0-9a-f]+ "(.*)" (.+?)(?: ([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]))?$/i.exec(line);
    if (!match) break;
    devices.push({ name: match[1], type: match[2], bus: match[3] ? normalizeBus(match[3]) : null });
  }
  const gpus = devices
    .filter((d): d is { name: string; type: string; bus: string } => d.bus !== null && d.type !== 'CPU')
    .sort((a, b) => a.bus.localeCompare(b.bus))
    .map((d, index) => ({ index, pci_bus: d.bus, uuid: null, name: d.name, source: 'vulkan' as const }));
  return { devices, gpus };
}

/** Display (0x0300) and 3D (0x0302, compute GPUs such as the H100/H200) controllers in /sys/bus/pci, in bus order. */
export async function sysfsGpus(root = '/sys/bus/pci/devices'): Promise<Gpu[]> {
  const names = await readdir(root).catch(() => [] as string[]);
  const gpus: Gpu[] = [];
  for (const name of names.sort()) {
    const read = (file: string) => readFile(join(root, name, file), 'utf8').then((t) => t.trim(), () => '');
    const pciClass = await read('class');
    if (!/^0x030[02]/.test(pciClass)) continue;
    const id = `${(await read('vendor')).replace(/^0x/, '')}:${(await read('device')).replace(/^0x/, '')}`;
    gpus.push({ index: gpus.length, pci_bus: normalizeBus(name), uuid: null, name: `PCI ${id}`, source: 'sysfs' });
  }
  return gpus;
}

/**
 * The GPUs CUDA_VISIBLE_DEVICES leaves to this process (Slurm sets it for a task's GPUs; docker --gpus too), by
 * UUID or index. Where the environment already hides the other GPUs (Slurm's device cgroups, containers) nvidia-smi
 * lists only the visible ones, renumbered from 0: then every listed GPU is visible.
 */
export function cudaVisible(gpus: Gpu[], visible: string | undefined): Gpu[] {
  if (visible === undefined) return gpus;
  const entries = visible.split(',').map((e) => e.trim()).filter((e) => e !== '');
  if (entries.length === 0 || entries.some((e) => e === '-1' || e === 'NoDevFiles')) return [];
  if (gpus.length === entries.length && !entries.every((e) => e.startsWith('GPU-'))) return gpus;
  return entries.map((entry) => {
    const gpu = gpus.find((g) => (entry.startsWith('GPU-') ? g.uuid?.startsWith(entry) : g.index === Number(entry)));
    if (!gpu) throw new UserError(`CUDA_VISIBLE_DEVICES names GPU ${entry}, which nvidia-smi does not list`);
    return gpu;
  });
}

/** The child-process script that opens Dawn once and prints the adapter it got (JSON, or null). */
function adapterScript(): string {
  const webgpu = pathToFileURL(createRequire(import.meta.url).resolve('webgpu')).href;
  return `const dawn = await import(${JSON.stringify(webgpu)});
Object.assign(globalThis, dawn.globals);
const adapter = await dawn.create([]).requestAdapter({ powerPreference: 'high-performance' });
process.stdout.write(JSON.stringify(adapter && { description: adapter.info.description, device: adapter.info.device, vendor: adapter.info.vendor }));
process.exit(0);`;
}

/** Opens Dawn in a child process under `env`; returns its stdout (the adapter) and stderr (the layer's output). */
function openDawn(env: NodeJS.ProcessEnv): { stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', adapterScript()], { env, encoding: 'utf8', timeout: 60_000 });
  return { stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

export interface GpuListing {
  gpus: Gpu[];
  /** What each source gave, for the message when none found a GPU. */
  tried: string[];
}

export async function listGpus(env: NodeJS.ProcessEnv = process.env, sysfsRoot?: string): Promise<GpuListing> {
  const tried: string[] = [];
  const smi = spawnSync('nvidia-smi', ['--query-gpu=index,pci.bus_id,uuid,name', '--format=csv,noheader'], { env, encoding: 'utf8', timeout: 30_000 });
  if (smi.status === 0) {
    const gpus = cudaVisible(parseNvidiaSmi(smi.stdout), env.CUDA_VISIBLE_DEVICES);
    if (gpus.length > 0) return { gpus, tried };
    tried.push(`nvidia-smi: no GPU visible (CUDA_VISIBLE_DEVICES=${env.CUDA_VISIBLE_DEVICES ?? ''})`);
  } else tried.push(smi.error ? 'nvidia-smi: not installed' : `nvidia-smi: exit ${smi.status}`);

  const { stderr } = openDawn({ ...env, MESA_VK_DEVICE_SELECT: 'list' });
  const listed = parseDeviceSelectList(stderr);
  if (listed.gpus.length > 0) return { gpus: listed.gpus, tried };
  tried.push(stderr.includes('selectable devices:')
    ? `Vulkan: no GPU with a PCI bus (${listed.devices.map((d) => `${d.name}, ${d.type}`).join('; ') || 'no device'})`
    : 'Vulkan: the device-select layer did not load (Debian/Ubuntu: apt install mesa-vulkan-drivers)');

  const sysfs = await sysfsGpus(sysfsRoot);
  if (sysfs.length > 0) return { gpus: sysfs, tried };
  tried.push('/sys/bus/pci: no display or 3D controller');
  return { gpus: [], tried };
}

/** `--gpus all` or `--gpus 0,2`: the listed GPUs, in the order given. */
export function chooseGpus(spec: string, listing: GpuListing): Gpu[] {
  const { gpus, tried } = listing;
  if (gpus.length === 0) throw new UserError(`--gpus ${spec}: no GPU found (${tried.join('; ')})`);
  if (spec === 'all') return gpus;
  const wanted = spec.split(',').map((s) => s.trim());
  if (wanted.some((s) => !/^\d+$/.test(s))) throw new UserError(`--gpus takes "all" or GPU indices such as 0,2 (not "${spec}")`);
  if (new Set(wanted).size !== wanted.length) throw new UserError(`--gpus ${spec} names a GPU twice`);
  return wanted.map((s) => {
    const gpu = gpus.find((g) => g.index === Number(s));
    if (!gpu) throw new UserError(`--gpus: there is no GPU ${s} here (GPUs: ${gpus.map((g) => `${g.index} ${g.pci_bus}`).join(', ')})`);
    return gpu;
  });
}

/** DRI_PRIME's tag for a PCI address: "0000:18:00.0" → "pci-0000_18_00_0". */
export function driPrimeTag(bus: string): string {
  return `pci-${bus.replace(/[:.]/g, '_')}`;
}

/** The environment that shows a process this GPU alone: Vulkan (the layer), CUDA (by UUID) and our own record. */
export function pinEnv(gpu: Gpu): Record<string, string> {
  const { source: _source, ...pinned } = gpu;
  return {
    DRI_PRIME: driPrimeTag(gpu.pci_bus),
    MESA_VK_DEVICE_SELECT_FORCE_DEFAULT_DEVICE: '1',
    ...(gpu.uuid ? { CUDA_VISIBLE_DEVICES: gpu.uuid } : {}),
    [GPU_PIN_ENV]: JSON.stringify(pinned satisfies PinnedGpu),
  };
}

export interface PinCheck {
  ok: boolean;
  /** The adapter Dawn returned under the pin (its description), or null. */
  adapter: string | null;
  /** Why the pin did not hold, when it did not. */
  problem: string | null;
}

/** Opens Dawn under the pin with the layer's debug output on, and checks that the layer matched this GPU's bus. */
export function checkPin(gpu: Gpu, env: NodeJS.ProcessEnv = process.env): PinCheck {
  const { stdout, stderr } = openDawn({ ...env, ...pinEnv(gpu), MESA_VK_DEVICE_SELECT_DEBUG: '1' });
  const adapter = (() => {
    try {
      return (JSON.parse(stdout) as { description?: string } | null)?.description ?? null;
    } catch {
      return null;
    }
  })();
  const { devices } = parseDeviceSelectList(stderr);
  const selected = /device_select_find_dri_prime_tag_default selected (\d+)/.exec(stderr);
  let problem: string | null = null;
  if (!stderr.includes('selectable devices:')) {
    problem = 'the Vulkan device-select layer did not load (install mesa-vulkan-drivers, which provides VkLayer_MESA_device_select)';
  } else if (!selected || devices[Number(selected[1])]?.bus !== gpu.pci_bus) {
    problem = `the device-select layer did not match PCI bus ${gpu.pci_bus} (it saw: ${devices.map((d) => `${d.name} ${d.bus ?? 'no bus'}`).join('; ')})`;
  } else if (adapter === null) problem = 'Dawn found no adapter on the pinned GPU';
  return { ok: problem === null, adapter, problem };
}

/** checkPin that refuses, in one line, a GPU the pin does not hold on; returns the adapter Dawn found there. */
export function requirePin(gpu: Gpu, env: NodeJS.ProcessEnv = process.env): string {
  const pin = checkPin(gpu, env);
  if (!pin.ok) throw new UserError(`cannot pin a process to GPU ${gpu.index} (${gpu.pci_bus}): ${pin.problem}`);
  return pin.adapter!;
}
