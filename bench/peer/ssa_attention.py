"""SSA (Scaled Signed Averaging) attention for transformers' RobertaForMaskedLM, as babyssa computes it.

For scaled logits x = q.k/sqrt(d): t = n*sgn(x)*log1p(b*|x|), then softmax(t) over the keys the boolean mask keeps
(masked keys get weight exactly 0 and no gradient). n and b live on each layer's self-attention module as
`ssa_n`/`ssa_b` ([1] per layer or [heads] per head), the names babyssa checkpoints use, so save_pretrained keeps them.
Needs transformers >= 5 (AttentionInterface + AttentionMaskInterface).
"""
import json
import os

import torch
from torch import nn

ATTN_IMPLEMENTATION = "babyssa_ssa"
MIXED_IMPLEMENTATION = "babyssa_mixed"


def ssa_probs(scores, keep, n, b):
    """scores [B, H, Tq, Tk] already scaled; keep: bool, True = attend, broadcastable, or None; n, b: [H] or [1]."""
    n, b = n.view(1, -1, 1, 1), b.view(1, -1, 1, 1)
    t = n * torch.sign(scores) * torch.log1p(b * scores.abs())  # [B, H, Tq, Tk]
    if keep is not None:
        t = t.masked_fill(~keep, float("-inf"))
    return torch.softmax(t, dim=-1)


def _scores_and_keep(query, key, attention_mask, scaling):
    """Scaled scores [B, H, Tq, Tk] and the boolean keep mask (True = attend) or None, from transformers' arguments."""
    scaling = query.shape[-1] ** -0.5 if scaling is None else scaling
    scores = torch.matmul(query, key.transpose(-1, -2)) * scaling  # [B, H, Tq, Tk]
    keep = attention_mask
    if keep is not None:
        keep = keep[..., : key.shape[-2]]
        keep = keep if keep.dtype == torch.bool else keep == 0  # an additive float mask is 0 where kept
    return scores, keep


def _attend(module, probs, value, dropout):
    probs = nn.functional.dropout(probs, p=dropout, training=module.training)
    return torch.matmul(probs, value).transpose(1, 2).contiguous(), probs  # [B, T, H, D], [B, H, Tq, Tk]


def ssa_attention_forward(module, query, key, value, attention_mask, scaling=None, dropout=0.0, **kwargs):
    """transformers' attention-function signature: q, k, v [B, H, T, D] in, ([B, T, H, D], probs) out."""
    scores, keep = _scores_and_keep(query, key, attention_mask, scaling)
    return _attend(module, ssa_probs(scores, keep, module.ssa_n, module.ssa_b), value, dropout)


def mixed_attention_forward(module, query, key, value, attention_mask, scaling=None, dropout=0.0, **kwargs):
    """Softmax or SSA, chosen by the module's `use_softmax` flag ([1], bool), for a torch.func ensemble whose members
    mix the two (vmap needs one function for all members): both maps are computed and torch.where keeps one."""
    scores, keep = _scores_and_keep(query, key, attention_mask, scaling)
    plain = scores if keep is None else scores.masked_fill(~keep, float("-inf"))
    ssa = ssa_probs(scores, keep, module.ssa_n, module.ssa_b)
    return _attend(module, torch.where(module.use_softmax.view(1, 1, 1, 1), torch.softmax(plain, dim=-1), ssa), value, dropout)


def register():
    from transformers import AttentionInterface, AttentionMaskInterface
    from transformers.masking_utils import sdpa_mask

    for name, forward in [(ATTN_IMPLEMENTATION, ssa_attention_forward), (MIXED_IMPLEMENTATION, mixed_attention_forward)]:
        AttentionInterface.register(name, forward)
        AttentionMaskInterface.register(name, sdpa_mask)  # boolean padding mask, True = attend


def attach_ssa(model, n, b, n_trainable=False, b_trainable=False):
    """Gives every layer its SSA scalars (n, b: [layers, 1 or heads]) and switches the model to SSA attention."""
    register()
    for i, layer in enumerate(model.roberta.encoder.layer):
        layer.attention.self.ssa_n = nn.Parameter(n[i].detach().clone().float(), requires_grad=n_trainable)
        layer.attention.self.ssa_b = nn.Parameter(b[i].detach().clone().float(), requires_grad=b_trainable)
    model.set_attn_implementation(ATTN_IMPLEMENTATION)
    return model


def fresh_ssa(model, n=1.5, b=0.8, per_head=False, n_trainable=False, b_trainable=False):
    """SSA with every layer's scalars at their initial values (a model about to be trained)."""
    config = model.config
    shape = (config.num_hidden_layers, config.num_attention_heads if per_head else 1)
    return attach_ssa(model, torch.full(shape, float(n)), torch.full(shape, float(b)), n_trainable, b_trainable)


def fresh_mixed(model, use_softmax, n=1.5, b=0.8):
    """A member of a mixed torch.func ensemble: SSA's scalars (fixed; unused when use_softmax) and the flag on every
    layer, attention through mixed_attention_forward."""
    fresh_ssa(model, n, b)
    for layer in model.roberta.encoder.layer:
        layer.attention.self.register_buffer("use_softmax", torch.tensor([bool(use_softmax)]))
    model.set_attn_implementation(MIXED_IMPLEMENTATION)
    return model


def load_ssa_model(folder):
    """A babyssa SSA export as RobertaForMaskedLM with the trained n and b."""
    from safetensors import safe_open
    from transformers import RobertaForMaskedLM

    register()
    with open(os.path.join(folder, "config.json")) as f:
        config = json.load(f)
    if config.get("attention_scoring") != "ssa":
        raise ValueError(f"{folder} is not an SSA model (attention_scoring is {config.get('attention_scoring')!r})")
    model = RobertaForMaskedLM.from_pretrained(folder, attn_implementation=ATTN_IMPLEMENTATION)
    with safe_open(os.path.join(folder, "model.safetensors"), framework="pt") as f:
        prefix = "roberta.encoder.layer.{}.attention.self.ssa_{}"
        layers = range(model.config.num_hidden_layers)
        n = torch.stack([f.get_tensor(prefix.format(i, "n")) for i in layers])
        b = torch.stack([f.get_tensor(prefix.format(i, "b")) for i in layers])
    return attach_ssa(model, n, b, config.get("ssa_n_trainable", False), config.get("ssa_b_trainable", False))
