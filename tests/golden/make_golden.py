"""Write the golden tables: every shipped scenario under every structure it runs under, for
three seeds, as plain CSV (summary and evaluation indicators at full precision, and a digest
of each run's issue, meeting and history tables). `tests/test_golden.py` compares a fresh
run with them, so a restructuring that changes behaviour fails loudly.

Regenerate only when a change of behaviour is intended:
    .venv/bin/python tests/golden/make_golden.py
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from sim.model import run_once
from sim.model.indicators import evaluate_result
from sim.spec import load_scenario, load_structure

HERE = Path(__file__).resolve().parent
SCENARIOS = {
    "employer_closure": ("five_element", "pilot", "county_scs_chapters"),
    "truancy": ("five_element", "pilot", "county_scs_chapters"),
    "environment_strategy": ("five_element", "pilot", "county_scs_chapters"),
    "community_cohesion": ("five_element", "pilot", "county_scs_chapters"),
    "scs_delivery": ("five_element", "pilot", "county_scs_chapters"),
    "budget_squeeze": ("five_element", "pilot", "county_scs_chapters"),
    "smoke": ("five_element", "pilot", "county_scs_chapters"),
    "garbage_can": ("garbage_can",),
}
SEEDS = (1, 2, 3)


def digest(table: pd.DataFrame) -> str:
    return hashlib.sha256(table.to_csv(index=False, float_format="%.12g").encode()).hexdigest()


def golden_rows(scenario_dir: Path) -> pd.DataFrame:
    rows = []
    for name, structures in SCENARIOS.items():
        scenario = load_scenario(scenario_dir / f"{name}.yaml")
        for structure in structures:
            spec = load_structure(structure)
            for seed in SEEDS:
                result = run_once(spec, scenario, seed)
                row = result.summary.iloc[0].to_dict()
                if structure != "garbage_can":
                    row |= evaluate_result(result)
                row |= {"seed": seed, "structure_file": structure, "scenario_file": name}
                for table in ("issues", "meetings", "history"):
                    row[f"{table}_digest"] = digest(getattr(result, table))
                rows.append(row)
    return pd.DataFrame(rows)


if __name__ == "__main__":
    from sim.spec.loading import SCENARIO_DIR

    golden_rows(SCENARIO_DIR).to_csv(HERE / "summaries.csv", index=False, float_format="%.17g")
    print(f"wrote {HERE / 'summaries.csv'}")
