#!/usr/bin/env python3
"""galley devices and galley bench index, end to end, on the bundled sample.

  - `galley devices --json` is a JSON list; each device has the fields the
    issue names (name, vendor, type, compute units, clock, memory, max
    allocation, OpenCL C version, driver).
  - `galley bench index --device all --json F` builds once per device: every
    run succeeds with the sample's document count, the same index bytes per
    table on every device (the tokenizer is byte-identical everywhere), stage
    seconds that are not negative, every stage's waits (input, order, room),
    commits inside the writer's time, each stage's busy share and the busiest
    named as the pace, each stage's CPU seconds (none negative, their sum
    within the process's), no pinned memory on the reference path, and device copy/kernel figures that are
    zero on the reference path and, on an OpenCL device, positive (event
    profiling), with every text byte uploaded once.
  - `--compare F` against the same file prints ratios of 1.00x.
  - `--repeat 3` builds three times and reports the build of median wall time,
    with all three; 0, 17 or a word is a usage error.
  - `galley index -q` on a device, its kernels compiled afresh, prints nothing.
  - the default device (auto) is the first GPU, else the first device that
    is not a CPU, else the host reference path; a CPU device builds when
    named by number.
  - `galley bench postings INDEX --bounds` walks the index twice (its figures,
    then the bounds); both walks must see the same positions and the same
    bytes of each part, and every bound must be positive.
Without an OpenCL device the device checks are skipped with a note.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE = os.path.join(HERE, "..", "samples", "news.jsonl")
DEVICE_FIELDS = ["index", "name", "platform", "vendor", "type", "compute_units", "max_clock_mhz",
                 "global_mem_bytes", "max_alloc_bytes", "opencl_c_version", "driver_version"]

failures = 0


def check(cond, msg):
    global failures
    if not cond:
        failures += 1
        print("FAIL: " + msg, flush=True)


def run(argv):
    p = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    return p.returncode, p.stdout, p.stderr


def built_on(galley, idx):
    """The device `galley stats` says idx was built on."""
    rc, out, _ = run([galley, "stats", idx])
    m = re.search(r"^build: +device=(.*?) batch_mb=", out, re.M)
    return m.group(1) if rc == 0 and m else None


def check_auto_device(galley, tmp, devices, env):
    """--device auto (the default) takes the first GPU, else the first device
    that is not a CPU, else the host reference path; a CPU device only by
    number."""
    gpus = [d for d in devices if d["type"] == "GPU"]
    others = [d for d in devices if d["type"] != "CPU"]
    want = (gpus or others)[0]["name"] if others else "reference (host C)"
    idx = os.path.join(tmp, "auto")
    p = subprocess.run([galley, "index", "-q", "-o", idx, SAMPLE], capture_output=True,
                       text=True, timeout=600, env=env)
    check(p.returncode == 0, "index, default device: exit %d: %s" % (p.returncode, p.stderr))
    got = built_on(galley, idx)
    check(got == want, "the default device built on %r, want %r (devices: %s)"
          % (got, want, [(d["name"], d["type"]) for d in devices]))
    for d in devices:
        if d["type"] != "CPU":
            continue
        idx = os.path.join(tmp, "cpu-%d" % d["index"])
        p = subprocess.run([galley, "index", "-q", "--device", str(d["index"]), "-o", idx,
                            SAMPLE], capture_output=True, text=True, timeout=600, env=env)
        got = built_on(galley, idx)
        check(p.returncode == 0 and got == d["name"], "--device %d (a CPU): exit %d, built on "
              "%r, want %r" % (d["index"], p.returncode, got, d["name"]))
        break


def check_postings_bounds(galley, tmp):
    idx = os.path.join(tmp, "bounds")
    rc, out, err = run([galley, "index", "-q", "--device", "ref", "-o", idx, SAMPLE])
    check(rc == 0, "index for bench postings: exit %d: %s" % (rc, err.strip()))
    rc, out, err = run([galley, "bench", "postings", idx, "--bounds"])
    check(rc == 0, "bench postings --bounds: exit %d: %s" % (rc, err.strip()))
    if rc != 0:
        return
    lines = out.splitlines()
    positions = int(lines[0].split("positions ")[1])
    part_bpp = dict(re.findall(r"(doc gaps|tfs|positions) ([0-9.]+)", lines[3]))
    # the bounds sections: "<kind>: N positions", then a row per part
    kinds = {}
    for i, line in enumerate(lines):
        m = re.match(r"^(words|bigrams|entity keys): (\d+) positions", line)
        if m:
            rows = {}
            for row in lines[i + 2:i + 5]:
                # (bytes per position, MB) for stored, Rice and the bound
                name, vals = row[:12].strip(), re.findall(r"([0-9.]+) +([0-9.]+) MB", row)
                rows[name] = [(float(bpp), float(mb)) for bpp, mb in vals]
            kinds[m.group(1)] = (int(m.group(2)), rows)
    check("words" in kinds, "bench postings --bounds printed no words section:\n" + out)
    check(sum(n for n, _ in kinds.values()) == positions,
          "bounds count %r positions, the walk %d" % ({k: v[0] for k, v in kinds.items()},
                                                       positions))
    for part in ("doc gaps", "tfs", "positions"):
        stored_mb = sum(rows[part][0][1] for _, rows in kinds.values())
        want_mb = float(part_bpp[part]) * positions / 1e6
        # both are rounded: to 1 kB, and to 0.001 byte per position
        check(abs(stored_mb - want_mb) <= 0.001 * len(kinds) + 0.0005 * positions / 1e6 + 1e-9,
              "%s: %.1f MB in the bounds, %.4f MB in the walk" % (part, stored_mb, want_mb))
        for name, (_, rows) in kinds.items():
            check(len(rows[part]) == 3 and all(bpp > 0 for bpp, _ in rows[part][1:]) or
                  part == "tfs",  # a sample whose tfs are all 1 has nothing to code
                  "%s %s: %r" % (name, part, rows[part]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--galley", required=True)
    a = ap.parse_args()
    ndocs = sum(1 for line in open(SAMPLE, encoding="utf-8") if line.strip())

    rc, out, err = run([a.galley, "devices", "--json"])
    check(rc == 0, "devices --json: exit %d: %s" % (rc, err.strip()))
    devices = json.loads(out) if rc == 0 else []
    check(isinstance(devices, list), "devices --json is not a list")
    for d in devices:
        missing = [f for f in DEVICE_FIELDS if f not in d]
        check(not missing, "device %r lacks %s" % (d.get("name"), missing))
    if not devices:
        print("note: no OpenCL device: only the reference path is benchmarked")

    with tempfile.TemporaryDirectory() as tmp:
        js = os.path.join(tmp, "bench.json")
        env = dict(os.environ, TMPDIR=tmp)
        p = subprocess.run([a.galley, "bench", "index", SAMPLE, "--device", "all", "--json", js],
                           capture_output=True, text=True, timeout=600, env=env)
        check(p.returncode == 0, "bench index: exit %d: %s" % (p.returncode, p.stderr.strip()))
        if p.returncode != 0:
            sys.exit(1)
        check("seconds and share of wall time per stage" in p.stdout + p.stderr,
              "bench index printed no stage table")
        p_first_out = p.stdout
        doc = json.load(open(js))
        runs = doc["runs"]
        check(len(runs) == 1 + len(devices), "%d runs for %d devices + ref" % (len(runs), len(devices)))
        tables = None
        for r in runs:
            name = r.get("spec", "?")
            check(r.get("ok") is True, "%s: run failed: %s" % (name, r.get("error")))
            if not r.get("ok"):
                continue
            check(r["docs"] == ndocs, "%s: %d docs, the sample has %d" % (name, r["docs"], ndocs))
            for k in ("read_sec", "compress_sec", "tokenize_sec", "entities_sec", "encode_sec",
                      "write_sec", "h2d_sec", "kernel_sec", "d2h_sec"):
                check(r[k] >= 0, "%s: %s is %r" % (name, k, r[k]))
            check(r["mb_per_s"] > 0 and r["peak_rss_bytes"] > 0 and r["index_ratio"] > 0,
                  "%s: rate, RSS or size missing" % name)
            # every stage's waits, and the commits inside the writer's time
            waits = r.get("waits", {})
            check(sorted(waits) == sorted(["read", "compress", "tokenize", "encode", "write"]) and
                  all(sorted(w) == ["input", "order", "room"] and min(w.values()) >= 0
                      for w in waits.values()), "%s: waits are %r" % (name, waits))
            check(0 < r["commit_sec"] <= r["write_sec"],
                  "%s: commit %r s of write %r s" % (name, r["commit_sec"], r["write_sec"]))
            # each stage's busy share per thread, and the busiest named as the pace
            load = r.get("load", {})
            check(sorted(load) == sorted(waits) and min(load.values()) >= 0 and
                  r.get("pace") in load and load[r["pace"]] == max(load.values()),
                  "%s: load %r, pace %r" % (name, load, r.get("pace")))
            # each stage's threads' CPU seconds: every stage, none negative,
            # and no more between them than the process used
            cpu = r.get("cpu", {})
            stages = sorted(waits)
            check(sorted(cpu) == sorted(stages + ["other"]) and
                  min(cpu[k] for k in stages) >= 0 and cpu["other"] >= -0.05,
                  "%s: cpu %r (user %r + sys %r)" % (name, cpu, r["user_sec"], r["sys_sec"]))
            # pinned memory: none on the reference path; on a device, none
            # that the heap had to stand in for
            check(r["pinned_bytes"] == 0 and r["pinned_heap_bytes"] == 0 if name == "ref"
                  else r["pinned_heap_bytes"] == 0,
                  "%s: pinned %r, on the heap %r" % (name, r["pinned_bytes"],
                                                     r["pinned_heap_bytes"]))
            if tables is None:
                tables = r["tables"]
            check(r["tables"] == tables, "%s: table sizes differ from the first run's" % name)
            check(0 <= r["entity_host_docs"] <= r["docs"],
                  "%s: %r documents' entities redone on the host" % (name, r["entity_host_docs"]))
            if name == "ref":
                check(r["h2d_bytes"] == 0 and r["kernel_sec"] == 0 and not r.get("kernels") and
                      r["entity_host_docs"] == 0, "ref: device figures are not zero")
            else:
                check(r["h2d_bytes"] > 0 and r["d2h_bytes"] > 0 and r["kernel_sec"] > 0,
                      "%s: no device copy or kernel time recorded" % name)
                # text goes up once, for the tokenizer; the entity kernels
                # read it where the tokenizer left it
                raw = r["raw_bytes"]
                check(r["h2d_bytes"] < 2 * raw + 65536,
                      "%s: %d bytes uploaded for %d of text" % (name, r["h2d_bytes"], raw))
                # kernel time by kernel: the tokenizer's and the entity finder's, adding up
                kernels = r.get("kernels", {})
                check("gal_entity_docs" in kernels and len(kernels) >= 3,
                      "%s: kernel times by kernel missing: %r" % (name, kernels))
                total = sum(k["sec"] for k in kernels.values())
                check(abs(total - r["kernel_sec"]) <= 1e-6 + 1e-3 * r["kernel_sec"],
                      "%s: kernels add up to %g s, kernel_sec is %g" % (name, total, r["kernel_sec"]))
        p = subprocess.run([a.galley, "bench", "index", SAMPLE, "--device", "ref", "--compare", js],
                           capture_output=True, text=True, timeout=600, env=env)
        check(p.returncode == 0, "bench --compare: exit %d: %s" % (p.returncode, p.stderr.strip()))
        check("ratio new/old" in p.stdout + p.stderr, "--compare printed no ratios")
        # --repeat: three builds, the figures those of the median one
        js3 = os.path.join(tmp, "repeat.json")
        p = subprocess.run([a.galley, "bench", "index", SAMPLE, "--device", "ref", "--repeat", "3",
                            "--json", js3], capture_output=True, text=True, timeout=600, env=env)
        check(p.returncode == 0, "bench --repeat 3: exit %d: %s" % (p.returncode, p.stderr.strip()))
        if p.returncode == 0:
            r = json.load(open(js3))["runs"][0]
            walls = r.get("repeat_seconds", [])
            check(len(walls) == 3 and r["seconds"] == sorted(walls)[1],
                  "--repeat 3: seconds %r, builds %r" % (r["seconds"], walls))
            check("wall s of its 3 builds" in p.stdout, "--repeat 3 did not list the builds")
        check(doc.get("text_level") == 3 and "stored text at zstd level 3" in p_first_out,
              "default text level: JSON %r" % doc.get("text_level"))
        check(doc.get("keep_cache") is False and
              "written pages dropped from the page cache" in p_first_out,
              "default page cache: JSON keep_cache %r" % doc.get("keep_cache"))
        # which copy of the encoder ran (common/cpu_clones.h), said both ways
        code = doc.get("encoder_code")
        check(code in ("x86-64-v3", "x86-64", "baseline") and
              "encoder code for %s;" % code in p_first_out,
              "encoder code: JSON %r, corpus line %r" % (code, p_first_out.splitlines()[:1]))
        # how many threads parse JSON Lines and TREC, and WARC: one and two
        # unless asked (index_build.c, reader.h), said both ways
        nread, nwarc = doc.get("read_threads"), doc.get("warc_read_threads")
        check(nread == 1 and nwarc == 2 and
              "JSON Lines and TREC parsed on 1 thread, WARC on 2\n" in p_first_out,
              "read threads: JSON %r and %r, corpus line %r"
              % (nread, nwarc, p_first_out.splitlines()[:1]))
        # --text-level 0: the text stored as it is, said in the table and the
        # JSON; --keep-cache likewise
        js0 = os.path.join(tmp, "raw.json")
        p = subprocess.run([a.galley, "bench", "index", SAMPLE, "--device", "ref", "--text-level",
                            "0", "--keep-cache", "--read-threads", "2", "--json", js0],
                           capture_output=True, text=True, timeout=600, env=env)
        check(p.returncode == 0 and "stored text as it is" in p.stdout and
              "written pages kept in the page cache" in p.stdout,
              "bench --text-level 0 --keep-cache: exit %d: %s" % (p.returncode, p.stderr.strip()))
        if p.returncode == 0:
            raw_doc = json.load(open(js0))
            r = raw_doc["runs"][0]
            check(raw_doc.get("keep_cache") is True, "--keep-cache: JSON keep_cache %r"
                  % raw_doc.get("keep_cache"))
            check(raw_doc.get("read_threads") == 2 and raw_doc.get("warc_read_threads") == 2 and
                  "JSON Lines and TREC parsed on 2 threads, WARC on 2" in p.stdout,
                  "--read-threads 2: JSON read_threads %r" % raw_doc.get("read_threads"))
            check(raw_doc.get("text_level") == 0 and r["tables"]["text"] >= r["raw_bytes"] >
                  tables["text"], "--text-level 0: level %r, text table %r of %r raw (%r at 3)"
                  % (raw_doc.get("text_level"), r["tables"]["text"], r["raw_bytes"],
                     tables["text"]))
        for bad in ("0", "17", "x"):
            p = subprocess.run([a.galley, "bench", "index", SAMPLE, "--repeat", bad],
                               capture_output=True, text=True, timeout=60, env=env)
            check(p.returncode == 2 and "--repeat" in p.stderr,
                  "--repeat %s: exit %d: %s" % (bad, p.returncode, p.stderr.strip()))
        if devices:
            # -q means a silent build, even while the driver compiles the
            # kernels afresh (PoCL once printed a line per compile when galley
            # gave it a work-group method it did not know)
            cold = dict(env, POCL_CACHE_DIR=os.path.join(tmp, "cold-cache"))
            cold.pop("POCL_WORK_GROUP_METHOD", None)
            os.mkdir(cold["POCL_CACHE_DIR"])
            p = subprocess.run([a.galley, "index", "-q", "-o", os.path.join(tmp, "quiet"), SAMPLE,
                                "--device", str(devices[0]["index"])],
                               capture_output=True, text=True, timeout=600, env=cold)
            check(p.returncode == 0 and p.stderr == "",
                  "index -q, cold kernel cache: exit %d, stderr %r" % (p.returncode, p.stderr))
        check_auto_device(a.galley, tmp, devices, env)
        check_postings_bounds(a.galley, tmp)
    if failures:
        print("bench_cli: %d failure(s)" % failures)
        sys.exit(1)
    print("bench_cli: ok")


if __name__ == "__main__":
    main()
