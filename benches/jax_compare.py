"""Time one log density + gradient of the same MMM in mmm (Rust) and in JAX, in the same run.

    cargo build --release --example density_probe
    python3 -m venv /work/venv-jax && /work/venv-jax/bin/pip install "jax[cpu]"
    /work/venv-jax/bin/python benches/jax_compare.py            # the example and the daily model

For each case the script runs `target/release/examples/density_probe` (ours: it prints the
density's scaled inputs, its parameters with priors and supports, log density and gradient at 20
seeded points θ ~ uniform(−1, 1), and the thread CPU time of one `logp_grad`), builds the same
log density on θ in JAX (float64, same priors, bijector Jacobians, adstock, saturation,
seasonality and likelihood), checks that JAX's value and gradient agree with ours at the 20
points, then times JAX's jitted `value_and_grad` two ways:

- `call`: one jitted call per point from Python, `block_until_ready` after each (what a sampler
  driven from Python pays);
- `scan`: the 20 points evaluated one after another inside one jitted `lax.scan`, so Python's
  dispatch is not counted (what a sampler compiled into XLA, like numpyro's, pays).

Each figure is the fastest of 5 repetitions of at least 0.3 s; JAX is timed in process CPU time
(all of XLA's threads) and wall time, ours in thread CPU time.

Cases: `example` (models/pymc_marketing_example.toml on its data: 179 weeks, 2 channels, lag 8)
and `daily` (synthetic daily data, 1826 days x 30 channels x lag 30, 5 controls).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
AGREE_REL = 1e-8
REPEATS = 5
MIN_SECONDS = 0.3


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--probe", type=Path, default=REPO / "target" / "release" / "examples" / "density_probe")
    p.add_argument("--model", type=Path, default=REPO / "models" / "pymc_marketing_example.toml")
    p.add_argument("--daily", default="1826,30,30", help="rows,channels,max_lag of the synthetic case")
    p.add_argument("--skip-daily", action="store_true")
    p.add_argument("--json", type=Path, help="also write the results here")
    return p.parse_args()


def probe(args: argparse.Namespace, case: str) -> dict:
    if case == "example":
        cmd = [str(args.probe), str(args.model)]
    else:
        cmd = [str(args.probe), "--synthetic", *args.daily.split(",")]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def build_logp(d: dict):
    """The density of `d` (a probe's output) on θ, in JAX."""
    import jax.numpy as jnp
    from jax.nn import log_sigmoid, sigmoid
    from jax.scipy.special import betaln, gammaln

    spec = tomllib.loads(d["model_toml"])
    if spec.get("likelihood", {}).get("family", "normal") != "normal":
        sys.exit("jax_compare: only the normal likelihood is built here")
    if spec.get("trend", {}).get("type", "none") != "none":
        sys.exit("jax_compare: only models without a trend are built here")
    params = d["parameters"]
    by_kind: dict[str, list[int]] = {}
    for i, p in enumerate(params):
        by_kind.setdefault(p["kind"], []).append(i)

    obs = jnp.asarray(d["obs"])
    n = obs.shape[0]
    spend = jnp.asarray(d["spend"])  # (C, T)
    controls = jnp.asarray(d["controls"]).reshape(-1, n)  # (K, T)
    channels = spec["channel"]
    lags = [ch["adstock"]["max_lag"] for ch in channels]
    for ch in channels:
        if ch["adstock"]["type"] != "geometric" or ch["saturation"]["type"] not in ("logistic", "hill"):
            sys.exit("jax_compare: geometric adstock with logistic or Hill saturation only")
    if len(set(lags)) != 1 or len({ch["adstock"].get("normalize", True) for ch in channels}) != 1:
        sys.exit("jax_compare: every channel must share max_lag and normalize")
    lag = lags[0]
    normalize = channels[0]["adstock"].get("normalize", True)
    # shifted[c, l, t] = x_c[t − l] (0 before the first row): a_c = Σ_l w_cl · shifted[c, l].
    shifted = jnp.stack(
        [jnp.pad(spend, ((0, 0), (l, 0)))[:, :n] for l in range(lag)], axis=1
    )
    season = spec.get("seasonality")
    if season:
        order, period = season["order"], season.get("period", 365.25)
        doy = jnp.asarray(d["day_of_year"])
        freq = [2 * math.pi * (j + 1) / period for j in range(order)]
        fourier = jnp.stack([jnp.sin(f * doy) for f in freq] + [jnp.cos(f * doy) for f in freq])
    else:
        fourier = jnp.zeros((0, n))
    hill = [ch["saturation"]["type"] == "hill" for ch in channels]
    lag_index = jnp.arange(lag, dtype=obs.dtype)
    half_log_2pi = 0.5 * math.log(2 * math.pi)

    def prior(p, x):
        dist = p["dist"]
        if dist == "normal":
            return -0.5 * ((x - p["mu"]) / p["sigma"]) ** 2 - math.log(p["sigma"]) - half_log_2pi
        if dist == "half_normal":
            return math.log(2) - 0.5 * (x / p["sigma"]) ** 2 - math.log(p["sigma"]) - half_log_2pi
        if dist == "gamma":
            a, b = p["shape"], p["rate"]
            return a * math.log(b) - gammaln(a) + (a - 1) * jnp.log(x) - b * x
        if dist == "beta":
            a, b = p["alpha"], p["beta"]
            return -betaln(a, b) + (a - 1) * jnp.log(x) + (b - 1) * jnp.log1p(-x)
        if dist == "laplace":
            return -math.log(2 * p["b"]) - jnp.abs(x - p["mu"]) / p["b"]
        sys.exit(f"jax_compare: prior {dist} is not built here")

    def constrain(support, u):
        if support == "real":
            return u, 0.0
        if support == "positive":
            return jnp.exp(u), u
        if support == "unit_interval":
            return sigmoid(u), log_sigmoid(u) + log_sigmoid(-u)
        sys.exit(f"jax_compare: support {support} is not built here")

    def logp(theta):
        lp = 0.0
        xs = []
        for i, p in enumerate(params):
            x, log_jac = constrain(p["support"], theta[i])
            lp = lp + prior(p["prior"], x) + log_jac
            xs.append(x)
        x = jnp.stack(xs)
        take = lambda kind: x[jnp.asarray(by_kind.get(kind, []), dtype=int)]
        alpha = take("alpha")
        w = alpha[:, None] ** lag_index[None, :]
        if normalize:
            w = w / w.sum(axis=1, keepdims=True)
        a = jnp.einsum("cl,clt->ct", w, shifted)
        beta = take("beta")
        sat = []
        lam, k, s = take("lam"), take("k"), take("s")
        li = hi = 0
        for c in range(len(channels)):
            if hill[c]:
                ac = a[c]
                r = ac ** s[hi] / (k[hi] ** s[hi] + ac ** s[hi])
                sat.append(jnp.where(ac > 0, r, 0.0))
                hi += 1
            else:
                e = jnp.exp(-lam[li] * a[c])
                sat.append((1 - e) / (1 + e))
                li += 1
        mu = x[by_kind["intercept"][0]] + beta @ jnp.stack(sat)
        if by_kind.get("gamma"):
            mu = mu + take("gamma") @ controls
        if by_kind.get("fourier"):
            mu = mu + take("fourier") @ fourier
        sigma = x[by_kind["sigma"][0]]
        r = obs - mu
        lik = -n * half_log_2pi - n * jnp.log(sigma) - 0.5 * jnp.sum(r * r) / sigma**2
        return lp + lik

    return logp


def fastest(run_once) -> tuple[float, float]:
    """(process CPU s, wall s) per evaluation: run_once() returns the number of evaluations."""
    best_cpu = best_wall = math.inf
    for _ in range(REPEATS):
        cpu0, wall0, calls = time.process_time(), time.perf_counter(), 0
        while time.perf_counter() - wall0 < MIN_SECONDS:
            calls += run_once()
        best_cpu = min(best_cpu, (time.process_time() - cpu0) / calls)
        best_wall = min(best_wall, (time.perf_counter() - wall0) / calls)
    return best_cpu, best_wall


def compare(args: argparse.Namespace, case: str) -> dict:
    import jax
    import jax.numpy as jnp

    d = probe(args, case)
    logp = build_logp(d)
    vg = jax.jit(jax.value_and_grad(logp))
    points = jnp.asarray(d["points"])
    worst = 0.0
    for q, lp_ours, g_ours in zip(points, d["logp"], d["grad"]):
        lp, g = vg(q)
        worst = max(worst, abs(float(lp) - lp_ours) / max(1.0, abs(lp_ours)))
        for gj, go in zip(g.tolist(), g_ours):
            worst = max(worst, abs(gj - go) / max(1.0, abs(go)))
    if not worst <= AGREE_REL:
        sys.exit(f"jax_compare: {case}: JAX and mmm disagree (max relative difference {worst:.2e})")

    def calls_once() -> int:
        for q in points:
            jax.block_until_ready(vg(q))
        return len(points)

    @jax.jit
    def scan_all(qs):
        def body(acc, q):
            v, g = jax.value_and_grad(logp)(q)
            return acc + v + g.sum(), None

        return jax.lax.scan(body, 0.0, qs)[0]

    jax.block_until_ready(scan_all(points))

    def scan_once() -> int:
        jax.block_until_ready(scan_all(points))
        return len(points)

    call_cpu, call_wall = fastest(calls_once)
    scan_cpu, scan_wall = fastest(scan_once)
    ours = d["seconds_per_logp_grad"]
    n, c = d["n_periods"], len(d["spend"])
    return {
        "case": case,
        "periods": n,
        "channels": c,
        "dim": len(d["parameters"]),
        "max_relative_difference": worst,
        "mmm_us": ours * 1e6,
        "mmm_sampled_coordinates_us": d["seconds_per_logp_grad_sampled_coordinates"] * 1e6,
        "mmm_clock": d["clock"],
        "mmm_ns_per_period_channel": ours * 1e9 / (n * c),
        "jax_call_cpu_us": call_cpu * 1e6,
        "jax_call_wall_us": call_wall * 1e6,
        "jax_scan_cpu_us": scan_cpu * 1e6,
        "jax_scan_wall_us": scan_wall * 1e6,
    }


def main() -> None:
    args = parse_args()
    import jax

    jax.config.update("jax_enable_x64", True)
    rows = [compare(args, "example")]
    if not args.skip_daily:
        rows.append(compare(args, "daily"))
    print(f"jax {jax.__version__}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    print("| case | T x C | mmm µs | mmm ns per period·channel | JAX scan µs (CPU / wall) | JAX call µs (CPU / wall) | JAX scan / mmm |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['case']} | {r['periods']} x {r['channels']} | {r['mmm_us']:.2f} | "
            f"{r['mmm_ns_per_period_channel']:.2f} | {r['jax_scan_cpu_us']:.2f} / {r['jax_scan_wall_us']:.2f} | "
            f"{r['jax_call_cpu_us']:.2f} / {r['jax_call_wall_us']:.2f} | "
            f"{min(r['jax_scan_cpu_us'], r['jax_scan_wall_us']) / r['mmm_us']:.2f} |"
        )
    print(f"(values and gradients agree to {max(r['max_relative_difference'] for r in rows):.1e} relative at 20 points per case)")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
