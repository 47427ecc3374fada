// Host-side tensors as every layer passes them: checkpoints, HF interop, initial weights and both engines.

/** A float32 tensor in HF layout (dense kernels [out, in]), row-major. */
export interface HostTensor {
  shape: number[];
  data: Float32Array;
}
/** Tensors by HF name, in `paramSpecs` order where they are parameters. */
export type NamedTensors = Map<string, HostTensor>;

export interface OptimizerState {
  /** Number of AdamW updates applied so far (for bias correction). */
  step: number;
  /** `${name}.exp_avg` and `${name}.exp_avg_sq` for every trainable parameter, HF layout. */
  tensors: NamedTensors;
}
