"""``tfstyle beam``: stylize every image (and clip) a glob matches with Apache Beam, on any runner (extra ``[beam]``).

Options tfstyle does not know (``--direct_num_workers 2``, ``--project``, ``--region``, ``--temp_location``,
...) are Beam's pipeline options and go to ``PipelineOptions`` as they are.
"""
from __future__ import annotations

import argparse
import time

from tfstyle.cli.common import Parser, check_preset, image_side, positive_int
from tfstyle.errors import OptionError, TfstyleError

EPILOG = """examples:
  tfstyle beam --input 'photos/**' --output styled/ --style wave                       # local, one worker
  tfstyle beam --input 'photos/**' --output styled/ --style wave --direct_num_workers 4
  tfstyle beam --input 'gs://bucket/photos/**' --output gs://bucket/styled --style wave \\
      --runner DataflowRunner --project P --region R --temp_location gs://bucket/tmp

Outputs keep their path below the glob's folder, named as 'tfstyle stylize DIR --recursive' names them;
outputs that exist are skipped (a rerun resumes); bad files are listed with their error in
OUTPUT/dead_letter.tsv. Guide: docs/beam.md."""


#: Beam pipeline options named in ``--help`` and the guides (each takes a value); every other option
#: tfstyle does not know goes to Beam just the same.
BEAM_OPTIONS = ("--direct_num_workers", "--direct_running_mode", "--project", "--region", "--temp_location",
                "--job_name", "--max_num_workers", "--machine_type", "--requirements_file", "--setup_file",
                "--sdk_container_image", "--environment_type", "--environment_config", "--flink_master",
                "--spark_master_url")


class _BeamParser(Parser):
    """``beam``'s parser: the options it does not know are kept (``args.beam_options``) for Beam, not refused."""

    def parse_known_args(self, args=None, namespace=None):
        namespace, extras = super().parse_known_args(args, namespace)
        namespace.beam_options = [*(getattr(namespace, "beam_options", None) or []), *extras]
        return namespace, []


class _PassOn(argparse.Action):
    """A Beam option tfstyle names: kept as typed for ``PipelineOptions``."""

    def __call__(self, parser, namespace, values, option_string=None):
        namespace.beam_options = [*(getattr(namespace, "beam_options", None) or []), f"{option_string}={values}"]


def add_parser(sub) -> None:
    """Add ``beam`` to the command's sub-parsers."""
    bp = sub.add_parser(
        "beam", help="stylize a glob of images (local, gs://, s3://) with Apache Beam on any runner",
        description="Stylize every image (and video clip) GLOB matches into OUTPUT with Apache Beam (pip install "
        "'tfstyle[beam]'): local folders or buckets, on the local runner or Dataflow, Flink, Spark. Unknown "
        "options are Beam pipeline options.", epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    bp.__class__ = _BeamParser  # argparse gives every sub-parser one class; only this one passes options on
    bp.add_argument("--input", required=True, metavar="GLOB",
                    help="Beam file pattern: '*' stays in a folder, '**' goes into subfolders (quote it)")
    bp.add_argument("--output", required=True, metavar="DIR",
                    help="output folder (local or a bucket path), outside the input folder")
    bp.add_argument("--style", dest="preset", default=None, metavar="NAME",
                    help="a shipped fast style (see 'tfstyle styles')")
    bp.add_argument("--model", default=None, metavar="NAME|FILE.keras",
                    help="a shipped network or a .keras file from 'tfstyle train' (any Beam file system)")
    bp.add_argument("--style-image", dest="style_images", action="append", default=None, metavar="IMAGE",
                    help="arbitrary --model: a painting to paint like (repeat to blend several)")
    bp.add_argument("--size", type=image_side, default=None, help="long side of the outputs (default: the input's)")
    bp.add_argument("--preserve-color", nargs="?", const="luminance", choices=["luminance", "histogram"],
                    default=None, help="keep the content's colours (default mode: luminance)")
    bp.add_argument("--tile", type=positive_int, default=None, help="tile size for large images")
    bp.add_argument("--backend", choices=["auto", "litert", "keras"], default="auto",
                    help="as 'tfstyle stylize --backend' (auto: a preset's LiteRT files, built once, else Keras)")
    bp.add_argument("--overwrite", action="store_true",
                    help="stylize every input again (default: outputs that exist are skipped)")
    bp.add_argument("--dead-letter", default=None, metavar="PATH",
                    help="where bad files are listed with their error (default OUTPUT/dead_letter.tsv)")
    beam = bp.add_argument_group("Beam pipeline options (any other Beam option is passed on too)")
    beam.add_argument("--runner", default="DirectRunner",
                      help="Beam runner: DirectRunner (local, default), DataflowRunner, FlinkRunner, SparkRunner, ...")
    for option in BEAM_OPTIONS:
        beam.add_argument(option, action=_PassOn, default=argparse.SUPPRESS, metavar="VALUE",
                          help=argparse.SUPPRESS if option not in ("--direct_num_workers", "--project", "--region",
                                                                   "--temp_location") else "passed to Beam")
    bp.set_defaults(run=run)


def _pipeline_options(args: argparse.Namespace):
    """Beam's options: ``--runner`` and the unknown options; several local workers run as processes.

    The local runner's default (threads in one process) would share one network between them: no
    faster, since a network's calls are serialized. Processes each load their own.
    """
    from apache_beam.options.pipeline_options import PipelineOptions

    extra = list(args.beam_options)

    def given(option: str) -> bool:
        return any(o == option or o.startswith(option + "=") for o in extra)

    if args.runner == "DirectRunner" and given("--direct_num_workers") and not given("--direct_running_mode"):
        extra.append("--direct_running_mode=multi_processing")
    if not given("--default_sdk_harness_log_level"):  # workers' INFO lines would bury the summary
        extra.append("--default_sdk_harness_log_level=WARNING")
    return PipelineOptions(["--runner", args.runner, *extra])


def _counters(result) -> dict[str, int] | None:
    """tfstyle's counters (written, skipped_existing, failed, not_media) of a finished run, summed over steps;
    ``None`` where the runner reports no metrics."""
    from apache_beam.metrics.metric import MetricsFilter

    totals: dict[str, int] = {}
    try:
        counters = result.metrics().query(MetricsFilter().with_namespace("tfstyle"))["counters"]
    except Exception:  # noqa: BLE001 - a runner without metrics: the summary is only left out
        return None
    for counter in counters:
        value = counter.committed if counter.committed is not None else counter.attempted
        totals[counter.key.metric.name] = totals.get(counter.key.metric.name, 0) + int(value or 0)
    return totals


def run(args: argparse.Namespace) -> None:
    """Build and run the pipeline, then print what was written, skipped and failed."""
    try:
        import apache_beam as beam
    except ImportError:
        raise OptionError("tfstyle beam needs Apache Beam: pip install 'tfstyle[beam]'") from None
    from tfstyle.beam import StyleModelHandler, StylizeFiles

    if args.preset and args.model:
        raise OptionError("give --style NAME or --model, not both")
    if args.preset:
        check_preset(args.preset, "fast", "--style")
    spec = args.preset or args.model
    if spec is None:
        raise OptionError("give --style NAME (see 'tfstyle styles') or --model NAME|FILE.keras")
    handler = StyleModelHandler(spec, styles=args.style_images, size=args.size, preserve_color=args.preserve_color,
                                tile=args.tile, backend=args.backend)
    transform = StylizeFiles(args.input, args.output, handler, skip_existing=not args.overwrite,
                             dead_letter=args.dead_letter)
    start = time.perf_counter()
    pipeline = beam.Pipeline(options=_pipeline_options(args))
    _ = pipeline | "StylizeFiles" >> transform
    result = pipeline.run()
    result.wait_until_finish()
    counts = _counters(result)
    if counts is None:
        print(f"finished in {time.perf_counter() - start:.1f} s (this runner reports no counts)")
        return
    written, skipped, failed = (counts.get(name, 0) for name in ("written", "skipped_existing", "failed"))
    if not (written or skipped or failed):
        raise TfstyleError(f"no images or video clips match {args.input}"
                           + (f" ({counts['not_media']} other files)" if counts.get("not_media") else ""))
    print(f"wrote {written} files to {args.output} in {time.perf_counter() - start:.1f} s"
          + (f"; skipped {skipped} whose output exists" if skipped else ""))
    if failed:
        raise TfstyleError(f"{failed} file{'s' * (failed != 1)} failed: listed with their errors in "
                           f"{transform.dead_letter or 'the dead-letter output'}")
