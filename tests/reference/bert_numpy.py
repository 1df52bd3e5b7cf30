"""An independent BERT encoder in numpy, for tests/model.rs.

Reads model.safetensors directly (an 8-byte header length, a JSON header, raw little-endian
f32), runs the encoder in float64 exactly as Hugging Face's BertModel does in eval mode, and
compares every layer's every head's attention weights with the ones our core computed, to 1e-6.
Usage: bert_numpy.py FOLDER CASES.json
"""
import json
import math
import struct
import sys

import numpy as np

folder, cases_path = sys.argv[1], sys.argv[2]
with open(f"{folder}/model.safetensors", "rb") as f:
    (header_len,) = struct.unpack("<Q", f.read(8))
    header = json.loads(f.read(header_len))
    data = f.read()
config = json.load(open(f"{folder}/config.json"))


def tensor(name):
    meta = header.get(name) or header[f"bert.{name}"]
    start, end = meta["data_offsets"]
    assert meta["dtype"] == "F32"
    return np.frombuffer(data[start:end], dtype="<f4").reshape(meta["shape"]).astype(np.float64)


def layer_norm(x, p, eps=config["layer_norm_eps"]):
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * tensor(p + ".weight") + tensor(p + ".bias")


def linear(x, p):
    return x @ tensor(p + ".weight").T + tensor(p + ".bias")


erf = np.vectorize(math.erf)


def encode(ids):
    n = len(ids)
    x = (tensor("embeddings.word_embeddings.weight")[ids]
         + tensor("embeddings.position_embeddings.weight")[:n]
         + tensor("embeddings.token_type_embeddings.weight")[0])
    x = layer_norm(x, "embeddings.LayerNorm")
    heads, hidden = config["num_attention_heads"], config["hidden_size"]
    d = hidden // heads
    attentions = []
    for i in range(config["num_hidden_layers"]):
        p = f"encoder.layer.{i}"
        q, k, v = (linear(x, f"{p}.attention.self.{w}") for w in ("query", "key", "value"))
        split = lambda m: m.reshape(n, heads, d).transpose(1, 0, 2)
        q, k, v = split(q), split(k), split(v)
        scores = q @ k.transpose(0, 2, 1) / math.sqrt(d)
        scores -= scores.max(axis=-1, keepdims=True)
        w = np.exp(scores)
        w /= w.sum(axis=-1, keepdims=True)
        attentions.append(w)
        context = (w @ v).transpose(1, 0, 2).reshape(n, hidden)
        x = layer_norm(linear(context, f"{p}.attention.output.dense") + x, f"{p}.attention.output.LayerNorm")
        inner = linear(x, f"{p}.intermediate.dense")
        inner = 0.5 * inner * (1.0 + erf(inner / math.sqrt(2.0)))
        x = layer_norm(linear(inner, f"{p}.output.dense") + x, f"{p}.output.LayerNorm")
    return attentions


worst = 0.0
cases = json.load(open(cases_path))
for case in cases:
    reference = encode(case["ids"])
    ours = np.array(case["attention"], dtype=float)
    if ours.shape != np.array(reference).shape:
        sys.exit(f"{case['text']!r}: shape {ours.shape}, the reference {np.array(reference).shape}")
    err = np.abs(ours - np.array(reference)).max()
    if err > 1e-6:
        sys.exit(f"{case['text']!r}: attention differs from the reference by {err:.2e}")
    worst = max(worst, err)
print(f"numpy BERT: {len(cases)} sentences, every layer's every head agrees; largest difference {worst:.1e}")
