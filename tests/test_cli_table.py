"""`axon train DATA --target COLUMN`, `axon predict` and `axon evaluate`, end to end."""

from __future__ import annotations

import inspect
import json
import re
import runpy
import shlex
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import axon
from axon import tabular
from axon.cli import main
from axon.tabular.datasets import load as load_dataset

README = Path(__file__).resolve().parent.parent / "README.md"
FAST = ["--epochs", "5", "--batch-size", "32", "--verbose", "0"]


def with_real_columns(name: str, seed: int = 0) -> pd.DataFrame:
    """A scikit-learn data set with text, boolean and category columns and gaps."""
    rng = np.random.default_rng(seed)
    frame = load_dataset(name)
    n = len(frame)
    frame.insert(0, "customer_id", [f"C{i:05d}" for i in range(n)])
    frame["plan"] = rng.choice(["basic", "plus", "pro"], n)
    frame["newsletter"] = rng.random(n) < 0.4
    frame["region"] = pd.Categorical(rng.choice(["north", "south", "west"], n))
    frame["source"] = "import"
    first = str(frame.columns[1])
    frame.loc[rng.random(n) < 0.1, first] = np.nan
    frame.loc[rng.random(n) < 0.08, "plan"] = None
    return frame


def raw_rows(frame: pd.DataFrame, target: str) -> pd.DataFrame:
    """The rows shuffled, columns reordered, one extra, a few unseen categories."""
    raw = frame.drop(columns=[target]).sample(frac=1, random_state=7)
    raw = raw[list(raw.columns[::-1])].assign(comment="from the shop")
    raw.loc[raw.index[:3], "plan"] = "enterprise"
    return raw


@pytest.fixture(scope="module")
def cancer_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    folder = tmp_path_factory.mktemp("cancer")
    frame = with_real_columns("breast_cancer")
    frame.to_csv(folder / "customers.csv", index=False)
    raw_rows(frame, "target").to_csv(folder / "new.csv", index=False)
    run = folder / "run"
    argv = ["train", str(folder / "customers.csv"), "--target", "target"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        code = main([*argv, *FAST, "--output", str(run)])
    import matplotlib.pyplot as plt

    plt.close("all")
    return {"folder": folder, "run": run, "code": code}


def test_train_on_a_csv_prints_the_columns_and_the_tasks_scores(
    cancer_run: dict[str, object], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cancer_run["code"] == 0
    run = Path(str(cancer_run["run"]))
    names = sorted(p.name for p in run.iterdir())
    assert names == [
        "confusion_matrix.png",
        "history.json",
        "history.png",
        "inside_network.png",
        "model.axon",
        "permutation_importance.png",
        "precision_recall.png",
        "report.html",
        "roc_curve.png",
    ]
    record = json.loads((run / "history.json").read_text())
    assert record["task"]["classes"] == ["benign", "malignant"]
    assert record["rows"] == {"training": 365, "validation": 91, "test": 113}
    treatments = {c["name"]: c["treatment"] for c in record["columns"]}
    assert treatments["customer_id"].startswith("dropped: a distinct value")
    assert treatments["source"] == "dropped: the same value on every row"
    assert treatments["newsletter"].startswith("one-hot, 2 categories")
    assert "+ plan_missing" in treatments["plan"]
    page = (run / "report.html").read_text()
    for heading in ("Task", "Test scores per class", "Columns of ", "Results"):
        assert f"<h2>{heading}" in page
    test = record["results"]["test"]
    for value in test.values():
        if isinstance(value, float):
            assert f"<td>{value:.4f}</td>" in page  # the report's numbers are these
    assert '<td class="text">dropped: the same value on every row</td>' in page


def test_train_output_reads_as_a_column_table_then_scores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with_real_columns("breast_cancer").to_csv(tmp_path / "customers.csv", index=False)
    monkeypatch.chdir(tmp_path)
    assert (
        main(["train", "customers.csv", "--target", "target", *FAST, "--output", "run"])
        == 0
    )
    import matplotlib.pyplot as plt

    plt.close("all")
    captured = capsys.readouterr()
    out = captured.out
    assert out.startswith(
        "Columns of customers.csv (fitted on 365 training rows; held out: 91 "
        "validation, 113 test):\ncolumn "
    )
    assert re.search(r"\nplan +text +\d+\.\d%  one-hot, 3 categories; unseen -> ", out)
    assert re.search(r"\ncustomer_id +text +0\.0%  dropped: a distinct value", out)
    assert "Task: binary classification of 'target' (benign, malignant): one " in out
    for line in ("Test accuracy: ", "Test ROC AUC: ", "Test F1 (macro): "):
        assert f"\n{line}" in out
    assert re.search(r"\nmalignant +0\.\d{4}  0\.\d{4}  0\.\d{4}  +4\d\n", out)
    assert f"Saved the model to {Path('run') / 'model.axon'}" in out
    assert captured.err == ""


def test_predict_on_raw_rows_equals_the_python_api(
    cancer_run: dict[str, object], capsys: pytest.CaptureFixture[str]
) -> None:
    folder, run = Path(str(cancer_run["folder"])), Path(str(cancer_run["run"]))
    output = folder / "predictions.csv"
    capsys.readouterr()
    args = ["predict", str(run / "model.axon"), str(folder / "new.csv")]
    assert main([*args, "--output", str(output)]) == 0
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        f"axon predict: warning: {folder / 'new.csv'}: ignored 1 column(s) the model "
        "was not trained on: comment",
        f"axon predict: warning: {folder / 'new.csv'}: 3 value(s) never seen in "
        "training, went to their column's bucket (plan 3)",
    ]
    assert f"Saved the rows with their predictions to {output}" in captured.out
    written = pd.read_csv(output)
    raw = pd.read_csv(folder / "new.csv")
    assert list(written.columns) == [
        *raw.columns,
        "prediction",
        "probability_benign",
        "probability_malignant",
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", tabular.TableWarning)
        expected = tabular.load(run / "model.axon").predict(raw)
    pd.testing.assert_frame_equal(written, expected.reset_index(drop=True))


def test_evaluate_prints_the_scores_python_computes(
    cancer_run: dict[str, object], capsys: pytest.CaptureFixture[str]
) -> None:
    folder, run = Path(str(cancer_run["folder"])), Path(str(cancer_run["run"]))
    capsys.readouterr()
    data = folder / "customers.csv"
    assert main(["evaluate", str(run / "model.axon"), str(data)]) == 0
    out = capsys.readouterr().out
    scores = tabular.load(run / "model.axon").evaluate(data)
    assert out.startswith(f"Scores of {run / 'model.axon'} on {data} (569 rows):\n")
    assert f"\naccuracy: {scores['accuracy']:.4f}\n" in out
    assert f"\nROC AUC: {scores['roc_auc']:.4f}\n" in out
    assert "\nclass      precision  recall      F1  support\nbenign " in out


def test_regression_end_to_end(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = with_real_columns("diabetes")
    frame.to_parquet(tmp_path / "visits.parquet")
    run = tmp_path / "run"
    args = ["train", str(tmp_path / "visits.parquet"), "--target", "target"]
    assert main([*args, *FAST, "--output", str(run)]) == 0
    out = capsys.readouterr().out
    assert "Task: regression of 'target': a linear unit and the mean squared " in out
    for line in ("Test MAE: ", "Test RMSE: ", "Test R2: "):
        assert f"\n{line}" in out
    assert not (run / "confusion_matrix.png").exists()
    raw_rows(frame, "target").to_csv(tmp_path / "new.csv", index=False)
    output = tmp_path / "out.tsv"
    predict = ["predict", str(run / "model.axon"), str(tmp_path / "new.csv")]
    assert main([*predict, "--output", str(output)]) == 0
    written = pd.read_csv(output, sep="\t")
    assert written.columns[-1] == "prediction" and len(written) == len(frame)
    assert 25 < written["prediction"].mean() < 350  # in the target's units
    capsys.readouterr()
    assert (
        main(["evaluate", str(run / "model.axon"), str(tmp_path / "visits.parquet")])
        == 0
    )
    assert re.search(
        r"MAE: \d+\.\d{4}\nRMSE: \d+\.\d{4}\nR2: ", capsys.readouterr().out
    )


def test_three_classes_from_a_data_set_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["train", "wine", *FAST, "--output", str(tmp_path / "run")]) == 0
    out = capsys.readouterr().out
    assert (
        "classification of 'target' into 3 classes (class_0, class_1, class_2)" in out
    )
    network = axon.models.load_model(tmp_path / "run" / "model.axon")
    assert network.metadata["class_names"] == ["class_0", "class_1", "class_2"]
    assert network.layers[-1].units == 3


def test_options_task_drop_and_test_size(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = with_real_columns("breast_cancer")
    frame["score"] = frame["target"].map({"benign": 1, "malignant": 0})
    frame.drop(columns=["target"]).to_csv(tmp_path / "t.csv", index=False)
    args = [
        "train",
        str(tmp_path / "t.csv"),
        "--target",
        "score",
        "--task",
        "regression",
    ]
    args += [
        "--drop",
        "plan,region",
        "--test-size",
        "0.3",
        "--output",
        str(tmp_path / "r"),
    ]
    assert main([*args, *FAST]) == 0
    record = json.loads((tmp_path / "r" / "history.json").read_text())
    assert record["task"]["task"] == "regression"
    assert record["rows"]["test"] == 171  # 30% of 569
    dropped = [c["name"] for c in record["columns"] if c.get("reason") == "requested"]
    assert dropped == ["plan", "region"]
    assert record["hyperparameters"]["test_size"] == 0.3
    capsys.readouterr()


def test_class_weight_balanced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["train", "breast_cancer", "--class-weight", "balanced", *FAST])
    err = capsys.readouterr().err
    if "class_weight" in inspect.signature(axon.Sequential.fit).parameters:
        assert code == 0, err
    else:  # blocked until fit takes class_weight: refused before any work
        assert code == 2
        assert err == (
            "axon train: error: class_weight='balanced' needs "
            "Model.fit(class_weight=...), which this version of axon does not have "
            "yet\n"
        )


def table_files(tmp_path: Path) -> dict[str, Path]:
    frame = with_real_columns("breast_cancer").head(80)
    good = tmp_path / "good.csv"
    frame.to_csv(good, index=False)
    text = good.read_text()
    lines = text.splitlines(keepends=True)
    files = {
        "empty.csv": b"",
        "header.csv": lines[0].encode(),
        "ragged.csv": "".join([*lines[:5], "1,2,3\n", *lines[5:]]).encode(),
        "latin.csv": frame.assign(plan=["café"] * 80)
        .to_csv(index=False)
        .encode("latin-1"),
        "binary.csv": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        "dup.csv": text.replace(",plan,", ",region,", 1).encode(),
        "allempty.csv": frame.assign(notes=np.nan).to_csv(index=False).encode(),
        "oneclass.csv": frame.assign(target="benign").to_csv(index=False).encode(),
    }
    paths = {}
    for name, data in files.items():
        paths[name] = tmp_path / name
        paths[name].write_bytes(data)
    paths["good.csv"] = good
    return paths


@pytest.mark.parametrize(
    ("name", "target", "message"),
    [
        ("missing.csv", "target", "missing.csv: no such file"),
        ("binary.csv", "target", "binary.csv is a binary file, not CSV text"),
        ("latin.csv", "target", "latin.csv is not UTF-8 text (byte 0xe9 on line 2)"),
        ("empty.csv", "target", "empty.csv is empty"),
        ("header.csv", "target", "header.csv has a header (customer_id, mean radius,"),
        (
            "good.csv",
            "tagret",
            "good.csv has no column 'tagret' (did you mean 'target'?)",
        ),
        ("ragged.csv", "target", "ragged.csv, line 6: 3 field(s) where the header has"),
        ("dup.csv", "target", "dup.csv: the column name 'region' appears 2 times"),
        (
            "allempty.csv",
            "target",
            "allempty.csv: column 'notes' is empty on every row",
        ),
        ("oneclass.csv", "target", "oneclass.csv: the target 'target' has one value"),
    ],
)
def test_bad_tables_are_one_line_exit_2_and_no_model(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    target: str,
    message: str,
) -> None:
    paths = table_files(tmp_path)
    run = tmp_path / "run"
    path = paths.get(name, tmp_path / name)
    assert (
        main(["train", str(path), "--target", target, *FAST, "--output", str(run)]) == 2
    )
    err = capsys.readouterr().err
    assert err.startswith(f"axon train: error: {tmp_path / message}"), err
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert not run.exists()  # a failed run leaves nothing behind


def test_a_target_with_gaps_drops_those_rows_and_says_how_many(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = with_real_columns("breast_cancer")
    frame.loc[frame.index[::50], "target"] = None
    frame.to_csv(tmp_path / "gaps.csv", index=False)
    args = ["train", str(tmp_path / "gaps.csv"), "--target", "target", *FAST]
    assert main([*args, "--output", str(tmp_path / "run")]) == 0
    err = capsys.readouterr().err
    assert err == (
        f"axon train: warning: {tmp_path / 'gaps.csv'}: dropped 12 row(s) whose "
        "target 'target' is missing\n"
    )


def test_predict_and_evaluate_refuse_by_name(
    cancer_run: dict[str, object], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = str(Path(str(cancer_run["run"])) / "model.axon")
    frame = with_real_columns("breast_cancer").head(20)
    frame.drop(columns=["plan"]).to_csv(tmp_path / "noplan.csv", index=False)
    frame.drop(columns=["target"]).to_csv(tmp_path / "nolabel.csv", index=False)
    capsys.readouterr()
    cases = [
        (
            ["predict", model, str(tmp_path / "noplan.csv")],
            "lacks 1 column(s) the model needs: 'plan'",
        ),
        (
            ["evaluate", model, str(tmp_path / "nolabel.csv")],
            "has no target column 'target'",
        ),
        (
            ["predict", model, str(tmp_path / "noplan.csv"), "--output", "p.xlsx"],
            "--output p.xlsx: expected a .csv, .tsv or .parquet file name",
        ),
        (
            ["predict", str(tmp_path / "noplan.csv"), str(tmp_path / "noplan.csv")],
            "noplan.csv",
        ),
    ]
    for argv, message in cases:
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert message in err and len(err.splitlines()) == 1, err
    assert not (tmp_path / "p.xlsx").exists() and not Path("predictions.csv").exists()


def test_iris_with_no_table_option_is_still_the_tutorials_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(
            [
                "train",
                "iris",
                "--epochs",
                "2",
                "--verbose",
                "0",
                "--output",
                str(tmp_path),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "normalization (Normalization)" in out and "Columns of" not in out
    model = axon.models.load_model(tmp_path / "model.axon")
    assert "table" not in model.metadata


def test_help_lists_data_and_the_table_options(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for option in (
        "DATA",
        "--target",
        "--task",
        "--drop",
        "--test-size",
        "--class-weight",
    ):
        assert option in text
    assert "breast_cancer, digits, diabetes" in text
    with pytest.raises(SystemExit):
        main(["train", "--drop", "a,,b"])
    assert "with no empty item, got 'a,,b'" in capsys.readouterr().err


def test_the_readme_your_own_data_block_works_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    text = README.read_text()
    section = text[text.index("## Your own data") :]
    start = section.index("```bash") + len("```bash")
    commands = section[start : section.index("```", start)].strip().splitlines()
    assert len(commands) == 4
    monkeypatch.chdir(tmp_path)  # the example writes where it is run
    for command in commands:  # in this process: the same code, without start-ups
        program, *args = shlex.split(command)
        if program == ".venv/bin/python":
            assert args == ["examples/04_own_table.py"]
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                runpy.run_path(str(README.parent / args[0]))
        else:
            assert program == ".venv/bin/axon", command
            assert main(args) == 0, (command, capsys.readouterr().err)
    import matplotlib.pyplot as plt

    plt.close("all")
    out = capsys.readouterr().out
    assert "Predicted 569 row(s) of patients.csv" in out
    assert "Scores of runs/patients/model.axon on patients.csv (569 rows):" in out
    assert (tmp_path / "predictions.csv").exists()


def test_parquet_without_pyarrow_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    load_dataset("wine").to_parquet(tmp_path / "wine.parquet")
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)  # import fails
    assert main(["train", str(tmp_path / "wine.parquet"), "--target", "target"]) == 2
    assert capsys.readouterr().err == (
        "axon train: error: Reading Parquet needs pyarrow: pip install 'axon[table]'\n"
    )
