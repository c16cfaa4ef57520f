#!/usr/bin/env python3
"""Writes the small sample traces in scenarios/traces/, one per public format.

They are drawn from known parameters (a seeded generator), so they can be rebuilt
exactly: python3 scripts/make-trace-fixtures.py
- azure.csv: two days of an Azure-style trace, a diurnal cycle peaking at 14:00 with
  peak-to-trough 3, about 1,900 requests, lognormal prompt and completion tokens.
- mooncake.jsonl: one hour of a Mooncake-style trace at 0.5 requests a second, prompts
  built from Zipf-popular openings (exponent 1.1 over 200 openings) of 512-token blocks.
- burstgpt.csv: six hours of a BurstGPT-style trace at 0.1 requests a second, two models
  (ChatGPT 80%, GPT-4 20%).
"""
import json
import math
import os
import random

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scenarios", "traces")


def lognormal(rng, mean, sd):
    sigma2 = math.log(1 + (sd / mean) ** 2)
    return max(1, round(rng.lognormvariate(math.log(mean) - sigma2 / 2, math.sqrt(sigma2))))


def diurnal_arrivals(rng, per_hour, hours, peak_to_trough, peak_hour):
    a = (peak_to_trough - 1) / (peak_to_trough + 1)
    top = per_hour * (1 + a) / 3600.0
    t = 0.0
    while True:
        t += rng.expovariate(top)
        if t >= hours * 3600:
            return
        h = (t / 3600.0) % 24
        if rng.random() * (1 + a) < 1 + a * math.cos(2 * math.pi * (h - peak_hour) / 24):
            yield t


def azure(rng):
    # 2023-11-16 00:00:00 UTC
    start = 1700092800
    with open(os.path.join(HERE, "azure.csv"), "w") as f:
        f.write("TIMESTAMP,ContextTokens,GeneratedTokens\n")
        for t in diurnal_arrivals(rng, 40, 48, 3.0, 14.0):
            whole = int(start + t)
            frac = int(round((start + t - whole) * 1e7))
            if frac >= 10_000_000:
                whole, frac = whole + 1, 0
            days, rest = divmod(whole, 86400)
            hh, rest = divmod(rest, 3600)
            mm, ss = divmod(rest, 60)
            # 1970-01-01 + days: 2023-11-16 is day 19677; the fixture stays in November.
            day = 16 + days - 19677
            stamp = f"2023-11-{day:02d} {hh:02d}:{mm:02d}:{ss:02d}.{frac:07d}"
            f.write(f"{stamp},{lognormal(rng, 1000, 800)},{lognormal(rng, 200, 150)}\n")


def zipf_sampler(rng, n, s):
    weights = [1 / (k ** s) for k in range(1, n + 1)]
    total = sum(weights)
    cumulative, acc = [], 0.0
    for w in weights:
        acc += w / total
        cumulative.append(acc)

    def draw():
        u = rng.random()
        lo, hi = 0, n - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if cumulative[mid] < u:
                lo = mid + 1
            else:
                hi = mid
        return lo + 1

    return draw


def mooncake(rng):
    key = zipf_sampler(rng, 200, 1.1)
    t = 0.0
    with open(os.path.join(HERE, "mooncake.jsonl"), "w") as f:
        while True:
            t += rng.expovariate(0.5)
            if t >= 3600:
                break
            k = key()
            tokens = lognormal(rng, 2000, 1500)
            blocks = [k * 64 + j for j in range(min(64, math.ceil(tokens / 512)))]
            f.write(json.dumps({"timestamp": int(t * 1000), "input_length": tokens,
                                "output_length": lognormal(rng, 300, 200), "hash_ids": blocks}) + "\n")


def burstgpt(rng):
    t = 0.0
    with open(os.path.join(HERE, "burstgpt.csv"), "w") as f:
        f.write("Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n")
        while True:
            t += rng.expovariate(0.1)
            if t >= 6 * 3600:
                break
            model = "GPT-4" if rng.random() < 0.2 else "ChatGPT"
            req = lognormal(rng, 600 if model == "ChatGPT" else 1500, 500)
            res = lognormal(rng, 250, 200)
            f.write(f"{round(t)},{model},{req},{res},{req + res},Conversation log\n")


rng = random.Random(20231116)
azure(rng)
mooncake(rng)
burstgpt(rng)
