"""The shared corpora as the end-to-end tests find them: which ones to run on,
or why the test cannot run (ctest SKIP) or must fail."""
import os
import shutil

SKIP = 77


def pick(galley, shared, only, work, log):
    """Return (names, None) with the corpus names (the NAME of each
    shared/corpora/NAME.jsonl.zst, sorted, limited to `only` when given) and
    the work directory created, or ([], exit status) after logging why."""
    corpora_dir = os.path.join(shared, "corpora")
    if not os.path.isdir(corpora_dir):
        log("SKIP: %s not found: the shared corpora are not available" % corpora_dir)
        return [], SKIP
    if shutil.which("zstd") is None:
        log("SKIP: the zstd command is not installed")
        return [], SKIP
    if not os.access(galley, os.X_OK):
        log("FAIL: galley binary %s not found or not executable" % galley)
        return [], 1
    names = sorted(f[:-len(".jsonl.zst")] for f in os.listdir(corpora_dir)
                   if f.endswith(".jsonl.zst"))
    if only:
        names = [n for n in names if n in only]
    if not names:
        log("SKIP: no *.jsonl.zst corpus in %s" % corpora_dir)
        return [], SKIP
    os.makedirs(work, exist_ok=True)
    return names, None
