"""Checks of the PyTorch peer that need torch only (no transformers):  python3 -m unittest bench/peer/test_peer.py"""
import os
import sys
import unittest

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ssa_attention import ssa_attention_forward, ssa_probs  # noqa: E402
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
