// The README.md of an exported folder: what the model is and the few lines of Python that load it.
import { DEFAULT_ATTENTION, hfAttentionFields } from '../model/attention.js';
import type { ModelConfig } from '../model/config.js';

const HF_FIELDS = Object.keys(hfAttentionFields(DEFAULT_ATTENTION)).map((key) => `\`${key}\``).join(', ');

function describeAttention(config: ModelConfig): string {
  const a = config.attention;
  if (a.scoring === 'softmax') return 'softmax attention';
  const trainable = [a.ssaNTrainable ? 'n' : '', a.ssaBTrainable ? 'b' : ''].filter(Boolean).join(' and ');
  return `SSA attention (initial n = ${a.ssaN}, b = ${a.ssaB}, one pair per ${a.ssaGranularity}` +
    `${trainable ? `, ${trainable} learned: the trained values are the \`ssa_n\`/\`ssa_b\` tensors` : ', fixed'})`;
}

const SOFTMAX_SNIPPET = `\`\`\`python
import torch
from transformers import AutoTokenizer, RobertaForMaskedLM

model = RobertaForMaskedLM.from_pretrained("THIS_FOLDER").eval()
tokenizer = AutoTokenizer.from_pretrained("THIS_FOLDER")
batch = tokenizer(["the dog is on the bed ."], return_tensors="pt")
with torch.no_grad():
    logits = model(**batch).logits  # [B, T, vocab]
\`\`\``;

const SSA_SNIPPET = `\`\`\`python
import sys, torch
from transformers import AutoTokenizer

sys.path.insert(0, "THIS_FOLDER")  # ssa_attention.py ships in this folder
from ssa_attention import load_ssa_model

model = load_ssa_model("THIS_FOLDER").eval()  # RobertaForMaskedLM with SSA attention and the trained n, b
tokenizer = AutoTokenizer.from_pretrained("THIS_FOLDER")
batch = tokenizer(["the dog is on the bed ."], return_tensors="pt")
with torch.no_grad():
    logits = model(**batch).logits  # [B, T, vocab]
\`\`\`

\`RobertaForMaskedLM.from_pretrained("THIS_FOLDER")\` on its own loads every weight but runs softmax attention
(and reports the \`ssa_n\`/\`ssa_b\` tensors as unused): it does not reproduce this model. \`load_ssa_model\`
registers the SSA attention with transformers' \`AttentionInterface\` (transformers ≥ 5) and attaches the
per-layer n and b as parameters, so the model can also be fine-tuned with them.`;

export function exportReadme(info: { config: ModelConfig; run: string; step: number }): string {
  const { config, run, step } = info;
  const isSsa = config.attention.scoring === 'ssa';
  return `# ${run}, step ${step} (exported by babyssa)

A BabyBERTa-style RoBERTa masked-LM encoder: ${config.numLayers} layers, ${config.numHeads} heads, hidden size
${config.hiddenSize}, feed-forward ${config.intermediateSize}, vocabulary ${config.vocabSize}, ${describeAttention(config)}.
The LM decoder is tied to the word embeddings; \`lm_head.bias\` is its bias.

## Load it in Python

${isSsa ? SSA_SNIPPET : SOFTMAX_SNIPPET}

Replace \`THIS_FOLDER\` with the path of this folder. The tokenizer lower-cases, adds a space before the first
word and wraps every sentence as \`<s> … </s>\`; pad id 1, \`<mask>\` id 0.

## Files

- \`config.json\`: transformers' RobertaConfig, plus babyssa's attention fields (${HF_FIELDS}), which transformers keeps and otherwise ignores.
- \`model.safetensors\`: float32 weights under transformers' names, dense kernels \`[out, in]\`.
- \`tokenizer.json\`, \`tokenizer_config.json\`: the byte-level BPE tokenizer.${isSsa ? '\n- `ssa_attention.py`: the SSA attention for PyTorch.' : ''}

\`babyssa import --format hf --from THIS_FOLDER --out checkpoints/<run>\` turns this folder back into a babyssa checkpoint.
`;
}
