"""The downloader against a local HTTP server (127.0.0.1) serving archives built in tmp_path.

The archives mimic the member layouts of the real ones (XNLI zips, LASER's repository zip,
BUCC tar.bz2, PAN-X's bundle of tar.gz) with made-up content, so unpacking into the
layout, the manifest, resuming and verification are all exercised without the internet.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import harness.spec  # noqa: F401  (registers the task specs the data layer resolves names with: harness/data/catalog.py)
from harness.cli import main as harness_main
from harness.data import download, sources
from harness.data.download import download_tasks, fetch, read_manifest, verify
from harness.errors import HarnessError


class RangeHandler(BaseHTTPRequestHandler):
    """Serves ``server.files``; honours ``Range: bytes=N-`` unless told to ignore it."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        server = self.server
        server.requests.append((self.path, self.headers.get("Range")))
        body = server.files.get(self.path)
        if body is None:
            self.send_error(404, "Not Found")
            return
        start = 0
        requested = self.headers.get("Range")
        if requested and self.path not in server.ignore_range:
            start = int(requested.removeprefix("bytes=").rstrip("-"))
            if start >= len(body):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(body)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(body) - start))
        self.end_headers()
        payload = body[start:]
        if self.path in server.drop_once:  # the connection dies halfway through
            server.drop_once.discard(self.path)
            payload = payload[: len(payload) // 2]
        self.wfile.write(payload)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), RangeHandler)
    httpd.files, httpd.requests, httpd.ignore_range, httpd.drop_once = {}, [], set(), set()
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    httpd.base_url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def zip_bytes(members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def tar_bytes(members: dict[str, str | bytes], mode: str) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as archive:
        for name, content in members.items():
            data = content.encode() if isinstance(content, str) else content
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


XNLI_HEADER = "language\tgold_label\tsentence1_binary_parse\tsentence2_binary_parse\tsentence1_parse\tsentence2_parse\tsentence1\tsentence2\tpairID\n"


def serve_fixture_archives(server) -> None:
    """Made-up files in the member layout of each real archive, under <task>/<basename>."""
    raw = XNLI_HEADER + "".join(
        f"{lang}\t{label}\t\t\t\t\tPremise {i} in {lang} .\tHypothesis {i} .\t{i}\n"
        for lang in ("de", "en", "fr")
        for i, label in enumerate(("entailment", "neutral", "contradiction"))
    )
    mt = "premise\thypo\tlabel\n" + "".join(
        f"P{i} .\tH{i} .\t{'contradictory' if i % 2 else 'neutral'}\n" for i in range(4)
    )
    server.files["/xnli/XNLI-1.0.zip"] = zip_bytes(
        {
            "XNLI-1.0/xnli.dev.tsv": raw,
            "XNLI-1.0/xnli.test.tsv": raw,
            "XNLI-1.0/README.md": "read me",
        }
    )
    server.files["/xnli/XNLI-MT-1.0.zip"] = zip_bytes(
        {f"XNLI-MT-1.0/multinli/multinli.train.{lang}.tsv": mt for lang in ("en", "de")}
        | {"XNLI-MT-1.0/xnli/xnli.dev.en.tsv": raw}
    )
    laser = {
        f"LASER-main/data/tatoeba/v1/tatoeba.{iso}-eng.{side}": f"{iso} {side} one\n{iso} {side} two\n"
        for iso in ("deu", "cmn")
        for side in (iso, "eng")
    }
    laser["LASER-main/README.md"] = "LASER"
    laser["LASER-main/data/tatoeba/v1/README.md"] = "not a pair"
    server.files["/tatoeba/main.zip"] = zip_bytes(laser)
    for lang in ("de", "fr", "ru", "zh"):
        for kind in ("sample", "training"):
            members = {
                f"bucc2018/{lang}-en/{lang}-en.{kind}.{lang}": f"{lang}-000000001\tSatz eins .\n{lang}-000000002\tSatz zwei .\n",
                f"bucc2018/{lang}-en/{lang}-en.{kind}.en": "en-000000001\tSentence one .\nen-000000002\tOther .\n",
                f"bucc2018/{lang}-en/{lang}-en.{kind}.gold": f"{lang}-000000001\ten-000000001\n",
            }
            server.files[f"/bucc2018/bucc2018-{lang}-en.{kind}-gold.tar.bz2"] = tar_bytes(
                members, "w:bz2"
            )
    squad = {"version": "1.1", "data": [{"title": "t", "paragraphs": [{"context": "Anna lives in Oslo .", "qas": [{"id": "q", "question": "Where ?", "answers": [{"text": "Oslo", "answer_start": 14}]}]}]}]}  # fmt: skip
    for name in ("train-v1.1.json", "dev-v1.1.json"):
        server.files[f"/squad_v1/{name}"] = json.dumps(squad).encode()


def test_download_unpacks_records_and_verifies(server, tmp_path):
    serve_fixture_archives(server)
    data = tmp_path / "data"
    manifest = download_tasks(
        ["xnli", "tatoeba", "bucc2018", "squad_v1"], data, base_url=server.base_url, backoff=0
    )
    # readers find every file in the layout
    assert [e.label for e in sources.load_split(data, "xnli", "de", "dev")] == [
        "entailment",
        "neutral",
        "contradiction",
    ]
    assert (
        len(sources.load_split(data, "xnli", "en", "train")) == 4
    )  # XNLI-MT's English, as XTREME uses it
    assert sources.load_split(data, "xnli_mt_de", "de", "train")[1].label == "contradiction"
    assert sources.load_split(data, "tatoeba", "zh", "test").src == ["cmn cmn one", "cmn cmn two"]
    assert sources.available_languages(data, "bucc2018", "test") == ["de", "fr", "ru", "zh"]
    assert sources.load_split(data, "bucc2018", "ru", "dev").gold == {
        ("ru-000000001", "en-000000001")
    }
    assert sources.load_split(data, "squad_v1", "en", "dev")[0].answers[0].text == "Oslo"
    # the manifest holds every unpacked file and every archive, with sha256; archives are gone
    assert "tatoeba/tatoeba.deu-eng.deu" in manifest["files"]
    assert (
        "tatoeba/README.md" not in manifest["files"] and not (data / "tatoeba/README.md").exists()
    )
    archive = manifest["downloads"]["_downloads/xnli/XNLI-1.0.zip"]
    assert archive["url"] == "https://dl.fbaipublicfiles.com/XNLI/XNLI-1.0.zip"
    assert archive["sha256"] == hashlib.sha256(server.files["/xnli/XNLI-1.0.zip"]).hexdigest()
    assert not (data / "_downloads/xnli/XNLI-1.0.zip").exists()
    assert len(manifest["downloads"]) == 2 + 1 + 8 + 2
    assert verify(data) == []
    # a second run fetches nothing: every task is complete in the manifest
    before = len(server.requests)
    download_tasks(["xnli", "tatoeba"], data, base_url=server.base_url)
    assert len(server.requests) == before
    # a changed file is caught by verify, and the CLI exits non-zero
    (data / "bucc2018/de-en.dev.gold").write_text("de-000000002\ten-000000002\n")
    (data / "tatoeba/tatoeba.cmn-eng.eng").unlink()
    problems = verify(data)
    assert problems == [
        "bucc2018/de-en.dev.gold: sha256 differs from the manifest (file changed or corrupted)",
        "tatoeba/tatoeba.cmn-eng.eng: missing",
    ]
    assert harness_main(["data", "verify", "--dir", str(data)]) == 1
    # --force repairs
    download_tasks(["bucc2018", "tatoeba"], data, base_url=server.base_url, force=True)
    assert verify(data) == []
    assert harness_main(["data", "verify", "--dir", str(data)]) == 0


def test_interrupted_download_resumes_with_range(server, tmp_path):
    body = bytes(range(256)) * 4000  # ~1 MB
    server.files["/big.bin"] = body
    server.drop_once.add("/big.bin")
    target = fetch(f"{server.base_url}/big.bin", tmp_path / "big.bin", backoff=0)
    assert target.read_bytes() == body and not (tmp_path / "big.bin.part").exists()
    first, second = server.requests
    assert first == ("/big.bin", None)
    assert second[1] == f"bytes={len(body) // 2}-"  # resumed where the connection died


def test_a_kept_part_file_is_resumed_by_the_next_run(server, tmp_path):
    body = b"0123456789" * 1000
    server.files["/file.json"] = body
    (tmp_path / "file.json.part").write_bytes(body[:3000])
    fetch(f"{server.base_url}/file.json", tmp_path / "file.json", backoff=0)
    assert (tmp_path / "file.json").read_bytes() == body
    assert server.requests == [("/file.json", "bytes=3000-")]


def test_server_ignoring_range_restarts_the_file(server, tmp_path):
    body = b"abcdef" * 500
    server.files["/plain.txt"] = body
    server.ignore_range.add("/plain.txt")
    (tmp_path / "plain.txt.part").write_bytes(b"garbage-that-is-not-a-prefix")
    fetch(f"{server.base_url}/plain.txt", tmp_path / "plain.txt", backoff=0)
    assert (tmp_path / "plain.txt").read_bytes() == body


def test_stale_part_longer_than_the_file_starts_over(server, tmp_path):
    server.files["/small.txt"] = b"short"
    (tmp_path / "small.txt.part").write_bytes(b"much longer than the file")
    fetch(f"{server.base_url}/small.txt", tmp_path / "small.txt", backoff=0)
    assert (tmp_path / "small.txt").read_bytes() == b"short"


def test_missing_file_fails_at_once_and_no_network_fails_with_advice(server, tmp_path):
    with pytest.raises(HarnessError, match=r"/nothing\.zip: HTTP 404"):
        fetch(f"{server.base_url}/nothing.zip", tmp_path / "nothing.zip", backoff=0)
    assert len(server.requests) == 1  # a client error is not retried
    port = server.server_address[1]
    server.shutdown()
    server.server_close()
    with pytest.raises(HarnessError, match=r"could not download .*--base-url.*harness data mini"):
        fetch(f"http://127.0.0.1:{port}/gone.zip", tmp_path / "gone.zip", retries=1, backoff=0)


def test_panx_is_a_manual_step_then_unpacked(server, tmp_path):
    data = tmp_path / "data"
    with pytest.raises(HarnessError, match="(?s)manual step needed.*AmazonPhotos.zip") as failure:
        download_tasks(["panx"], data)
    assert failure.value.exit_code == 3
    inner = {
        lang: tar_bytes(
            {
                split: f"{lang}:Anna\tB-PER\n{lang}:Weber\tI-PER\n\n{lang}:sleeps\tO\n"
                for split in ("train", "dev", "test")
            },
            "w:gz",
        )
        for lang in ("en", "de")
    }
    bundle = tar_bytes(
        {
            "panx_dataset/en.tar.gz": inner["en"],
            "panx_dataset/de.tar.gz": inner["de"],
            "panx_dataset/xx.tar.gz": inner["de"],
        },
        "w",
    )
    (data / "panx").mkdir(parents=True, exist_ok=True)
    (data / "panx/panx_dataset.tar").write_bytes(bundle)
    manifest = download_tasks(["panx"], data)
    assert sorted(manifest["tasks"]["panx"]["files"]) == [
        f"panx/{lang}/{split}" for lang in ("de", "en") for split in ("dev", "test", "train")
    ]
    sentences = sources.load_split(data, "panx", "de", "dev")
    assert [(s.tokens, s.tags) for s in sentences] == [
        (["Anna", "Weber"], ["B-PER", "I-PER"]),
        (["sleeps"], ["O"]),
    ]
    assert verify(data) == []


def test_archive_members_cannot_escape_the_data_folder(tmp_path):
    archive = tmp_path / "evil.zip"
    archive.write_bytes(zip_bytes({"XNLI-1.0/../../../escaped.tsv": "x"}))
    mapping = download._strip("XNLI-1.0/", "xnli/XNLI-1.0/")
    with pytest.raises(HarnessError, match="outside the data folder"):
        download.extract(archive, tmp_path / "data", mapping)
    assert not (tmp_path / "escaped.tsv").exists()


def test_wrong_archive_and_unknown_task(tmp_path):
    archive = tmp_path / "x.zip"
    archive.write_bytes(zip_bytes({"something/else.txt": "x"}))
    with pytest.raises(HarnessError, match="none of the expected files"):
        download.extract(archive, tmp_path, download._strip("XNLI-1.0/", "xnli/XNLI-1.0/"))
    (tmp_path / "broken.tar.gz").write_bytes(b"not an archive at all")
    with pytest.raises(HarnessError, match="not a readable zip or tar"):
        download.extract(tmp_path / "broken.tar.gz", tmp_path, lambda name: name)
    with pytest.raises(HarnessError, match="no download known for task 'nope'"):
        download_tasks(["nope"], tmp_path)


def test_task_keys_and_hints(tmp_path):
    assert download.tasks_to_fetch(["xquad", "xnli_mt_de", "anli"]) == [
        "xquad",
        "squad_v1",
        "xnli",
        "anli",
        "mnli",
        "snli",
    ]
    assert "harness data download --tasks xnli" in download.how_to_get("xnli_mt_de", tmp_path)
    assert "harness data mini" in download.how_to_get("xnli_mt_de", tmp_path)
    assert "LDC" in download.how_to_get(
        "ccg", tmp_path
    ) and "harness data mini" not in download.how_to_get("ccg", tmp_path)
    assert (
        download.mirror_url("https://x.org/a/b/file.tgz", "udpos", "http://m/")
        == "http://m/udpos/file.tgz"
    )


def test_cli_download_through_a_mirror(server, tmp_path, capsys):
    serve_fixture_archives(server)
    code = harness_main(
        [
            "data",
            "download",
            "--tasks",
            "squad_v1,tatoeba",
            "--dir",
            str(tmp_path),
            "--base-url",
            server.base_url,
            "--keep-archives",
        ]
    )
    assert code == 0
    assert (tmp_path / "_downloads/tatoeba/main.zip").is_file()
    assert set(read_manifest(tmp_path)["tasks"]) == {"squad_v1", "tatoeba"}
    assert (
        harness_main(["data", "list", "--dir", str(tmp_path), "--tasks", "tatoeba", "xquad"]) == 0
    )
    assert capsys.readouterr().out.splitlines()[-2:] == [
        "tatoeba        test: de zh",
        "xquad          train: en; dev: en",
    ]


def test_panx_bundle_from_the_hugging_face_mirror(tmp_path):
    """panx_dataset.zip (the copy Hugging Face's wikiann/xtreme loaders fetch): <lang>.tar.gz files in a zip."""
    data = tmp_path / "data"
    inner = tar_bytes({split: "af:Kaapstad\tB-LOC\n\naf:is\tO\n" for split in ("train", "dev", "test")}, "w:gz")
    (data / "panx").mkdir(parents=True)
    with zipfile.ZipFile(data / "panx/panx_dataset.zip", "w") as bundle:
        bundle.writestr("af.tar.gz", inner)
        bundle.writestr("README.txt", "not a language")
    manifest = download_tasks(["panx"], data)
    assert sorted(manifest["tasks"]["panx"]["files"]) == [f"panx/af/{s}" for s in ("dev", "test", "train")]
    assert [s.tokens for s in sources.load_split(data, "panx", "af", "test")] == [["Kaapstad"], ["is"]]
