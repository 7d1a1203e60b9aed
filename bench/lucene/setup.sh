#!/bin/sh
# setup.sh — Lucene for bench/compare.py, in bench/.lucene (ignored by git).
#
# Maven Central is out of reach here; PyPI is not, and pyserini 0.21.0's
# wheel carries Anserini's jar with Lucene 9.4.2 inside (Apache-2.0; built
# for Java 11, so Debian 12's OpenJDK 17 runs it).  Only its Lucene and
# Jackson classes are used.  Needs pip, unzip and a JDK:
#   apt-get install openjdk-17-jdk-headless unzip
set -eu
here=$(cd "$(dirname "$0")" && pwd)
dest="$here/../.lucene"
wheel=pyserini-0.21.0-py3-none-any.whl
jar=pyserini/resources/jars/anserini-0.21.0-fatjar.jar

command -v javac >/dev/null || { echo "setup.sh: no javac (apt-get install openjdk-17-jdk-headless)" >&2; exit 1; }
mkdir -p "$dest"
if [ ! -f "$dest/lucene.jar" ]; then
    python3 -m pip download --quiet --no-deps "pyserini==0.21.0" -d "$dest/download"
    unzip -q -o -j "$dest/download/$wheel" "$jar" -d "$dest"
    mv "$dest/anserini-0.21.0-fatjar.jar" "$dest/lucene.jar"
    rm -rf "$dest/download"
fi
rm -rf "$dest/classes"
javac -nowarn -d "$dest/classes" -cp "$dest/lucene.jar" "$here/LuceneBench.java"
echo "setup.sh: Lucene ready in $dest"
