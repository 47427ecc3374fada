// Which GPU this process was pinned to. `babyssa sweep --gpus` (and a Slurm array task) chooses a GPU by PCI bus
// and starts each training process with the Vulkan selection environment for that GPU (src/sweep/gpus.ts); it
// also passes the choice in BABYSSA_GPU so the run's metadata can say where it ran. Dawn's adapter info carries
// no bus address, so this is the one place a run learns it.

export const GPU_PIN_ENV = 'BABYSSA_GPU';

export interface PinnedGpu {
  /** The GPU's index as `nvidia-smi` (or `babyssa gpus`) lists it on its host. */
  index: number;
  /** PCI address, domain:bus:device.function, e.g. "0000:18:00.0". */
  pci_bus: string;
  /** NVIDIA's GPU UUID ("GPU-…") when nvidia-smi listed it, else null. */
  uuid: string | null;
  name: string;
}

/** The GPU named by BABYSSA_GPU, or null when the process was not pinned (or the value is not ours). */
export function pinnedGpu(env: NodeJS.ProcessEnv = process.env): PinnedGpu | null {
  const text = env[GPU_PIN_ENV];
  if (!text) return null;
  try {
    const value = JSON.parse(text) as Partial<PinnedGpu>;
    if (typeof value.index !== 'number' || typeof value.pci_bus !== 'string') return null;
    return { index: value.index, pci_bus: value.pci_bus, uuid: value.uuid ?? null, name: value.name ?? '' };
  } catch {
    return null;
  }
}
