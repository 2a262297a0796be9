"""``spark-submit`` entry point for the Spark runner (a cluster, not ``local[N]``).

``eventwire spark`` starts its own local session; on a cluster, ``spark-submit`` owns the
session (master, executors, memory), so this script only takes the job's arguments and
calls :func:`eventwire.runners.spark.run_spark` with the session spark-submit created.

The executors need eventwire, spaCy and the model installed, i.e. the same Python
environment as the driver. The dependable way is a packed virtualenv shipped with the job
(``venv-pack``), because ``--py-files`` cannot carry compiled wheels such as spaCy's::

    python -m venv env && env/bin/pip install 'eventwire[spark]' && venv-pack -p env -o env.tar.gz
    PYSPARK_PYTHON=./env/bin/python spark-submit \\
        --master yarn --deploy-mode client \\
        --archives env.tar.gz#env \\
        --conf spark.pyspark.python=./env/bin/python \\
        "$(python -c 'import eventwire.runners.spark_submit as m; print(m.__file__)')" \\
        --input 'hdfs:///news/2021/*.jsonl' --output hdfs:///eventwire/2021 --partitions 400

(spark-submit wants the path of a Python file rather than ``-m module``; the ``python -c``
above prints this file's path.) Where eventwire is already installed on every node, only
the script path and the arguments are needed, and a pure-Python change to eventwire can be
shipped as ``--py-files eventwire.zip`` (a zip of ``src/eventwire``).

Settings come from ``EVENTWIRE_*`` environment variables as everywhere (set them on the
executors with ``--conf spark.executorEnv.EVENTWIRE_BATCH_SIZE=64`` etc.). The summary is
printed as JSON on stdout; exit code 0 when every article was ok, 1 when some were
rejected or failed (CONTRACT.md), 2 for an input that names nothing.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys


def main(argv: list[str] | None = None) -> int:
    from pyspark.sql import SparkSession

    from ..settings import Settings
    from .spark import SparkInputError, run_spark

    ap = argparse.ArgumentParser(prog="eventwire-spark-submit",
                                 description="Run eventwire on Spark; write Parquet tables.")
    ap.add_argument("--input", required=True, help="path, folder or glob (comma-separated)")
    ap.add_argument("--output", required=True, help="output folder (local path or URI)")
    ap.add_argument("--partitions", type=int, default=0, help="0: Spark's default")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("eventwire").setLevel(logging.INFO)
    spark = SparkSession.builder.appName("eventwire").getOrCreate()
    try:
        summary = run_spark(args.input, args.output, Settings.load(),
                            partitions=args.partitions or None)
    except SparkInputError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    finally:
        spark.stop()
    print(json.dumps(summary))
    return 0 if summary["bad"] == 0 else 1


if __name__ == "__main__":
    if __package__ in (None, ""):
        # Run as a file by spark-submit: import through the installed package instead.
        from eventwire.runners.spark_submit import main as _main

        sys.exit(_main())
    sys.exit(main())
