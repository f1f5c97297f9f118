"""`harness retrieve` end to end with a tiny model: records, protocol, predictions, real files."""

import random

import pytest

from harness.cli import main
from harness.results import load_records
from harness.retrieval.mining import resolve_knn_method

WORDS = ("river stone cloud apple window seven orange garden music paper winter coffee bridge "
         "forest silver letter morning candle engine island yellow market doctor planet").split()


def sentences(n, seed):
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 9))) + f" {seed}-{i}" for i in range(n)]


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory):
    from harness.models.tiny import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "model", sentences(200, 0), vocab_size=300)


@pytest.fixture()
def data_dir(tmp_path):
    """Tatoeba de/fr where each "translation" is the same text (so accuracy must be 100), and
    a BUCC zh dev set where 12 of 40 source sentences occur verbatim among 60 English ones."""
    root = tmp_path / "data"
    tatoeba = root / "tatoeba"
    tatoeba.mkdir(parents=True)
    for iso3, seed in (("deu", 11), ("fra", 12)):
        lines = sentences(30, seed)
        (tatoeba / f"tatoeba.{iso3}-eng.{iso3}").write_text("\n".join(lines) + "\n", encoding="utf-8")
        (tatoeba / f"tatoeba.{iso3}-eng.eng").write_text("\n".join(lines) + "\n", encoding="utf-8")
    bucc = root / "bucc2018"
    bucc.mkdir()
    src, eng = sentences(40, 1), sentences(60, 2)
    gold = []
    for i in range(12):
        eng[3 * i + 1] = src[2 * i]
        gold.append(f"zh-{2 * i:09d}\ten-{3 * i + 1:09d}")
    (bucc / "zh-en.dev.zh").write_text("".join(f"zh-{i:09d}\t{s}\n" for i, s in enumerate(src)), encoding="utf-8")
    (bucc / "zh-en.dev.en").write_text("".join(f"en-{i:09d}\t{s}\n" for i, s in enumerate(eng)), encoding="utf-8")
    (bucc / "zh-en.dev.gold").write_text("\n".join(gold) + "\n", encoding="utf-8")
    return root


def test_retrieve_writes_one_record_per_task_with_protocol_and_predictions(tiny_dir, data_dir, tmp_path, capsys):
    results, predictions = tmp_path / "results", tmp_path / "predictions"
    common = ["--model", str(tiny_dir), "--data-dir", str(data_dir), "--output", str(results), "--predictions",
              str(predictions), "--experiment", "e5test", "--variant", "base", "--layer", "1",
              "--cache-dir", str(tmp_path / "cache"), "--work-dir", str(tmp_path / "runs")]
    code = main(["retrieve", "--task", "tatoeba", "bucc2018", "--langs", "de", "fr", *common])
    # bucc2018 has no de/fr data here: the plan says so for both files at once, before anything runs.
    assert code == 2
    err = capsys.readouterr().err
    assert "2 data files are missing" in err and "de-en.dev.de" in err and "fr-en.dev.fr" in err
    assert not results.exists()
    assert main(["retrieve", "--task", "tatoeba", "--langs", "de", "fr", *common]) == 0
    records = {r.task: r for r in load_records(results)}
    assert set(records) == {"tatoeba"}
    tatoeba = records["tatoeba"]
    assert tatoeba.languages == {"de": {"accuracy": 100.0}, "fr": {"accuracy": 100.0}}
    assert tatoeba.protocol["layer"] == 1 and tatoeba.protocol["pooling"] == "mean"
    assert tatoeba.protocol["indexed"] == "non-English sentences" and tatoeba.protocol["top_k"] == 1
    assert set(tatoeba.data_checksums) == {"tatoeba/tatoeba.deu-eng.deu", "tatoeba/tatoeba.deu-eng.eng",
                                           "tatoeba/tatoeba.fra-eng.fra", "tatoeba/tatoeba.fra-eng.eng"}
    lines = (predictions / "tatoeba" / "test-de.tsv").read_text(encoding="utf-8").splitlines()
    assert lines == [str(i) for i in range(30)]

    code = main(["retrieve", "--task", "bucc2018", *common])
    assert code == 0
    bucc = {r.task: r for r in load_records(results)}["bucc2018"]
    assert bucc.languages == {"zh": {"f1": 100.0, "precision": 100.0, "recall": 100.0}}
    protocol = bucc.protocol
    assert (protocol["margin"], protocol["k"], protocol["strategy"]) == ("ratio", 4, "max")
    assert protocol["knn"] == resolve_knn_method("auto") in ("fused", "faiss")  # resolved, never "auto"
    assert protocol["threshold_tuned_on"] == "dev" and protocol["scored_on"] == "dev"
    zh = protocol["per_language"]["zh"]
    assert zh["scored_on"] == "dev" and zh["predicted_pairs"] == 12 and zh["gold_pairs"] == 12
    assert isinstance(zh["threshold"], float)
    assert not bucc.publishable and "only dev data" in bucc.notes
    pairs = (predictions / "bucc2018" / "dev-zh.tsv").read_text(encoding="utf-8").splitlines()
    assert sorted(pairs) == sorted((data_dir / "bucc2018" / "zh-en.dev.gold").read_text().splitlines())


def test_retrieve_reads_real_tatoeba_and_records_its_checksums(tiny_dir, xtreme_data, tmp_path):
    results, predictions = tmp_path / "results", tmp_path / "predictions"
    assert main(["retrieve", "--task", "tatoeba", "--model", str(tiny_dir), "--data-dir", str(xtreme_data),
                 "--langs", "sw", "--output", str(results), "--predictions", str(predictions),
                 "--no-cache"]) == 0
    (record,) = load_records(results)
    manifest = dict(reversed(line.split("  ", 1)) for line in
                    (xtreme_data / "MANIFEST.sha256").read_text().splitlines())
    for name, digest in record.data_checksums.items():
        assert manifest[f"./{name}"] == digest
    assert set(record.data_checksums) == {"tatoeba/tatoeba.swh-eng.swh", "tatoeba/tatoeba.swh-eng.eng"}
    lines = (predictions / "tatoeba" / "test-sw.tsv").read_text().splitlines()
    count = len((xtreme_data / "tatoeba" / "tatoeba.swh-eng.eng").read_text(encoding="utf-8").splitlines())
    assert len(lines) == count and all(0 <= int(x) < count for x in lines)
    assert 0.0 <= record.languages["sw"]["accuracy"] <= 100.0


def test_missing_language_file_is_a_clear_error(tiny_dir, data_dir, tmp_path, capsys):
    code = main(["retrieve", "--task", "tatoeba", "--model", str(tiny_dir), "--data-dir", str(data_dir),
                 "--langs", "ja", "--output", str(tmp_path / "r"), "--no-cache"])
    assert code == 2
    err = capsys.readouterr().err
    assert "language 'ja'" in err and "tatoeba.jpn-eng.jpn" in err
    assert not (tmp_path / "r").exists()


def test_models_import_refuses_to_overwrite(tmp_path, capsys):
    (tmp_path / "keep.txt").write_text("x")
    assert main(["models", "import-e5-small", str(tmp_path)]) == 2
    assert "--force" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]
