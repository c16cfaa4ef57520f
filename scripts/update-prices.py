#!/usr/bin/env python3
# Refreshes assets/prices/litellm.json, the model price catalogue compiled into scalecost.
#
# Usage: python3 scripts/update-prices.py [LITELLM_VERSION]
#
# It runs `pip download --no-deps litellm==VERSION` into a temporary folder, reads
# `litellm/model_prices_and_context_window_backup.json` and the MIT licence out of the
# wheel (a zip file), and writes beside this repository's copy:
#   assets/prices/litellm.json     per model only the prices scalecost uses, in dollars
#                                  per token, one model per line so a refresh diffs well
#   assets/prices/LICENSE-litellm  the licence the data is published under
# The version is pinned (below) so that two runs give the same file; pass another
# version to move it, then rebuild. Only the standard library and pip are needed.

import datetime
import json
import os
import subprocess
import sys
import tempfile
import zipfile

PINNED_VERSION = "1.110.2"
CATALOGUE_IN_WHEEL = "litellm/model_prices_and_context_window_backup.json"

# LiteLLM's field → ours. Long-prompt tiers (`_above_200k_tokens`), priority and flex
# prices are left out: the simulator prices every token of a tier alike.
FIELDS = {
    "input_cost_per_token": "input",
    "output_cost_per_token": "output",
    "cache_read_input_token_cost": "cache_read",
    "cache_creation_input_token_cost": "cache_write",
    "input_cost_per_token_batches": "batch_input",
    "output_cost_per_token_batches": "batch_output",
}


def number(value):
    """A price as a finite non-negative number, or None (some entries hold strings)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if value != value or value < 0 or value == float("inf"):
        return None
    return float(value)


def compact(raw):
    models = {}
    for name, entry in raw.items():
        if name == "sample_spec" or not isinstance(entry, dict):
            continue
        # Only models priced per token can be priced by the simulator.
        if number(entry.get("input_cost_per_token")) is None:
            continue
        if number(entry.get("output_cost_per_token")) is None:
            continue
        model = {
            "provider": str(entry.get("litellm_provider", "")),
            "mode": str(entry.get("mode", "")),
        }
        for theirs, ours in FIELDS.items():
            value = number(entry.get(theirs))
            if value is not None:
                model[ours] = value
        context = entry.get("max_input_tokens")
        if isinstance(context, int) and not isinstance(context, bool) and context > 0:
            model["context_tokens"] = context
        models[name] = model
    return models


def main():
    version = sys.argv[1] if len(sys.argv) > 1 else PINNED_VERSION
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out_dir = os.path.join(root, "assets", "prices")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
             f"litellm=={version}", "-d", tmp],
            check=True,
        )
        wheels = [f for f in os.listdir(tmp) if f.endswith(".whl")]
        if len(wheels) != 1:
            sys.exit(f"expected one wheel in {tmp}, found {wheels}")
        with zipfile.ZipFile(os.path.join(tmp, wheels[0])) as wheel:
            raw = json.loads(wheel.read(CATALOGUE_IN_WHEEL))
            licences = [n for n in wheel.namelist()
                        if n.endswith("dist-info/licenses/LICENSE")]
            if not licences:
                sys.exit("the wheel carries no dist-info/licenses/LICENSE")
            licence = wheel.read(licences[0]).decode("utf-8")
    models = compact(raw)
    header = {
        "source": f"LiteLLM {version} (PyPI package litellm), {CATALOGUE_IN_WHEEL}",
        "litellm_version": version,
        "extracted": datetime.date.today().isoformat(),
        "licence": "MIT; see LICENSE-litellm beside this file",
        "units": "US dollars per token",
    }
    lines = ["{"]
    for key, value in header.items():
        lines.append(f"  {json.dumps(key)}: {json.dumps(value)},")
    lines.append('  "models": {')
    entries = [f"    {json.dumps(name)}: {json.dumps(models[name], separators=(',', ':'))}"
               for name in sorted(models)]
    lines.append(",\n".join(entries))
    lines.append("  }")
    lines.append("}")
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "litellm.json"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(out_dir, "LICENSE-litellm"), "w", encoding="utf-8") as f:
        f.write(licence)
    print(f"wrote {len(models)} models from litellm {version} to {out_dir}")


if __name__ == "__main__":
    main()
