#!/usr/bin/env python3
"""galley index --mpi under a real launcher, then galley merge.

`mpirun -n 3 galley index --mpi -o DIR INPUTS` (Open MPI, more ranks than
cores) must write DIR/shard-1..3, each table byte for byte the index that
`galley index --shard K/3` writes of the same inputs; `galley merge` of
DIR/shard-* must write one index of the inputs byte for byte.  With --device auto and no GPU, every rank takes the device auto
takes alone (the ranks of a node spread over its GPUs only).  A rank that
fails (an input missing) must make mpirun fail.
Skipped (77) when mpirun is not Open MPI's, or mdb_dump is missing.
"""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import relcommon as rc_  # noqa: E402
from test_merge import TABLES, build, merge, write_parts  # noqa: E402


def launcher():
    """Open MPI's mpirun and the environment it needs to run as root too."""
    mpirun = shutil.which("mpirun")
    if mpirun is None:
        rc_.skip("mpirun is not installed (Debian: openmpi-bin)")
    version = subprocess.run([mpirun, "--version"], capture_output=True, text=True).stdout
    if "Open MPI" not in version:
        rc_.skip("mpirun is not Open MPI's: %s" % version.strip()[:80])
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMPI_MCA_btl="self")  # the ranks never talk: no network transports
    return mpirun, env


def check_all(a, f):
    if shutil.which("mdb_dump") is None:
        rc_.skip("mdb_dump (lmdb-utils) is not installed")
    mpirun, env = launcher()
    parts, _ = write_parts(a)
    out = os.path.join(a.work, "ranks")
    rc, _, err = rc_.run([mpirun, "-n", "3", "--oversubscribe", a.galley, "index", "--mpi", "-q",
                          "--device", "ref", "--batch-mb", "1", "-o", out] + parts,
                         timeout=600, env=env)
    if not f.check(rc == 0, "mpirun -n 3 galley index --mpi: exit %d: %s" % (rc, err.strip())):
        return
    f.check(sorted(os.listdir(out)) == ["shard-1", "shard-2", "shard-3"],
            "mpirun wrote %s" % sorted(os.listdir(out)))
    for k in (1, 2, 3):
        alone = os.path.join(a.work, "shard-%d" % k)
        build(a, f, alone, "--shard", "%d/3" % k, *parts)
        for t in TABLES:
            f.check(rc_.dump_table(os.path.join(out, "shard-%d" % k), t) == rc_.dump_table(alone, t),
                    "rank %d's table %s differs from --shard %d/3's" % (k - 1, t, k))
    whole = os.path.join(a.work, "whole")
    build(a, f, whole, *parts)
    merged = os.path.join(a.work, "merged")
    rc, _, err = merge(a, merged, *[os.path.join(out, "shard-%d" % k) for k in (1, 2, 3)])
    f.check(rc == 0, "merge of the ranks' shards: exit %d: %s" % (rc, err.strip()))
    for t in TABLES:
        f.check(rc_.dump_table(merged, t) == rc_.dump_table(whole, t),
                "table %s of the merged ranks differs from one index of the inputs" % t)
    print("mpirun -n 3: shards as --shard K/3 writes them; merged, one index of the inputs "
          "byte for byte")
    # --device auto: each rank's place on the node picks among the GPUs; with
    # none (here a CPU device, which auto leaves to the reference path), every
    # rank takes what auto takes alone
    auto = os.path.join(a.work, "ranks-auto")
    rc, _, err = rc_.run([mpirun, "-n", "2", "--oversubscribe", a.galley, "index", "--mpi", "-q",
                          "--device", "auto", "--batch-mb", "1", "-o", auto, parts[0]],
                         timeout=600, env=env)
    f.check(rc == 0, "mpirun -n 2 galley index --mpi --device auto: exit %d: %s" % (rc, err.strip()))
    alone = os.path.join(a.work, "auto-alone")
    rc, _, err = rc_.run([a.galley, "index", "-q", "--device", "auto", "--batch-mb", "1",
                          "--shard", "2/2", "-o", alone, parts[0]], timeout=600)
    f.check(rc == 0, "index --device auto --shard 2/2: exit %d: %s" % (rc, err.strip()))
    if rc == 0:
        # the device, not the threads (a launcher may bind a rank to fewer cores)
        built = [rc_.stats(a.galley, d)["build"].split(" batch_mb=")[0]
                 for d in (os.path.join(auto, "shard-1"), os.path.join(auto, "shard-2"), alone)]
        f.check(built[0] == built[1] == built[2],
                "the ranks' devices differ from auto's alone on a machine without a GPU: %s" % built)
        print("mpirun --device auto: every rank on %s" % built[0])
    rc, _, err = rc_.run([mpirun, "-n", "2", "--oversubscribe", a.galley, "index", "--mpi", "-q",
                          "--device", "ref", "-o", os.path.join(a.work, "failed"),
                          os.path.join(a.work, "no-such-input")], timeout=300, env=env)
    f.check(rc != 0 and "no-such-input" in err, "a rank without its input: exit %d: %s"
            % (rc, err.strip()[-300:]))


def main():
    a = rc_.parse_args(__doc__.splitlines()[0])
    rc_.run_checks(a, rc_.Failures("mpi"), check_all)


if __name__ == "__main__":
    main()
