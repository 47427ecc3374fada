"""K models of one module structure trained as one, PyTorch's ensembling recipe (torch.func): parameters stacked
along a new first dimension [K, ...], one `vmap` over `functional_call` for the K forward passes, one backward,
a global-norm clip per member and an AdamW over the stacked tensors (AdamW is elementwise, so that is K AdamWs).
Needs torch only; grid_peer.py puts transformers' RobertaForMaskedLM in it.
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_peer import IGNORE  # noqa: E402

# BabyBERTa's AdamW (as train_peer.py): lr 1e-4, betas (.9, .999), eps 1e-6, no weight decay; clip at global norm 1.
ADAMW = dict(lr=1e-4, betas=(0.9, 0.999), eps=1e-6, weight_decay=0.0)
MAX_NORM = 1.0
CLIP_EPS = 1e-6  # torch.nn.utils.clip_grad_norm_'s: max_norm / (norm + 1e-6)


def func_api():
    """(vmap, functional_call): torch.func from torch 2.0; Debian's torch 1.13 (the dev machine, for the tests) has
    the same two as functorch.vmap and torch.nn.utils.stateless.functional_call."""
    if hasattr(torch, "func"):
        return torch.func.vmap, torch.func.functional_call
    try:
        from functorch import vmap
        from torch.nn.utils.stateless import functional_call
    except ImportError:
        raise SystemExit(f"the vmap ensemble needs torch.func (torch >= 2.0) or functorch; this is torch {torch.__version__}")
    return vmap, functional_call


def tied_aliases(module):
    """{alias: name} for parameters reachable under two names (RoBERTa's decoder weight is the word embedding):
    stacking keeps one copy, under the name named_parameters() gives it, and every alias is pointed at that copy."""
    canonical = {id(p): name for name, p in module.named_parameters()}
    return {name: canonical[id(p)]
            for prefix, sub in module.named_modules(remove_duplicate=False)
            for name, p in sub.named_parameters(prefix=prefix, recurse=False) if canonical[id(p)] != name}


def stack_states(models):
    """Parameters and buffers of K same-shaped models stacked as torch.func.stack_module_state stacks them: new
    leaves [K, ...] (detached copies; a parameter requires grad iff it does in the models). Returns (params, buffers)."""
    named = [dict(m.named_parameters()) for m in models]
    buffers = [dict(m.named_buffers()) for m in models]
    params = {name: torch.stack([n[name].detach() for n in named]).requires_grad_(p.requires_grad)
              for name, p in named[0].items()}
    return params, {name: torch.stack([b[name] for b in buffers]) for name in buffers[0]}


def masked_lm_loss(logits, labels):
    """Mean cross-entropy over the labelled positions (labels != -100): RobertaForMaskedLM's loss, computed without
    ignore_index, since vmap's nll_loss rule in torch 1.13 gathers at the ignored index. logits [B, T, V], labels [B, T]."""
    keep = (labels != IGNORE).reshape(-1)  # [B*T]
    losses = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.clamp(min=0).reshape(-1),
                                               reduction="none")  # [B*T]
    return (losses * keep).sum() / keep.sum()


def clip_per_member_(params, max_norm=MAX_NORM):
    """clip_grad_norm_ for each member alone: every grad is [K, ...]; member k's grads are scaled by
    min(1, max_norm / (||g_k|| + 1e-6)), ||g_k|| over all of member k's grads. Returns the norms [K]."""
    grads = [p.grad for p in params if p.grad is not None]
    norms = torch.stack([g.reshape(len(g), -1).norm(dim=1) for g in grads]).norm(dim=0)  # [K]
    scale = (max_norm / (norms + CLIP_EPS)).clamp(max=1.0)  # [K]
    for g in grads:
        g.mul_(scale.view(-1, *[1] * (g.dim() - 1)))
    return norms


class Ensemble:
    """K models (same structure; members may differ in any parameter or buffer value, e.g. SSA's n or a softmax
    flag) trained in one vmapped step on their own batches. The models are copied, never changed; models[0] is the
    structure functional_call runs with the stacked values swapped in."""

    def __init__(self, models, fused=False, max_norm=MAX_NORM):
        vmap, self.functional_call = func_api()
        self.base, self.k, self.max_norm = models[0], len(models), max_norm
        self.aliases = tied_aliases(self.base)
        self.params, self.buffers = stack_states(models)
        self.trainable = [p for p in self.params.values() if p.requires_grad]
        # fused: one multi-tensor kernel per step (CUDA); the default implementation elsewhere.
        self.optimizer = torch.optim.AdamW(self.trainable, **ADAMW, **({"fused": True} if fused else {}))
        # randomness="different": each member draws its own dropout masks (the default, "error", refuses dropout).
        self.member_losses = vmap(self._member_loss, randomness="different")

    def _member_loss(self, params, buffers, inputs, labels):
        """One member's loss: its parameters [..] (one slice of the stack), its batch inputs, labels [B, T]."""
        state = {**params, **{alias: params[name] for alias, name in self.aliases.items()}, **buffers}
        return masked_lm_loss(self.functional_call(self.base, state, (), {"input_ids": inputs}).logits, labels)

    def step(self, inputs, labels):
        """One training step of every member on its own batch: inputs, labels [K, B, T]. Returns the losses [K]."""
        losses = self.member_losses(self.params, self.buffers, inputs, labels)  # [K]
        self.optimizer.zero_grad(set_to_none=True)
        losses.sum().backward()  # members share no parameter: d(sum)/d(theta_k) = dL_k/d(theta_k)
        clip_per_member_(self.trainable, self.max_norm)
        self.optimizer.step()
        return losses.detach()

    def member(self, i):
        """Member i's current parameters by name, aliases included (views into the stack)."""
        own = {name: p[i] for name, p in self.params.items()}
        return {**own, **{alias: own[name] for alias, name in self.aliases.items()}}
