"""Evaluation harness figures on the E2E dev set: the template baseline against a name-only baseline, the
embedded model against the template (full runs), scoring speed, and the Chinese ROUGE trap.

    python benchmarks/bench_eval.py [--quick] [--inputs N] [--model-cases K] [--e2e PATH]

(a) Quality on the first N distinct meaning representations (all references): BLEU, ROUGE-L, chrF and
    slot coverage of the template realiser and of a trivial baseline that only names the venue;
    ``template_bleu_ratio_vs_name_only=``. With ``--model-cases K`` (default 20, 0 with --quick) the
    default embedded model writes briefs for the first K inputs and ``model_bleu_ratio_vs_template=``
    compares it with the template on the same K.
(b) Scoring speed: cases per second of the full scorer (ROUGE with an explicit tokenizer, BLEU, chrF,
    grounding, novelty, coverage) vs ROUGE-L alone as tasks score it; ``scoring_cost_ratio=``.
(c) The trap: rouge-score's default tokenizer on identical Chinese texts vs zhimei's
    (``zh_identical_rougeL_default=`` must be 0, ``zh_identical_rougeL_zhimei=`` 100).

Runs go to a temporary store; the 200-case study is ``zhimei eval run`` itself (see README).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import SHARED_DATA, model_path

from zhimei.api import Zhimei
from zhimei.config import load_settings
from zhimei.evaluation import MetricSettings, load_dataset
from zhimei.evaluation.scoring import Scorer
from zhimei.tasks import get_task
from zhimei.tasks.overlap import rouge_l

ZH = "国家统计局发布数据显示，全国规模以上工业增加值同比增长。"


def _write_name_only(dataset_path: Path, out: Path, n: int) -> Path:
    import json

    ds = load_dataset(dataset_path, "e2e").head(n)
    with out.open("w", encoding="utf-8") as fh:
        for case in ds.cases:
            data = case.input.model_dump()["data"]
            row = {"id": case.id, "data": data, "references": list(case.references), "lang": "en"}
            fh.write(json.dumps({**row, "prediction": f"{data.get('name', 'It')} is a place."}) + "\n")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="50 inputs, no model")
    ap.add_argument("--inputs", type=int, default=200, help="distinct E2E inputs")
    ap.add_argument("--model-cases", type=int, default=None, help="cases the embedded model writes")
    ap.add_argument("--e2e", type=Path, default=SHARED_DATA / "e2e_devset.csv")
    args = ap.parse_args()
    n = 50 if args.quick else args.inputs
    k = args.model_cases if args.model_cases is not None else (0 if args.quick else 20)
    with tempfile.TemporaryDirectory() as home:
        zm = Zhimei(load_settings({"home": home, "backend": "scripted"}))
        (template,) = zm.eval_baselines("brief", args.e2e, fmt="e2e", limit=n)
        name_only = zm.eval_score(_write_name_only(args.e2e, Path(home) / "n.jsonl", n), system="name-only")
        print(f"(a) E2E dev, first {n} inputs, all references")
        for label, report in (("template", template), ("name-only", name_only)):
            m = report.run.metrics
            print(
                f"    {label:10} bleu={m['bleu']:.2f} rougeL={m['rougeL']:.2f} chrf={m['chrf']:.2f} "
                f"slot_coverage={m['slot_coverage']:.3f}"
            )
        ratio = template.run.metrics["bleu"] / max(name_only.run.metrics["bleu"], 1e-9)
        print(f"    template_bleu_ratio_vs_name_only={ratio:.2f}x")
        if k:
            from zhimei.backends.embedded import EmbeddedBackend
            from zhimei.models.catalog import find_pack

            backend = EmbeddedBackend(model_path(), find_pack("qwen2.5-1.5b").files[0].sha256)
            model_zm = Zhimei(load_settings({"home": home}), backend=backend)
            model = model_zm.eval_run("brief", args.e2e, fmt="e2e", limit=k)
            (same,) = zm.eval_baselines("brief", args.e2e, fmt="e2e", limit=k)
            mm, tm = model.run.metrics, same.run.metrics
            print(
                f"    model (first {k}) bleu={mm['bleu']:.2f} rougeL={mm['rougeL']:.2f} "
                f"chrf={mm['chrf']:.2f} "
                f"slot_coverage={mm['slot_coverage']:.3f} "
                f"seconds_per_case={mm['seconds_per_case']:.2f} "
                f"tokens_per_s={mm['tokens_per_s']:.1f}"
            )
            print(f"    template (first {k}) bleu={tm['bleu']:.2f}")
            print(f"    model_bleu_ratio_vs_template={mm['bleu'] / max(tm['bleu'], 1e-9):.2f}x")

        cases = load_dataset(args.e2e, "e2e").head(n).cases
        outputs = [c.output or "" for c in template.cases]
        scorer = Scorer(MetricSettings(), task=get_task("brief"))
        start = time.perf_counter()
        for case, out in zip(cases, outputs, strict=True):
            scorer.score(case, out)
        full = time.perf_counter() - start
        start = time.perf_counter()
        for case, out in zip(cases, outputs, strict=True):
            max(rouge_l(out, ref, "en") for ref in case.references)
        bare = time.perf_counter() - start
        print("(b) scoring speed")
        print(f"    full scorer cases_per_s={n / full:.0f}; rouge_l alone cases_per_s={n / bare:.0f}")
        print(f"    scoring_cost_ratio={full / bare:.2f}x (full scorer time / ROUGE-L-only time)")

    from rouge_score import rouge_scorer

    from zhimei.evaluation.metrics import rouge

    default = rouge_scorer.RougeScorer(["rougeL"]).score(ZH, ZH)["rougeL"].fmeasure * 100
    ours = rouge(ZH, [ZH], "zh")["rougeL"]
    print("(c) identical Chinese texts")
    print(f"    zh_identical_rougeL_default={default:.1f} zh_identical_rougeL_zhimei={ours:.1f}")
    return 0 if default == 0 and ours > 99.9 else 1


if __name__ == "__main__":
    raise SystemExit(main())
