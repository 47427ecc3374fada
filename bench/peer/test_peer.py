"""Checks of the PyTorch peer that need torch only (no transformers):  python3 -m unittest bench/peer/test_peer.py"""
import contextlib
import copy
import io
import json
import os
import sys
import tempfile
import threading
import unittest
from types import SimpleNamespace
from unittest import mock

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ensemble import ADAMW, Ensemble, clip_per_member_, masked_lm_loss, tied_aliases  # noqa: E402
import grid_peer  # noqa: E402
import grid_table  # noqa: E402
from grid_peer import SSA_N, grid_variants, parse_args, timed, wait_for_peers  # noqa: E402
from ssa_attention import mixed_attention_forward, ssa_attention_forward, ssa_probs  # noqa: E402
from train_peer import FIRST_ORDINARY_ID, IGNORE, MASK_ID, babyberta_mask, random_batch  # noqa: E402


class FakeSelfAttention(torch.nn.Module):
    def __init__(self, n, b):
        super().__init__()
        self.ssa_n, self.ssa_b = torch.nn.Parameter(n), torch.nn.Parameter(b)


class SsaTest(unittest.TestCase):
    def test_matches_the_power_form(self):
        torch.manual_seed(0)
        scores = torch.randn(2, 3, 4, 5, dtype=torch.float64) * 3
        for n, b in [(torch.tensor([1.5]), torch.tensor([0.8])), (torch.tensor([1.0, 2.0, 1.5]), torch.tensor([0.5, 1.0, 2.0]))]:
            n64, b64 = n.double().view(1, -1, 1, 1), b.double().view(1, -1, 1, 1)
            w = (1 + b64 * scores.abs()) ** (n64 * torch.sign(scores))
            torch.testing.assert_close(ssa_probs(scores, None, n.double(), b.double()), w / w.sum(-1, keepdim=True))

    def test_paper_example_row(self):
        row = torch.tensor([[[[0.5, 0.4, 0.3, 0.2, 10.0]]]])
        self.assertAlmostEqual(float(ssa_probs(row, None, torch.tensor([1.5]), torch.tensor([0.8]))[..., -1]), 0.823, places=3)
        self.assertAlmostEqual(float(ssa_probs(row, None, torch.tensor([2.0]), torch.tensor([1.0]))[..., -1]), 0.943, places=3)

    def test_masked_keys_get_zero_weight_and_gradients_stay_finite(self):
        torch.manual_seed(1)
        keep = torch.tensor([True, True, False, True, False]).view(1, 1, 1, 5)
        n, b = torch.tensor([1.5], requires_grad=True), torch.tensor([0.8], requires_grad=True)
        scores = torch.randn(2, 2, 5, 5)
        probs = ssa_probs(scores, keep, n, b)
        self.assertTrue(torch.all(probs[..., ~keep.view(-1)] == 0))
        changed = scores.clone()
        changed[..., ~keep.view(-1)] = 1e4
        torch.testing.assert_close(ssa_probs(changed, keep, n, b), probs)
        (probs * torch.randn_like(probs)).sum().backward()
        self.assertTrue(torch.isfinite(n.grad).all() and torch.isfinite(b.grad).all() and n.grad.abs().sum() > 0)

    def test_approaches_softmax_for_large_m(self):
        torch.manual_seed(2)
        scores = torch.randn(1, 1, 3, 6, dtype=torch.float64)
        errors = [float((ssa_probs(scores, None, torch.tensor([m]), torch.tensor([1 / m])) - scores.softmax(-1)).abs().max())
                  for m in (1.0, 10.0, 1000.0)]
        self.assertTrue(errors[0] > errors[1] > errors[2] and errors[2] < 1e-3, errors)

    def test_attention_function_takes_bool_or_additive_masks(self):
        torch.manual_seed(3)
        q, k, v = (torch.randn(2, 3, 4, 8) for _ in range(3))  # [B, H, T, D]
        keep = torch.tensor([[1, 1, 1, 0], [1, 1, 1, 1]], dtype=torch.bool)[:, None, None, :].expand(2, 1, 4, 4)
        additive = torch.zeros(keep.shape).masked_fill(~keep, torch.finfo(torch.float32).min)
        module = FakeSelfAttention(torch.tensor([1.5, 2.0, 1.0]), torch.tensor([0.8, 1.0, 0.5])).eval()
        out, probs = ssa_attention_forward(module, q, k, v, keep, scaling=8 ** -0.5)
        out2, _ = ssa_attention_forward(module, q, k, v, additive, scaling=8 ** -0.5)
        self.assertEqual(tuple(out.shape), (2, 4, 3, 8))  # [B, T, H, D]
        torch.testing.assert_close(out, out2)
        scores = q @ k.transpose(-1, -2) / 8 ** 0.5
        torch.testing.assert_close(probs, ssa_probs(scores, keep, module.ssa_n, module.ssa_b))


    def test_mixed_attention_follows_the_flag(self):
        torch.manual_seed(4)
        q, k, v = (torch.randn(2, 3, 4, 8) for _ in range(3))  # [B, H, T, D]
        keep = torch.tensor([[1, 1, 0, 1], [1, 1, 1, 1]], dtype=torch.bool)[:, None, None, :]
        module = FakeSelfAttention(torch.tensor([2.0]), torch.tensor([0.8])).eval()
        scores = q @ k.transpose(-1, -2) / 8 ** 0.5
        for flag, expected_probs in [(True, scores.masked_fill(~keep, float("-inf")).softmax(-1)),
                                     (False, ssa_attention_forward(module, q, k, v, keep)[1])]:
            module.use_softmax = torch.tensor([flag])
            out, probs = mixed_attention_forward(module, q, k, v, keep)
            torch.testing.assert_close(probs, expected_probs)
            torch.testing.assert_close(out, (expected_probs @ v).transpose(1, 2))


class TinyMaskedLM(torch.nn.Module):
    """Enough of RobertaForMaskedLM for the ensemble: a decoder tied to the embedding, one attention block through
    mixed_attention_forward (n, b and the softmax flag on the module, as fresh_mixed leaves them), dropout, and
    `model(input_ids=..., labels=...)` with .logits, and .loss when labels are given (transformers' loss)."""

    def __init__(self, use_softmax=True, n=1.5, dropout=0.0, vocab=12, hidden=8, heads=2):
        super().__init__()
        self.heads, self.dropout = heads, dropout
        self.embed = torch.nn.Embedding(vocab, hidden)
        self.qkv = torch.nn.Linear(hidden, 3 * hidden)
        self.norm = torch.nn.LayerNorm(hidden)
        self.decoder = torch.nn.Linear(hidden, vocab)
        self.decoder.weight = self.embed.weight
        self.ssa_n = torch.nn.Parameter(torch.tensor([n]), requires_grad=False)
        self.ssa_b = torch.nn.Parameter(torch.tensor([0.8]), requires_grad=False)
        self.register_buffer("use_softmax", torch.tensor([use_softmax]))
        self.config = SimpleNamespace(vocab_size=vocab, _attn_implementation="tiny")

    def forward(self, input_ids, labels=None):
        x = self.embed(input_ids)  # [B, T, C]
        b, t, c = x.shape
        q, k, v = self.qkv(x).view(b, t, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4).unbind(0)  # [B, H, T, D]
        attended, _ = mixed_attention_forward(self, q, k, v, None, dropout=self.dropout)  # [B, T, H, D]
        logits = self.decoder(self.norm(x + attended.reshape(b, t, c)))  # [B, T, V]
        loss = None if labels is None else torch.nn.functional.cross_entropy(logits.view(-1, logits.shape[-1]), labels.view(-1))
        return SimpleNamespace(logits=logits, loss=loss)


def tiny_member(preset, variant, seed, device, impl):
    """grid_peer.build_member's stand-in: a TinyMaskedLM of the variant (the attention through the flag, whatever impl)."""
    torch.manual_seed(seed)
    return TinyMaskedLM(use_softmax=variant == "softmax", n=SSA_N[variant] or 1.5, dropout=0.1)


def member_batches(count, members, seed=1):
    """count steps of one masked batch [B = 4, T = 6] per member: [(inputs, labels)] per step, per member."""
    g = torch.Generator().manual_seed(seed)
    return [[babyberta_mask(random_batch(4, 6, 12, g), 12, g) for _ in range(members)] for _ in range(count)]


class EnsembleTest(unittest.TestCase):
    def test_one_ensemble_step_is_k_independent_steps(self):
        torch.manual_seed(0)
        models = [TinyMaskedLM(use_softmax=s, n=n).double() for s, n in [(True, 1.5), (False, 1.5), (False, 2.0)]]
        alone = copy.deepcopy(models)
        max_norm = 7.0  # below some members' gradient norms, above others': both sides of the clip are exercised
        ensemble = Ensemble(models, max_norm=max_norm)
        optimizers = [torch.optim.AdamW(m.parameters(), **ADAMW) for m in alone]
        norms = []
        for step in member_batches(3, len(models)):
            losses = ensemble.step(torch.stack([x for x, _ in step]), torch.stack([y for _, y in step]))
            for model, optimizer, (x, y), loss in zip(alone, optimizers, step, losses):
                expected = model(input_ids=x, labels=y).loss
                optimizer.zero_grad()
                expected.backward()
                norms.append(float(torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)))
                optimizer.step()
                torch.testing.assert_close(loss, expected.detach())
        self.assertTrue(min(norms) < max_norm < max(norms), norms)
        for i, model in enumerate(alone):
            member = ensemble.member(i)
            for name, p in model.named_parameters():
                torch.testing.assert_close(member[name], p.detach(), msg=name)
            self.assertIs(member["decoder.weight"], member["embed.weight"])
        for before, after in zip(copy.deepcopy(alone), models):  # the ensemble copied its models
            self.assertFalse(torch.equal(before.qkv.weight, after.qkv.weight))

    def test_members_draw_their_own_dropout_masks(self):
        torch.manual_seed(0)
        (x, y), = member_batches(1, 1)[0]
        for p, same in [(0.5, False), (0.0, True)]:
            twins = [TinyMaskedLM(dropout=p) for _ in range(2)]
            twins[1].load_state_dict(twins[0].state_dict())
            losses = Ensemble(twins).step(torch.stack([x, x]), torch.stack([y, y]))
            self.assertEqual(bool(losses[0] == losses[1]), same, losses)

    def test_masked_lm_loss_is_transformers_loss(self):
        torch.manual_seed(6)
        (x, y), = member_batches(1, 1)[0]
        logits = torch.randn(*x.shape, 12)
        torch.testing.assert_close(masked_lm_loss(logits, y), torch.nn.functional.cross_entropy(logits.view(-1, 12), y.view(-1)))

    def test_tied_weights_are_found(self):
        self.assertEqual(tied_aliases(TinyMaskedLM()), {"decoder.weight": "embed.weight"})

    def test_clip_per_member(self):
        torch.manual_seed(5)
        for scales in [(0.01, 100.0), (3.0, 3.0), (0.0, 1.0)]:
            grads = [torch.randn(2, 3, 4), torch.randn(2, 5)]
            for g in grads:
                g.mul_(torch.tensor(scales).view(-1, *[1] * (g.dim() - 1)))
            stacked = [torch.zeros_like(g).requires_grad_() for g in grads]
            for p, g in zip(stacked, grads):
                p.grad = g.clone()
            norms = clip_per_member_(stacked, 1.0)
            for k in range(2):
                alone = [torch.zeros_like(g[k]).requires_grad_() for g in grads]
                for p, g in zip(alone, grads):
                    p.grad = g[k].clone()
                torch.testing.assert_close(norms[k], torch.nn.utils.clip_grad_norm_(alone, 1.0))
                for p, q in zip(stacked, alone):
                    torch.testing.assert_close(p.grad[k], q.grad)


class GridPeerTest(unittest.TestCase):
    def test_grid_variants(self):
        self.assertEqual(grid_variants("mixed", 4), ["softmax", "ssa-1.5", "ssa-2", "softmax"])
        self.assertEqual(grid_variants("ssa-2", 2), ["ssa-2", "ssa-2"])

    def test_bad_arguments_are_one_line_errors(self):
        for argv in [["--mode", "eager", "--k", "3"], ["--mode", "compile", "--attention", "mixed"],
                     ["--mode", "eager", "--processes", "3", "--json", "p.json"], ["--mode", "vmap", "--processes", "2"],
                     ["--mode", "vmap", "--k", "1,x"], ["--mode", "vmap", "--k", "1,3", "--json", "out.json"],
                     ["--mode", "vmap", "--k", "0"], ["--mode", "eager", "--seq", "200"]]:
            with self.assertRaises(SystemExit, msg=argv), open(os.devnull, "w") as null:
                stderr, sys.stderr = sys.stderr, null
                try:
                    parse_args(argv)
                finally:
                    sys.stderr = stderr
        self.assertEqual(parse_args(["--mode", "vmap", "--k", "1,3,9,15", "--json", "o/k{k}.json"]).k, [1, 3, 9, 15])

    def test_timed_excludes_the_warmup(self):
        calls = []
        timing = timed(lambda i: calls.append(i) or torch.tensor(float(i)), 3, 5, torch.device("cpu"))
        self.assertEqual(calls, list(range(8)))
        self.assertEqual(timing["lastLoss"], 7.0)
        self.assertLessEqual(timing["startedAt"], timing["endedAt"])

    def test_peers_start_together(self):
        with tempfile.TemporaryDirectory() as folder:
            passed, results = [], []
            threads = [threading.Thread(target=lambda: results.append(wait_for_peers(folder, 3, timeout_s=30)))
                       for _ in range(2)]
            for t in threads:
                t.start()
            threads[0].join(0.2)
            passed.append(any(t.is_alive() for t in threads))  # two of three ready: both still wait
            open(os.path.join(folder, "third.ready"), "w").close()
            for t in threads:
                t.join(30)
            self.assertEqual(passed, [True])
            self.assertEqual([r["complete"] for r in results], [True, True])
        with tempfile.TemporaryDirectory() as folder:
            self.assertEqual(wait_for_peers(folder, 2, timeout_s=0.05)["complete"], False)


class GridPeerRunTest(unittest.TestCase):
    """grid_peer's modes end to end, with TinyMaskedLM standing in for RobertaForMaskedLM (no transformers here)."""

    def run_main(self, *argv):
        with tempfile.TemporaryDirectory() as folder, mock.patch.object(grid_peer, "build_member", tiny_member), \
                contextlib.redirect_stderr(io.StringIO()):
            grid_peer.main([*argv, "--batch", "4", "--seq", "6", "--steps", "3", "--warmup", "2", "--device", "cpu",
                            "--json", os.path.join(folder, "r-{k}.json")])
            results = {}
            for name in sorted(os.listdir(folder)):
                with open(os.path.join(folder, name)) as f:
                    results[name] = json.load(f)
            return results

    def test_vmap_writes_one_result_per_k(self):
        for mixing, ensembles in [("split", [["softmax"], ["ssa-1.5", "ssa-2"]]), ("select", [["softmax", "ssa-1.5", "ssa-2"]])]:
            results = self.run_main("--mode", "vmap", "--attention", "mixed", "--k", "1,3", "--mixing", mixing)
            self.assertEqual(sorted(results), ["r-1.json", "r-3.json"])
            three = results["r-3.json"]
            self.assertEqual(three["variants"], ["softmax", "ssa-1.5", "ssa-2"])
            self.assertAlmostEqual(three["modelStepsPerSecond"], 3 * three["stepsPerSecond"])
            self.assertEqual([e["members"] for e in three["vmap"]["ensembles"]], ensembles)
            self.assertEqual((three["vmap"]["mixing"], len(three["lastLoss"])), (mixing, 3))
            self.assertEqual(results["r-1.json"]["vmap"]["ensembles"], [{"attnImplementation": "tiny", "members": ["softmax"]}])

    def test_eager_trains_one_model(self):
        result = self.run_main("--mode", "eager", "--attention", "ssa-2")["r-1.json"]
        self.assertEqual((result["k"], result["variants"], result["steps"]), (1, ["ssa-2"], 3))
        self.assertIn("matmulAllowTf32", result["precision"])

    def test_processes_run_one_member_each_behind_one_barrier(self):
        commands = []

        class Child:
            def __init__(self, command, **kwargs):
                commands.append(command)

            def poll(self):
                self.returncode = 0
                return 0

        with tempfile.TemporaryDirectory() as folder, mock.patch.object(grid_peer.subprocess, "Popen", Child), \
                contextlib.redirect_stderr(io.StringIO()):
            with self.assertRaises(SystemExit) as exited:
                grid_peer.main(["--mode", "eager", "--attention", "mixed", "--processes", "3", "--seed", "5",
                                "--json", os.path.join(folder, "p{i}.json")])
            self.assertEqual(exited.exception.code, 0)
            children = [parse_args(command[2:]) for command in commands]
            self.assertEqual([(c.attention, c.seed, os.path.basename(c.json), c.barrier_count, c.processes) for c in children],
                             [("softmax", 5, "p0.json", 3, 1), ("ssa-1.5", 6, "p1.json", 3, 1), ("ssa-2", 7, "p2.json", 3, 1)])
            self.assertEqual(len({c.barrier for c in children}), 1)


class GridTableTest(unittest.TestCase):
    def test_ours_rates_in_the_shapes_a_bench_may_write(self):
        for data, expected in [
            ({"results": [{"k": 1, "modelStepsPerSecond": 180.0}, {"k": 9, "modelStepsPerSecond": 1000.0}]},
             {1: (180.0, "modelStepsPerSecond"), 9: (1000.0, "modelStepsPerSecond")}),
            ([{"k": 3, "stepsPerSecond": 100.0}], {3: (300.0, "stepsPerSecond x K")}),
            (grid_table.parse('{"k": 15, "modelStepsPerSecond": 1500}\n{"k": 1, "modelStepsPerSecond": 1}\n'),
             {15: (1500.0, "modelStepsPerSecond"), 1: (1.0, "modelStepsPerSecond")}),
            (grid_table.parse("not json"), {}),
            ({"stepsPerSecond": 5.0}, {}),
        ]:
            self.assertEqual(grid_table.ours_rates(data), expected, data)

    def test_best_pytorch_grid_and_ratios(self):
        files = {"vmap-select-k9.json": {"modelStepsPerSecond": 150.0}, "vmap-split-k9.json": {"modelStepsPerSecond": 120.0},
                 "compile-softmax-16x32.json": {"modelStepsPerSecond": 186.0},
                 "eager-softmax-16x32.json": {"modelStepsPerSecond": 50.0}}
        for i in range(9):  # 9 processes of 44 model-steps/s, 2,000 steps in 45 s, the last ending 0.8 s after the first
            files[f"processes-compile-{i}.json"] = {"modelStepsPerSecond": 44.0, "steps": 2000, "seconds": 45.0,
                                                    "startedAt": 0.0, "endedAt": 45.0 + 0.1 * i}
        t = grid_table.together(grid_table.processes(files))
        self.assertAlmostEqual(t["sum"], 396.0)
        self.assertAlmostEqual(t["span"], 18000 / 45.8)
        self.assertAlmostEqual(t["overlap"], 1.0)
        rows = grid_table.grid_rows(files, {1: (180.0, ""), 9: (1000.0, "")})
        self.assertEqual(rows[0], "| 1 | 180.0 | - | - | 186.0 | 186.0 (compiled) | **0.97** |")
        self.assertEqual(rows[2], "| 9 | 1,000.0 | 150.0 | 120.0 | 396.0 | 396.0 (compiled) | **2.53** |")
        self.assertEqual(rows[3], "| 15 | - | - | - | - | - | - |")


class MaskingTest(unittest.TestCase):
    def test_babyberta_masking(self):
        g = torch.Generator().manual_seed(0)
        ids = random_batch(4000, 6, 100, g)
        inputs, labels = babyberta_mask(ids, 100, g)
        chosen = labels != IGNORE
        self.assertTrue(chosen.any(dim=1).all())  # at least one target per sequence
        self.assertFalse(chosen[:, 0].any() or chosen[:, -1].any())  # never <s> or </s>
        self.assertTrue(torch.equal(labels[chosen], ids[chosen]))
        self.assertTrue(torch.equal(inputs[~chosen], ids[~chosen]))
        masked = (inputs[chosen] == MASK_ID).float().mean()
        self.assertAlmostEqual(float(masked), 0.9, delta=0.02)
        replaced = inputs[chosen][inputs[chosen] != MASK_ID]
        self.assertTrue(bool((replaced >= FIRST_ORDINARY_ID).all()))
        # 4 inner tokens at p = .15, redrawn when none: E[chosen] = 4 * .15 / (1 - .85^4)
        self.assertAlmostEqual(float(chosen.sum(1).float().mean()), 0.6 / (1 - 0.85 ** 4), delta=0.03)


if __name__ == "__main__":
    unittest.main()
