"""The markdown table of bench/peer/side-by-side.sh: babyssa vs PyTorch tokens/s from the JSON lines it saved.

    python3 bench/peer/table.py DIR [--command "..."]
"""
import argparse
import datetime
import json
import os
import sys

ATTENTIONS = ["softmax", "ssa"]
SHAPES = ["16x32", "128x64"]


def rate(result, kind, path):
    """tokens/s or steps/s from a bench JSON line, under the names our bench or the peer may use."""
    names = {"tokens": ["tokensPerSecond", "tokensPerSec", "tokens_per_s", "tokensPerS"],
             "steps": ["stepsPerSecond", "stepsPerSec", "steps_per_s", "stepsPerS"]}[kind]
    for name in names:
        if name in result:
            return float(result[name])
    sys.exit(f"table: {path} has no {kind}/s field (looked for {', '.join(names)}); keys: {', '.join(result)}")


def load(folder, impl, attention, shape):
    path = os.path.join(folder, f"{impl}-{attention}-{shape}.json")
    with open(path) as f:
        result = json.load(f)
    return result, rate(result, "tokens", path), rate(result, "steps", path)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("folder")
    p.add_argument("--command", default="bash .gpu/run.sh bash bench/peer/side-by-side.sh")
    p.add_argument("--settings", default="")
    args = p.parse_args()
    rows, peer_info, ours_info, implementations = [], {}, {}, {}
    for attention in ATTENTIONS:
        for shape in SHAPES:
            ours, ours_tokens, ours_steps = load(args.folder, "babyssa", attention, shape)
            peer, peer_tokens, peer_steps = load(args.folder, "pytorch", attention, shape)
            peer_info, ours_info = peer, ours
            implementations[attention] = peer.get("attnImplementation", "?")
            rows.append(f"| {attention} | {shape.replace('x', ' × ')} | {ours_tokens:,.0f} | {peer_tokens:,.0f} | "
                        f"{ours_tokens / peer_tokens:.3f} | {ours_steps:.2f} | {peer_steps:.2f} |")
    versions_path = os.path.join(args.folder, "versions.txt")
    versions = open(versions_path).read().split("\n") if os.path.exists(versions_path) else []
    ours_engine = "/".join(str(ours_info.get(k, "?")) for k in ("engine", "backend"))
    print(f"- date: {datetime.date.today().isoformat()}")
    print(f"- command: `{args.command}`" + (f" ({args.settings})" if args.settings else ""))
    print(f"- GPU: {peer_info.get('device', '?')} ({versions[1] if len(versions) > 1 else 'driver ?'}); commit {versions[2] if len(versions) > 2 else '?'}")
    print(f"- babyssa: bench/train.ts, engine/backend {ours_engine}, {versions[0] if versions else 'node ?'}")
    attn = ", ".join(f"{a}: {implementations[a]}" for a in ATTENTIONS)
    print(f"- PyTorch: torch {peer_info.get('torch', '?')}, transformers {peer_info.get('transformers', '?')}, eager mode, "
          f"attn_implementation ({attn}), AdamW + clip 1.0, dropout 0.1, BabyBERTa masking")
    print()
    print("| attention | batch × seq | babyssa tokens/s | PyTorch tokens/s | babyssa / PyTorch | babyssa steps/s | PyTorch steps/s |")
    print("|---|---|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
