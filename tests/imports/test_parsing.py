"""Stage 1: files of every supported format and every way a file can be unreadable."""

import json

import pytest
from django.core.management.base import CommandError
from openpyxl import Workbook

from maillage.imports.parsing import parse_file
from maillage.imports.records import ImportFileError

ROWS = "name,main_type,commune_code\nLa Cantine,tiers-lieu,44109\nPlateforme C,Fablab,44109\n"


def test_utf8_csv_with_bom_keeps_accents_and_clean_header(write):
    parsed = parse_file(write("a.csv", "\ufeff" + ROWS.replace("La Cantine", "Écluse")))
    assert parsed.header == ("name", "main_type", "commune_code")
    assert parsed.rows[0].values["name"] == "Écluse"
    assert parsed.rows[0].line == 2


def test_windows_1252_csv_as_excel_writes_it(write):
    parsed = parse_file(write("a.csv", "name;main_type\r\nÉcole numérique;fablab\r\n", "cp1252"))
    assert parsed.delimiter == ";"
    assert parsed.rows[0].values == {"name": "École numérique", "main_type": "fablab"}


def test_semicolon_csv_keeps_quoted_semicolons(write):
    parsed = parse_file(write("a.csv", 'name;themes\nX;"mobilite;sante"\n'))
    assert parsed.rows[0].values["themes"] == "mobilite;sante"


def test_multiline_cell_reports_the_line_where_the_record_starts(write):
    parsed = parse_file(write("a.csv", 'name,description\nA,"two\nlines"\nB,x\n'))
    assert [row.line for row in parsed.rows] == [2, 4]


def test_formula_apostrophe_is_removed(write):
    parsed = parse_file(write("a.csv", "name,description\n'=HYPERLINK(1),'-moins\n"))
    assert parsed.rows[0].values == {"name": "=HYPERLINK(1)", "description": "-moins"}


def test_xlsx_first_sheet_with_numbers_as_text(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["name", "commune_code", "latitude"])
    sheet.append(["Atelier", 1053, 46.2])
    sheet.append([None, None, None])
    path = tmp_path / "a.xlsx"
    workbook.save(path)
    parsed = parse_file(path)
    assert parsed.format == "xlsx"
    assert parsed.rows[0].values == {"name": "Atelier", "commune_code": "1053", "latitude": "46.2"}


def test_json_array_and_maillage_export(write):
    items = [{"name": "A", "themes": ["mobilite"]}]
    assert parse_file(write("a.json", json.dumps(items))).rows[0].values["themes"] == ["mobilite"]
    wrapped = parse_file(
        write("b.json", json.dumps({"generator": "Maillage", "structures": items}))
    )
    assert wrapped.rows[0].values["name"] == "A"
    assert wrapped.row_label == "élément"


def test_geojson_keeps_the_geometry(write):
    content = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [-1.55, 47.21]},
                "properties": {"name": "A"},
            }
        ],
    }
    parsed = parse_file(write("a.geojson", json.dumps(content)))
    assert parsed.format == "geojson"
    assert parsed.header == ("name",)
    assert parsed.rows[0].values["__geometry__"]["coordinates"] == [-1.55, 47.21]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.csv", b"", "est vide"),
        ("a.csv", b"name,main_type\n", "aucune ligne de donn"),
        ("a.pdf", b"%PDF-1.4", r"Format de fichier non reconnu \(\.pdf\)"),
        ("a.csv", "name\nÉcole\n".encode("utf-16"), "UTF-16"),
        ("a.csv", bytes(range(256)) * 4, "binaire"),
        ("a.xlsx", b"PK\x03\x04 not really a zip", "classeur Excel"),
        ("a.xlsx", b"name,main_type\nA,B\n", "classeur Excel"),
        ("a.geojson", b'{"type": "FeatureCollection", "features": 3}', "features"),
        ("a.geojson", b'{"type": "Feature"}', "FeatureCollection"),
        ("a.geojson", b'{"type": "FeatureCollection", "features": [', "pas un JSON valide"),
        ("a.json", b'{"name": "A"}', "liste d'objets"),
        ("a.json", b"[1, 2]", "n'est pas un objet JSON"),
    ],
)
def test_unreadable_files_raise_one_clear_error(write, name, content, message):
    with pytest.raises(ImportFileError, match=message):
        parse_file(write(name, content))


def test_missing_file(tmp_path):
    with pytest.raises(ImportFileError, match="n'existe pas"):
        parse_file(tmp_path / "absent.csv")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("vide.csv", b"", "est vide"),
        ("a.txt.odt", b"x", "Format de fichier non reconnu"),
        ("utf16.csv", "name\nA\n".encode("utf-16"), "UTF-16"),
        ("bad.xlsx", b"garbage", "classeur Excel"),
        ("bad.geojson", b"{", "pas un JSON valide"),
    ],
)
def test_the_command_exits_non_zero_without_traceback(
    loaded, write, run_command, name, content, message
):
    with pytest.raises(CommandError, match=message) as error:
        run_command("import", write(name, content))
    assert error.value.returncode == 1


@pytest.mark.django_db
def test_the_command_reports_a_missing_file(loaded, tmp_path, run_command):
    with pytest.raises(CommandError, match="n'existe pas"):
        run_command("import", tmp_path / "absent.csv")


class TestHostileFiles:
    def test_an_xlsx_zip_bomb_is_refused(self, tmp_path):
        import zipfile

        bomb = tmp_path / "bombe.xlsx"
        with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("[Content_Types].xml", "<Types/>")
            archive.writestr("xl/workbook.xml", "<workbook/>")
            archive.writestr("xl/worksheets/sheet1.xml", "<" + "a" * 50_000_000 + "/>")
        assert bomb.stat().st_size < 200_000
        with pytest.raises(ImportFileError, match="anormal"):
            parse_file(bomb)

    def test_a_file_named_xlsx_that_is_not_a_workbook_is_refused(self, tmp_path):
        fake = tmp_path / "faux.xlsx"
        fake.write_bytes(b"PK\x03\x04 not really a zip")
        with pytest.raises(ImportFileError, match="pas un classeur"):
            parse_file(fake)

    def test_a_file_over_the_size_limit_is_refused(self, tmp_path, settings):
        settings.MAILLAGE_IMPORT_MAX_BYTES = 1_000
        big = tmp_path / "gros.csv"
        big.write_text("name\n" + "x\n" * 1_000)
        with pytest.raises(ImportFileError, match="limite"):
            parse_file(big)
