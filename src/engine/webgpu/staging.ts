// Read-backs: device buffers copied into one mappable staging buffer at the end of a run's own command
// buffer, then mapped. Because the copies are encoded before the submit, a read-back sees exactly that run's
// results even when later runs are already queued (or have reallocated the activations) by the time the map
// resolves. Staging buffers come from a small pool so a training step does not create one per step.

/** `floats` float32 values of `buffer` starting at float `offset`. */
export interface ReadBack {
  buffer: GPUBuffer;
  offset?: number;
  floats: number;
}

/** Staging buffers above this size are created per use: keeping them would pin large host-visible memory. */
const POOLED_MAX_BYTES = 1 << 20;
/** Idle staging buffers kept per size: enough for the few runs in flight at once. */
const POOLED_PER_SIZE = 8;
/** Each read-back starts at a multiple of this many bytes inside the staging buffer. */
const SEGMENT_ALIGN = 16;

export class StagingPool {
  private readonly idle = new Map<number, GPUBuffer[]>();
  /** Set by destroy: maps still in flight then free their buffers instead of pooling them. */
  private destroyed = false;

  constructor(private readonly device: GPUDevice) {}

  /**
   * Encodes copies of `reads` into a staging buffer; after the encoder's command buffer is submitted,
   * the returned function maps it and resolves to one Float32Array per read-back.
   */
  encodeCopies(encoder: GPUCommandEncoder, reads: readonly ReadBack[]): () => Promise<Float32Array[]> {
    const offsets: number[] = [];
    let bytes = 0;
    for (const read of reads) {
      offsets.push(bytes);
      bytes += Math.ceil((read.floats * 4) / SEGMENT_ALIGN) * SEGMENT_ALIGN;
    }
    const staging = this.acquire(Math.max(SEGMENT_ALIGN, bytes));
    reads.forEach((read, i) => {
      if (read.floats > 0) encoder.copyBufferToBuffer(read.buffer, (read.offset ?? 0) * 4, staging, offsets[i], read.floats * 4);
    });
    return async () => {
      try {
        await staging.mapAsync(GPUMapMode.READ);
      } catch (error) {
        staging.destroy();
        throw error;
      }
      const mapped = staging.getMappedRange();
      const results = reads.map((read, i) => new Float32Array(mapped.slice(offsets[i], offsets[i] + read.floats * 4)));
      staging.unmap();
      this.release(staging);
      return results;
    };
  }

  destroy(): void {
    this.destroyed = true;
    for (const buffers of this.idle.values()) for (const buffer of buffers) buffer.destroy();
    this.idle.clear();
  }

  private acquire(bytes: number): GPUBuffer {
    const size = 2 ** Math.ceil(Math.log2(bytes));
    const pooled = this.idle.get(size)?.pop();
    return pooled ?? this.device.createBuffer({ label: 'staging', size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  }

  private release(buffer: GPUBuffer): void {
    const free = this.idle.get(buffer.size) ?? [];
    if (this.destroyed || buffer.size > POOLED_MAX_BYTES || free.length >= POOLED_PER_SIZE) {
      buffer.destroy();
      return;
    }
    free.push(buffer);
    this.idle.set(buffer.size, free);
  }
}
