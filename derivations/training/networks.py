"""The two networks: an MLP on concatenated operand embeddings (default) and a one-layer transformer.

torch is imported inside :func:`build`, so importing this module costs nothing without the extra.
"""

from __future__ import annotations

from typing import Any


def build(model: str, p: int, width: int, embed: int) -> Any:
    """A fresh ``torch.nn.Module`` mapping a (n, 2) long tensor of operands to (n, p) logits.

    Initialized from torch's global generator: seed it first (the loop does).
    """
    import torch
    from torch import nn

    class MLP(nn.Module):
        """Shared embedding of each operand, concatenated, one ReLU layer, logits (Power et al.'s task, small)."""

        def __init__(self) -> None:
            super().__init__()
            self.embed = nn.Embedding(p, embed)
            self.hidden = nn.Linear(2 * embed, width)
            self.out = nn.Linear(width, p)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.out(torch.relu(self.hidden(self.embed(x).flatten(1))))

    class Transformer(nn.Module):
        """Tokens a, b, '=' with learned positions; one pre-norm block of 4 heads; logits read at '='."""

        def __init__(self) -> None:
            super().__init__()
            self.embed = nn.Embedding(p + 1, width)  # token p is '='
            self.position = nn.Parameter(torch.randn(3, width) * 0.02)
            self.block = nn.TransformerEncoderLayer(width, 4, 4 * width, dropout=0.0, batch_first=True,
                                                    norm_first=True)
            self.out = nn.Linear(width, p)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            equals = torch.full((x.shape[0], 1), p, dtype=x.dtype)
            h = self.embed(torch.cat([x, equals], dim=1)) + self.position
            return self.out(self.block(h)[:, -1])

    return {"mlp": MLP, "transformer": Transformer}[model]()
