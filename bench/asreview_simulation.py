"""Run ASReview LAB's simulation with its default model, in ASReview's own environment.

    ASREVIEW_PYTHON bench/asreview_simulation.py DATASET.csv --prior-idx 3 17 --seed 0

bench_prioritisation.py runs this with the interpreter of the environment that
holds ASReview (its pins clash with ours: pandas < 3, rispy 0.9), passing the
same prior records Prismatic's simulation drew. Prints one JSON object: the
rows in the order ASReview screened them, and the wall time from reading the
data set to finding the last relevant record (ASReview's default stopper),
leaving out the imports.
"""

import argparse
import json
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("dataset")
    parser.add_argument("--prior-idx", type=int, nargs="+", required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    from asreview import ActiveLearningCycle, load_dataset
    from asreview.models.models import get_ai_config
    from asreview.models.queriers import TopDown
    from asreview.models.stoppers import IsFittable
    from asreview.simulation.simulate import Simulate

    started = time.perf_counter()  # after the imports, as Prismatic's figure starts in-process
    config = get_ai_config()  # the default model: ELAS u4
    with load_dataset(args.dataset, dataset_id="bench") as db:
        cycles = [
            ActiveLearningCycle(querier=TopDown(), stopper=IsFittable()),
            ActiveLearningCycle.from_meta(config["value"]),
        ]
        for cycle in cycles:
            for part in (cycle.classifier, cycle.balancer, cycle.feature_extractor):
                if part is not None and "random_state" in part.get_params():
                    part.set_params(random_state=args.seed)
        simulation = Simulate(db.input.get_df(), db.input["included"], cycles, print_progress=False)
        simulation.label(args.prior_idx)
        simulation.review()
        order = [int(row) for row in simulation._results["record_id"]]
    print(
        json.dumps(
            {"model": config["name"], "order": order, "wall_s": time.perf_counter() - started}
        )
    )


if __name__ == "__main__":
    main()
