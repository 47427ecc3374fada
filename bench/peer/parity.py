"""Do babyssa's logits and transformers' RobertaForMaskedLM agree on an exported checkpoint?

    npx tsx bench/peer/dump-logits.ts --checkpoint checkpoints/run --out logits.safetensors
    npx tsx src/cli/main.ts export --checkpoint checkpoints/run --format hf --out exported
    python3 bench/peer/parity.py exported logits.safetensors      # exit 0 iff max |difference| <= 1e-4

Softmax exports load with plain RobertaForMaskedLM.from_pretrained; SSA exports through ssa_attention.load_ssa_model.
Only real tokens are compared: at padding positions the two sides may place pads differently, and nothing uses them.
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def load_model(folder):
    with open(os.path.join(folder, "config.json")) as f:
        scoring = json.load(f).get("attention_scoring", "softmax")
    if scoring == "ssa":
        from ssa_attention import load_ssa_model

        return load_ssa_model(folder), scoring
    from transformers import RobertaForMaskedLM

    return RobertaForMaskedLM.from_pretrained(folder), scoring


def check_tokenizer(folder, sentences, input_ids, mask):
    """Does transformers' tokenizer give the ids babyssa used? Reported, not part of the pass/fail verdict."""
    try:
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(folder)
    except Exception as error:  # a tokenizer problem must not hide the logit verdict
        return f"tokenizer: could not load with AutoTokenizer ({type(error).__name__}: {error})"
    for i, sentence in enumerate(sentences):
        ours = input_ids[i][mask[i]].tolist()
        theirs = tokenizer(sentence)["input_ids"]
        if ours != theirs:
            return f"tokenizer: ids differ for {sentence!r}: babyssa {ours}, transformers {theirs}"
    return f"tokenizer: transformers gives babyssa's ids for all {len(sentences)} sentences"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("export_dir")
    p.add_argument("logits", help="the .safetensors file bench/peer/dump-logits.ts wrote")
    p.add_argument("--device", default="cpu")
    p.add_argument("--tolerance", type=float, default=1e-4)
    args = p.parse_args()
    for path in (os.path.join(args.export_dir, "config.json"), args.logits):
        if not os.path.isfile(path):
            p.error(f"{path} not found")
    from safetensors import safe_open

    torch.backends.cuda.matmul.allow_tf32 = False  # compare float32 with float32
    torch.backends.cudnn.allow_tf32 = False
    with safe_open(args.logits, framework="pt") as f:
        meta = f.metadata() or {}
        input_ids = f.get_tensor("input_ids").round().long()  # [B, T]
        mask = f.get_tensor("attention_mask") > 0.5  # [B, T]
        ours = f.get_tensor("logits").double()  # [B, T, V]
    model, scoring = load_model(args.export_dir)
    model = model.to(args.device).float().eval()
    with torch.no_grad():
        theirs = model(input_ids=input_ids.to(args.device), attention_mask=mask.long().to(args.device)).logits  # [B, T, V]
    difference = (theirs.double().cpu() - ours).abs()[mask]  # [real tokens, V]
    worst = float(difference.max())
    print(f"parity {scoring}: max |logit difference| {worst:.3g} over {int(mask.sum())} tokens x {ours.shape[-1]} logits "
          f"(max |logit| {float(ours.abs()[mask].max()):.3g}; ours from {meta.get('engine', '?')}/{meta.get('backend', '?')}, "
          f"theirs torch {torch.__version__} on {args.device}, attention {model.config._attn_implementation})")
    if "sentences" in meta:
        print(check_tokenizer(args.export_dir, json.loads(meta["sentences"]), input_ids, mask))
    if not worst <= args.tolerance:
        print(f"parity FAILED: {worst:.3g} > {args.tolerance:g}")
        sys.exit(1)
    print(f"parity ok: <= {args.tolerance:g}")


if __name__ == "__main__":
    main()
