"""The PyTorch peer of npm run bench:train: the same DPO step as codeq's native trainer on the
same shapes and token ids. Qwen2 (RMSNorm, NEOX rotary embeddings, grouped-query attention with
q/k/v biases, SwiGLU), fp32, base weights frozen, LoRA on q, k, v, o, gate, up, down (A
Kaiming-uniform, B zero), logits only where a response token is predicted, DPO sigmoid loss,
AdamW. Weights are random: speed does not depend on their values. Prints one JSON object.

    python dpo_step.py --layers 24 --hidden 896 --ffn 4864 --heads 14 --kv-heads 2 --vocab 151936 \
        --prompt 128 --answer 64 --steps 4 --rank 8 --threads 2
"""
import argparse
import json
import math
import resource
import time

import torch
import torch.nn.functional as F


class Lora(torch.nn.Module):
    def __init__(self, inputs, outputs, rank, alpha, bias):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.randn(outputs, inputs) * 0.02, requires_grad=False)
        self.bias = torch.nn.Parameter(torch.zeros(outputs), requires_grad=False) if bias else None
        self.a = torch.nn.Parameter(torch.empty(rank, inputs))
        torch.nn.init.kaiming_uniform_(self.a, a=math.sqrt(5))
        self.b = torch.nn.Parameter(torch.zeros(outputs, rank))
        self.scale = alpha / rank

    def forward(self, x):
        return F.linear(x, self.weight, self.bias) + self.scale * F.linear(F.linear(x, self.a), self.b)


def rope(x, base):
    # x: [heads, n, dh]; NEOX: element i pairs with i + dh/2.
    n, dh = x.shape[1], x.shape[2]
    inv = base ** (-torch.arange(0, dh // 2, dtype=torch.float32) * 2 / dh)
    angles = torch.arange(n, dtype=torch.float32)[:, None] * inv[None, :]
    cos, sin = angles.cos(), angles.sin()
    x0, x1 = x[..., : dh // 2], x[..., dh // 2 :]
    return torch.cat([x0 * cos - x1 * sin, x0 * sin + x1 * cos], dim=-1)


class Block(torch.nn.Module):
    def __init__(self, a):
        super().__init__()
        dh = a.hidden // a.heads
        self.heads, self.kv_heads, self.dh, self.base = a.heads, a.kv_heads, dh, a.rope_base
        self.attn_norm = torch.nn.Parameter(torch.ones(a.hidden), requires_grad=False)
        self.ffn_norm = torch.nn.Parameter(torch.ones(a.hidden), requires_grad=False)
        r, al = a.rank, 2.0 * a.rank
        self.q = Lora(a.hidden, a.heads * dh, r, al, True)
        self.k = Lora(a.hidden, a.kv_heads * dh, r, al, True)
        self.v = Lora(a.hidden, a.kv_heads * dh, r, al, True)
        self.o = Lora(a.heads * dh, a.hidden, r, al, False)
        self.gate = Lora(a.hidden, a.ffn, r, al, False)
        self.up = Lora(a.hidden, a.ffn, r, al, False)
        self.down = Lora(a.ffn, a.hidden, r, al, False)

    def forward(self, x):
        n = x.shape[0]
        h = F.rms_norm(x, (x.shape[-1],), self.attn_norm, 1e-6)
        q = self.q(h).view(n, self.heads, self.dh).transpose(0, 1)
        k = self.k(h).view(n, self.kv_heads, self.dh).transpose(0, 1)
        v = self.v(h).view(n, self.kv_heads, self.dh).transpose(0, 1)
        q, k = rope(q, self.base), rope(k, self.base)
        group = self.heads // self.kv_heads
        k, v = k.repeat_interleave(group, 0), v.repeat_interleave(group, 0)
        att = F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(0, 1).reshape(n, -1)
        x = x + self.o(att)
        h = F.rms_norm(x, (x.shape[-1],), self.ffn_norm, 1e-6)
        return x + self.down(F.silu(self.gate(h)) * self.up(h))


class Model(torch.nn.Module):
    def __init__(self, a):
        super().__init__()
        self.embedding = torch.nn.Parameter(torch.randn(a.vocab, a.hidden) * 0.02, requires_grad=False)
        self.blocks = torch.nn.ModuleList(Block(a) for _ in range(a.layers))
        self.norm = torch.nn.Parameter(torch.ones(a.hidden), requires_grad=False)
        # Tied output (Qwen2.5-0.5B): the embedding is the output projection.
        self.output = self.embedding if a.tied else torch.nn.Parameter(torch.randn(a.vocab, a.hidden) * 0.02, requires_grad=False)

    def sequence_logp(self, tokens, first):
        x = self.embedding[tokens]
        for block in self.blocks:
            x = block(x)
        h = F.rms_norm(x[first - 1 : -1], (x.shape[-1],), self.norm, 1e-6)
        logits = F.linear(h, self.output).float()
        return torch.log_softmax(logits, -1).gather(-1, tokens[first:, None]).sum()


def ids(n, salt, vocab):
    return torch.tensor([(1009 * (i + 1) + 7919 * salt) % vocab for i in range(n)], dtype=torch.long)


def main():
    p = argparse.ArgumentParser()
    for name in ["layers", "hidden", "ffn", "heads", "kv-heads", "vocab", "prompt", "answer", "steps", "rank", "threads"]:
        p.add_argument(f"--{name}", type=int, required=True)
    p.add_argument("--rope-base", type=float, default=1000000.0)
    p.add_argument("--tied", action="store_true")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    started = time.perf_counter()
    model = Model(a)
    load_s = time.perf_counter() - started
    prompt = ids(a.prompt, 1, a.vocab)
    chosen = torch.cat([prompt, ids(a.answer, 2, a.vocab)])
    rejected = torch.cat([prompt, ids(a.answer, 3, a.vocab)])
    t = time.perf_counter()
    with torch.no_grad():
        ref_c, ref_r = model.sequence_logp(chosen, a.prompt), model.sequence_logp(rejected, a.prompt)
    ref_s = time.perf_counter() - t
    params = [q for q in model.parameters() if q.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=1e-5, weight_decay=0.0)
    times = []
    for _ in range(a.steps):
        t = time.perf_counter()
        margin = (model.sequence_logp(chosen, a.prompt) - model.sequence_logp(rejected, a.prompt)) - (ref_c - ref_r)
        loss = -F.logsigmoid(0.1 * margin)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        times.append(time.perf_counter() - t)
    step_s = sum(times[1:]) / max(1, len(times) - 1) if len(times) > 1 else times[0]
    print(json.dumps({
        "step_seconds": round(step_s, 4),
        "tokens_per_second": round(2 * (a.prompt + a.answer) / step_s, 2),
        "reference_seconds": round(ref_s, 3),
        "load_seconds": round(load_s, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
    }))


if __name__ == "__main__":
    main()
