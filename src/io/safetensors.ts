// safetensors (https://huggingface.co/docs/safetensors): 8-byte little-endian header length, a JSON header
// {name: {dtype, shape, data_offsets}}, then the raw little-endian tensor bytes. We write F32 only and read F32,
// F16 and BF16 (PyTorch-trained checkpoints), so Python users can load ours and we can import theirs.
import { readFile } from 'node:fs/promises';
import { UserError } from '../core/errors.js';
import type { HostTensor, NamedTensors } from '../core/tensors.js';
import { numel } from '../model/params.js';
import { writeFileAtomic } from '../core/files.js';

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

const ALIGN = 8;
const isLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function encodeSafetensors(tensors: NamedTensors, metadata: Record<string, string> = {}): Buffer {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, tensor] of tensors) {
    if (tensor.data.length !== numel(tensor.shape)) {
      throw new Error(`tensor ${name}: ${tensor.data.length} values for shape [${tensor.shape}]`);
    }
    const bytes = tensor.data.length * 4;
    header[name] = { dtype: 'F32', shape: tensor.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let headerText = JSON.stringify(header);
  headerText += ' '.repeat((ALIGN - ((8 + Buffer.byteLength(headerText)) % ALIGN)) % ALIGN);
  const headerBytes = Buffer.from(headerText, 'utf8');
  const out = Buffer.alloc(8 + headerBytes.length + offset);
  out.writeBigUInt64LE(BigInt(headerBytes.length), 0);
  headerBytes.copy(out, 8);
  let position = 8 + headerBytes.length;
  for (const tensor of tensors.values()) {
    const view = Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
    if (isLittleEndian) view.copy(out, position);
    else for (let i = 0; i < tensor.data.length; i++) out.writeFloatLE(tensor.data[i], position + 4 * i);
    position += tensor.data.byteLength;
  }
  return out;
}


function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

function decodeTensor(name: string, entry: HeaderEntry, body: Buffer, source: string): HostTensor {
  const [start, end] = entry.data_offsets;
  const count = numel(entry.shape);
  const width = { F32: 4, F16: 2, BF16: 2 }[entry.dtype];
  if (width === undefined) throw new UserError(`${source}: tensor ${name} has dtype ${entry.dtype}; only F32, F16 and BF16 are supported`);
  if (end - start !== count * width || end > body.length || start < 0) {
    throw new UserError(`${source}: tensor ${name} is truncated or its offsets are wrong (file cut short?)`);
  }
  const data = new Float32Array(count);
  if (entry.dtype === 'F32' && isLittleEndian) {
    new Uint8Array(data.buffer).set(body.subarray(start, end));
  } else if (entry.dtype === 'F32') {
    for (let i = 0; i < count; i++) data[i] = body.readFloatLE(start + 4 * i);
  } else if (entry.dtype === 'F16') {
    for (let i = 0; i < count; i++) data[i] = halfToFloat(body.readUInt16LE(start + 2 * i));
  } else {
    const word = new Uint32Array(1);
    const asFloat = new Float32Array(word.buffer);
    for (let i = 0; i < count; i++) {
      word[0] = body.readUInt16LE(start + 2 * i) << 16;
      data[i] = asFloat[0];
    }
  }
  return { shape: entry.shape, data };
}

export function decodeSafetensors(bytes: Uint8Array, source: string): { tensors: NamedTensors; metadata: Record<string, string> } {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.length < 8) throw new UserError(`${source}: not a safetensors file (too short)`);
  const headerLength = Number(buffer.readBigUInt64LE(0));
  if (8 + headerLength > buffer.length) throw new UserError(`${source}: safetensors header is truncated (file cut short?)`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(buffer.subarray(8, 8 + headerLength).toString('utf8'));
  } catch {
    throw new UserError(`${source}: safetensors header is not valid JSON`);
  }
  const body = buffer.subarray(8 + headerLength);
  const tensors: NamedTensors = new Map();
  let metadata: Record<string, string> = {};
  const entries = Object.entries(header).filter(([name]) => name !== '__metadata__');
  entries.sort(([, a], [, b]) => (a as HeaderEntry).data_offsets[0] - (b as HeaderEntry).data_offsets[0]);
  for (const [name, entry] of entries) tensors.set(name, decodeTensor(name, entry as HeaderEntry, body, source));
  if (header.__metadata__) metadata = header.__metadata__ as Record<string, string>;
  return { tensors, metadata };
}

export async function readSafetensors(path: string): Promise<{ tensors: NamedTensors; metadata: Record<string, string> }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch {
    throw new UserError(`cannot read ${path}: no such file`);
  }
  return decodeSafetensors(bytes, path);
}

export async function writeSafetensors(path: string, tensors: NamedTensors, metadata: Record<string, string> = {}): Promise<void> {
  await writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}
