"""An independent reference: recomputes every number of each widget's data contract with numpy.

Reads a JSON list of cases ({"kind": positions kind, "data": the widget's embedded JSON}) and
recomputes, from the embeddings and the weight matrices alone, what PyTorch's conventions give:
sinusoidal positions (Attention Is All You Need), rotary positions (RoFormer, pairs (2i, 2i+1)
turned by pos * base^(-2i/d_k)), each head's q = x W_q^T, k, v, scaled scores, softmax weights
and output, the heads concatenated and multiplied by W_O^T. Exits non-zero on any disagreement
beyond 1e-12 relative (absolute below 1), naming the case and the field.
"""
import json
import sys

import numpy as np

TOLERANCE = 1e-12


def sinusoidal(n, d):
    pe = np.zeros((n, d))
    pos = np.arange(n)[:, None]
    for c in range(d):
        i2 = c - c % 2
        angle = pos[:, 0] / np.power(10000.0, i2 / d)
        pe[:, c] = np.sin(angle) if c % 2 == 0 else np.cos(angle)
    return pe


def rotate(m, base):
    n, d_k = m.shape
    out = m.copy()
    for i in range(d_k // 2):
        theta = base ** (-2.0 * i / d_k)
        angle = np.arange(n) * theta
        c, s = np.cos(angle), np.sin(angle)
        a, b = m[:, 2 * i], m[:, 2 * i + 1]
        out[:, 2 * i] = a * c - b * s
        out[:, 2 * i + 1] = a * s + b * c
    return out


def softmax_rows(scores, allowed):
    masked = np.where(allowed, scores, -np.inf)
    top = masked.max(axis=1, keepdims=True)
    e = np.where(allowed, np.exp(masked - top), 0.0)
    return e / e.sum(axis=1, keepdims=True)


worst = 0.0


def agree(case, field, ours, reference):
    global worst
    ours = np.array([[np.nan if x is None else x for x in row] for row in ours], dtype=float)
    if ours.shape != reference.shape:
        sys.exit(f"case {case}: {field} has shape {ours.shape}, the reference {reference.shape}")
    both_nan = np.isnan(ours) & np.isnan(reference)
    err = np.where(both_nan, 0.0, np.abs(ours - reference) / np.maximum(1.0, np.abs(reference)))
    if np.isnan(err).any() or err.max(initial=0.0) > TOLERANCE:
        i, j = np.unravel_index(np.nanargmax(np.where(np.isnan(err), np.inf, err)), err.shape)
        sys.exit(f"case {case}: {field}[{i}][{j}] is {ours[i, j]!r}, the reference {reference[i, j]!r}")
    worst = max(worst, err.max(initial=0.0))


def check(case, kind, data):
    x = np.array(data["embeddings"], dtype=float)
    n, d = x.shape
    if kind == "sinusoidal":
        agree(case, "positions", data["positions"], sinusoidal(n, d))
        x = x + sinusoidal(n, d)
    elif kind == "learned":
        x = x + np.array(data["positions"], dtype=float)
    mask = data["mask"]
    if mask == "none":
        allowed = np.ones((n, n), dtype=bool)
    elif mask == "causal":
        allowed = np.tril(np.ones((n, n), dtype=bool))
    else:
        allowed = np.array(mask, dtype=bool)
    heads = data.get("heads") or [data]
    outputs = []
    for h, head in enumerate(heads):
        w_q, w_k, w_v = (np.array(head[w], dtype=float) for w in ("w_q", "w_k", "w_v"))
        q, k, v = x @ w_q.T, x @ w_k.T, x @ w_v.T
        if kind == "rope":
            base = data["rope"]["base"]
            q, k = rotate(q, base), rotate(k, base)
        scale = 1.0 / np.sqrt(q.shape[1]) if data["scale_is_default"] else data["scale"]
        scores = (q @ k.T) * scale
        weights = softmax_rows(scores, allowed)
        output = weights @ v
        name = f"heads[{h}]." if "heads" in data else ""
        agree(case, name + "q", head["q"], q)
        agree(case, name + "k", head["k"], k)
        agree(case, name + "v", head["v"], v)
        agree(case, name + "scores", head["scores"], np.where(allowed, scores, np.nan))
        agree(case, name + "weights", head["weights"], weights)
        agree(case, name + "output", head["output"], output)
        outputs.append(output)
    if "w_o" in data:
        combined = np.concatenate(outputs, axis=1) @ np.array(data["w_o"], dtype=float).T
        agree(case, "combined", data["combined"], combined)
    elif len(heads) > 1:
        sys.exit(f"case {case}: several heads but no w_o")


cases = json.load(open(sys.argv[1]))
for number, c in enumerate(cases):
    check(number, c["kind"], c["data"])
print(f"numpy reference: {len(cases)} widgets agree, largest relative difference {worst:.1e}")
