"""The PyTorch peer of `npm run bench:train`: transformers' RobertaForMaskedLM with babyssa's config, BabyBERTa
masking and optimizer on batches of random ids, timed the same way (warm-up steps excluded, GPU synchronised).

    python3 bench/peer/train_peer.py --preset babyberta --attention ssa --batch 16 --seq 32 --json
"""
import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

# babyssa's presets (src/model/presets.ts) and special ids (src/model/config.ts).
PRESETS = {
    "babyberta": dict(vocab_size=8192, hidden_size=256, num_hidden_layers=8, num_attention_heads=8, intermediate_size=1024),
    "tiny": dict(vocab_size=2048, hidden_size=64, num_hidden_layers=2, num_attention_heads=4, intermediate_size=256),
}
MASK_ID, PAD_ID, BOS_ID, EOS_ID, FIRST_ORDINARY_ID = 0, 1, 3, 4, 5
IGNORE = -100  # transformers' label for "no loss here"


def roberta_config(preset):
    from transformers import RobertaConfig

    return RobertaConfig(
        **PRESETS[preset], hidden_act="gelu", hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1,
        max_position_embeddings=130, type_vocab_size=2, initializer_range=0.02, layer_norm_eps=1e-5,
        pad_token_id=PAD_ID, bos_token_id=BOS_ID, eos_token_id=EOS_ID, tie_word_embeddings=True,
    )


def babyberta_mask(ids, vocab_size, generator, probability=0.15):
    """BabyBERTa masking of one batch [B, T] (<s> first, </s> last): each inner token chosen with p, redrawn until
    a row has >= 1; chosen -> 90% <mask>, 10% random ordinary id, never unchanged. Returns (inputs, labels)."""
    inner = torch.zeros_like(ids, dtype=torch.bool)
    inner[:, 1:-1] = True
    chosen = (torch.rand(ids.shape, generator=generator) < probability) & inner
    while not bool(chosen.any(dim=1).all()):
        empty = ~chosen.any(dim=1)
        chosen[empty] = (torch.rand((int(empty.sum()), ids.shape[1]), generator=generator) < probability) & inner[empty]
    roll = torch.rand(ids.shape, generator=generator)
    random_ids = torch.randint(FIRST_ORDINARY_ID, vocab_size, ids.shape, generator=generator)
    inputs = torch.where(chosen & (roll < 0.9), torch.full_like(ids, MASK_ID), ids)
    inputs = torch.where(chosen & (roll >= 0.9), random_ids, inputs)
    labels = torch.where(chosen, ids, torch.full_like(ids, IGNORE))
    return inputs, labels


def random_batch(batch, seq, vocab_size, generator):
    """B sequences <s> w1 .. w(T-2) </s> of random ordinary ids, as bench/train.ts draws them (no padding)."""
    ids = torch.randint(FIRST_ORDINARY_ID, vocab_size, (batch, seq), generator=generator)
    ids[:, 0], ids[:, -1] = BOS_ID, EOS_ID
    return ids


def build_model(args, device):
    from transformers import RobertaForMaskedLM

    model = RobertaForMaskedLM(roberta_config(args.preset))
    if args.attention == "ssa":
        from ssa_attention import fresh_ssa

        fresh_ssa(model, args.ssa_n, args.ssa_b, args.ssa_granularity == "head", args.ssa_n_trainable, args.ssa_b_trainable)
    return model.to(device).train()


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--preset", choices=sorted(PRESETS), default="babyberta")
    p.add_argument("--attention", choices=["softmax", "ssa"], default="softmax")
    p.add_argument("--ssa-n", type=float, default=1.5)
    p.add_argument("--ssa-b", type=float, default=0.8)
    p.add_argument("--ssa-granularity", choices=["layer", "head"], default="layer")
    p.add_argument("--ssa-n-trainable", action="store_true")
    p.add_argument("--ssa-b-trainable", action="store_true")
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--seq", type=int, default=32)
    p.add_argument("--steps", type=int, default=50, help="timed steps")
    p.add_argument("--warmup", type=int, default=5, help="untimed steps first")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true", help="also print one JSON line")
    args = p.parse_args()
    if not 3 <= args.seq <= 128:
        p.error("--seq must be 3..128 (BabyBERTa's 130 position slots)")

    torch.manual_seed(args.seed)
    generator = torch.Generator().manual_seed(args.seed)
    device = torch.device(args.device)
    model = build_model(args, device)
    vocab = model.config.vocab_size
    # lr 1e-4, betas (.9, .999), eps 1e-6, no weight decay: BabyBERTa's AdamW (torch's always bias-corrects).
    optimizer = torch.optim.AdamW([q for q in model.parameters() if q.requires_grad], lr=1e-4, betas=(0.9, 0.999), eps=1e-6, weight_decay=0.0)

    # Four masked batches, cycled, as bench/train.ts does: the timed loop measures training, not data preparation.
    batches = [tuple(t.to(device) for t in babyberta_mask(random_batch(args.batch, args.seq, vocab, generator), vocab, generator))
               for _ in range(4)]

    def step(i):
        inputs, labels = batches[i % len(batches)]
        loss = model(input_ids=inputs, labels=labels).loss  # mean CE over chosen positions
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        return loss.detach()

    for i in range(args.warmup):
        step(i)
    sync(device)
    start = time.perf_counter()
    for i in range(args.steps):
        loss = step(args.warmup + i)
    last_loss = float(loss)  # reading the loss waits for the GPU, like the final synchronize
    sync(device)
    seconds = time.perf_counter() - start
    result = {
        "impl": "pytorch", "preset": args.preset, "attention": args.attention, "batch": args.batch, "seq": args.seq,
        "steps": args.steps, "warmup": args.warmup, "seconds": seconds, "stepsPerSecond": args.steps / seconds,
        "tokensPerSecond": args.steps * args.batch * args.seq / seconds, "lastLoss": last_loss,
        "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
        "attnImplementation": model.config._attn_implementation,
        "torch": torch.__version__, "transformers": __import__("transformers").__version__,
    }
    print(f"pytorch {args.preset} {args.attention} {args.batch}x{args.seq}: {result['stepsPerSecond']:.2f} steps/s, "
          f"{result['tokensPerSecond']:.0f} tokens/s on {result['device']} (loss {last_loss:.3f})")
    if args.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
