"""Holistic minimal-pair scoring throughput of HF RobertaForMaskedLM, the PyTorch peer of `babyssa probe`.

    python3 bench/peer/score_peer.py EXPORTED_DIR SUITE_DIR [--batch-size 64] [--device cuda] [--json]

Scores every sentence of a Zorro-format suite folder (odd lines bad, even lines good) the way babyssa's
holistic method does: one unmasked pass, mean cross-entropy over every real token incl. <s> and </s>.
Sentences are sorted by length and batched like babyssa; the clock covers tokenization-free scoring only
(ids are prepared first) and stops after a CUDA synchronize. Prints pairs/s.
"""
import argparse
import glob
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def read_pairs(suite_dir):
    pairs = []
    for path in sorted(glob.glob(os.path.join(suite_dir, "*.txt"))):
        with open(path) as f:
            lines = [line.strip() for line in f if line.strip()]
        pairs += [(lines[i + 1], lines[i]) for i in range(0, len(lines) - 1, 2)]
    return pairs


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("export_dir")
    p.add_argument("suite_dir")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    from parity import load_model
    from transformers import AutoTokenizer

    torch.backends.cuda.matmul.allow_tf32 = False
    model, _ = load_model(args.export_dir)
    model = model.to(args.device).eval()
    tokenizer = AutoTokenizer.from_pretrained(args.export_dir)
    pairs = read_pairs(args.suite_dir)
    sentences = sorted({s for pair in pairs for s in pair}, key=lambda s: len(tokenizer(s)["input_ids"]))
    encoded = [tokenizer(s)["input_ids"] for s in sentences]
    batches = []
    for start in range(0, len(encoded), args.batch_size):
        chunk = encoded[start : start + args.batch_size]
        width = max(len(ids) for ids in chunk)
        ids = torch.full((len(chunk), width), 1, dtype=torch.long)
        for row, seq in enumerate(chunk):
            ids[row, : len(seq)] = torch.tensor(seq)
        batches.append((ids.to(args.device), (ids != 1).to(args.device)))
    scores = {}
    with torch.no_grad():
        model(input_ids=batches[0][0], attention_mask=batches[0][1])  # warm-up
        if args.device.startswith("cuda"):
            torch.cuda.synchronize()
        began = time.perf_counter()
        results = []
        for ids, mask in batches:
            logits = model(input_ids=ids, attention_mask=mask).logits
            nll = torch.nn.functional.cross_entropy(logits.transpose(1, 2), ids, reduction="none")
            results.append((nll * mask).sum(1) / mask.sum(1))
        if args.device.startswith("cuda"):
            torch.cuda.synchronize()
        seconds = time.perf_counter() - began
    flat = torch.cat(results).tolist()
    scores = dict(zip(sentences, flat))
    correct = sum(scores[good] < scores[bad] for good, bad in pairs)
    out = {"impl": "pytorch", "pairs": len(pairs), "sentences": len(sentences), "batch_size": args.batch_size,
           "seconds": seconds, "pairs_per_s": len(pairs) / seconds, "accuracy": correct / len(pairs),
           "device": torch.cuda.get_device_name() if args.device.startswith("cuda") else "cpu", "torch": torch.__version__}
    print(f"pytorch holistic: {len(pairs)} pairs in {seconds:.3f} s = {out['pairs_per_s']:.0f} pairs/s, accuracy {out['accuracy']:.3f}")
    if args.json:
        print(json.dumps(out))


if __name__ == "__main__":
    main()
