// The member table: what a kernel knows about each model of a run. A run computes S slots (the members that
// take part, in any order); slot s's entry, INFO_WORDS u32 words at the start of the batch buffer, says which
// member it is (so where its parameters live), where its batch sections start, its attention settings, its
// dropout key, its own target and segment counts and its optimizer scalars. Everything that differs between
// members lives here, not in a per-dispatch uniform, so one dispatch covers every slot (the slot is the
// workgroup's z, folded with whatever z meant before). Every kernel binds the batch buffer at binding 1.

/** Words per slot entry. */
export const INFO_WORDS = 16;

/** Word of each field in a slot entry; `lr`, `stepSize` and `sqrtBc2` hold f32 bits. */
export const INFO = {
  member: 0, base: 1, flags: 2, key: 3, targets: 4, wordSegments: 5, positionSegments: 6, lr: 7, stepSize: 8, sqrtBc2: 9,
} as const;
export type InfoField = keyof typeof INFO;
const FLOAT_FIELDS: ReadonlySet<InfoField> = new Set(['lr', 'stepSize', 'sqrtBc2']);

/** Bits of the `flags` field: the member's attention settings. */
export const MEMBER_FLAGS = { ssa: 1, perHead: 2, nTrainable: 4, bTrainable: 8 } as const;

/** The batch buffer's binding and one accessor per field, `slot_<field>(slot)`. */
export const MEMBER_TABLE_WGSL = /* wgsl */ `
@group(0) @binding(1) var<storage, read> batchData: array<u32>;
${(Object.entries(INFO) as [InfoField, number][]).map(([field, word]) => {
  const read = `batchData[slot * ${INFO_WORDS}u + ${word}u]`;
  return FLOAT_FIELDS.has(field)
    ? `fn slot_${field}(slot: u32) -> f32 { return bitcast<f32>(${read}); }`
    : `fn slot_${field}(slot: u32) -> u32 { return ${read}; }`;
}).join('\n')}
fn slot_has(slot: u32, flag: u32) -> bool { return (slot_flags(slot) & flag) != 0u; }
`;
