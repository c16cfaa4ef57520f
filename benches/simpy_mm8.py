# SimPy's speed on the benchmark's M/M/8 station, against scalecost's on the same machine.
#
# The same station as benches/scenarios/mm8.yaml: Poisson arrivals at 800/s, exponential
# service with mean 8 ms, eight servers, an unbounded FIFO queue (utilisation 0.8). SimPy
# runs 10^6 requests; scalecost runs the scenario's 4 hours (about 1.15 x 10^7). The two
# are run in turn, three times, and the median of the paired ratios is printed, so load
# that comes and goes on the machine hits both alike.
#
#   pip install "simpy==4.1.*"
#   cargo build --release
#   python3 benches/simpy_mm8.py [path/to/scalecost]
#
# Not part of the test suite: it needs Python and SimPy, and it measures time.

import json
import random
import statistics
import subprocess
import sys
import time

import simpy

RATE_PER_S = 800.0
SERVICE_S = 0.008
SERVERS = 8
REQUESTS = 1_000_000


def simpy_run(seed):
    """Requests per second of wall time, and the mean time in system (ms)."""
    rng = random.Random(seed)
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=SERVERS)
    sojourn = [0.0, 0]

    def request(env):
        arrived = env.now
        with servers.request() as slot:
            yield slot
            yield env.timeout(rng.expovariate(1.0 / SERVICE_S))
        sojourn[0] += env.now - arrived
        sojourn[1] += 1

    def source(env):
        for _ in range(REQUESTS):
            yield env.timeout(rng.expovariate(RATE_PER_S))
            env.process(request(env))

    start = time.perf_counter()
    env.process(source(env))
    env.run()
    seconds = time.perf_counter() - start
    return REQUESTS / seconds, sojourn[0] / sojourn[1] * 1e3


def scalecost_run(binary):
    """Requests per second of wall time of `scalecost simulate` on the same station."""
    start = time.perf_counter()
    out = subprocess.run(
        [binary, "simulate", "benches/scenarios/mm8.yaml", "--format", "json", "-q", "--jobs", "1"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    seconds = time.perf_counter() - start
    result = json.loads(out)["results"][0]
    requests = sum(h["arrivals"] for h in result["timeline"])
    return requests / seconds, result["latency_ms"]["mean"]


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else "target/release/scalecost"
    ratios, ours, theirs = [], [], []
    for seed in range(3):
        a, our_latency = scalecost_run(binary)
        b, their_latency = simpy_run(seed)
        ours.append(a)
        theirs.append(b)
        ratios.append(a / b)
    print(f"SimPy {simpy.__version__}, M/M/8 at rho 0.8 (paired, median of 3):")
    print(
        f"  scalecost {statistics.median(ours) / 1e6:.2f}M requests/s, "
        f"SimPy {statistics.median(theirs) / 1e3:.1f}k/s: "
        f"scalecost is {statistics.median(ratios):.0f}x as fast"
    )
    print(f"  mean latency {our_latency:.2f} ms (scalecost) and {their_latency:.2f} ms (SimPy)")


if __name__ == "__main__":
    main()
