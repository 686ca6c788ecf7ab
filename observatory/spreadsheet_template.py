"""``observatory template``: a spreadsheet a coalition lead fills in, then sends to ``observatory import``.

The file names its coalition (a ``coalition`` column filled on every row):
``observatory import`` refuses it for another coalition. One row per target and period to report (each year-end from the baseline to
the target date; quarters or months when the indicator says so), the
indicator's name, unit and direction beside it, and the last known value. In
``.xlsx``: drop-down lists of the allowed indicator and territory ids, cells
that only accept numbers and dates, and an instructions sheet in French.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from observatory import atomic, vocabulary
from observatory import results as results_module
from observatory.errors import ObservatoryError, Text
from observatory.sheets import neutralise
from observatory.validate import validated

# quality, link, contribution, contribution_note: optional (a drop-down for quality and contribution).
DATA_COLUMNS = ["indicator", "territory", "date", "value", "source", "comment", "quality", "link", "contribution",
                "contribution_note"]
# Every row says whose figures these are: importing the file for another coalition is refused.
COALITION_COLUMN = "coalition"
# Columns that help the lead and are not data: ignored on import (observatory/submissions.py).
INFO_COLUMNS = ["indicateur", "unité", "sens", "référence", "cible", "échéance", "dernière valeur",
                "date de la dernière valeur"]
# Written by earlier templates: still accepted, and ignored, on import.
FORMER_INFO_COLUMNS = ["territoire (nom)"]
STEPS = {"quarterly": "QE", "trimestriel": "QE", "monthly": "ME", "mensuel": "ME", "half-yearly": "6ME",
         "semestriel": "6ME"}
DIRECTION_FR = {"increase": "à la hausse", "decrease": "à la baisse"}

INSTRUCTIONS = [
    "Mode d'emploi — gabarit de saisie de l'observatoire #Reset",
    "",
    "1. Chaque ligne de la feuille « Saisie » correspond à une cible de votre coalition et à une période à renseigner.",
    "2. Renseignez la colonne « value » (valeur mesurée) avec un nombre : la virgule décimale est acceptée "
    "(12,5), sans unité ni symbole %.",
    "3. La colonne « date » est la date de la mesure : une date (31/12/2021 ou 2021-12-31), un mois (2021-06) ou "
    "une année (2021). Une mesure annuelle compte au 31 décembre.",
    "4. Indiquez la source de chaque valeur (« source ») : enquête, registre, fichier… et un commentaire si utile.",
    "5. Laissez vide une ligne dont la période n'est pas encore mesurée : elle sera ignorée.",
    "6. Vous pouvez ajouter des lignes (autre date, autre territoire) : les listes déroulantes donnent les "
    "identifiants autorisés.",
    "7. Les colonnes grisées (indicateur, unité, sens, référence, cible…) sont là pour vous aider : elles ne "
    "sont pas importées. La colonne « coalition » dit à qui sont ces chiffres : gardez-la telle quelle (aussi sur "
    "les lignes que vous ajoutez) ; un fichier d'une autre coalition est refusé à l'import.",
    "8. Envoyez le fichier tel quel (.xlsx, ou .csv enregistré depuis Excel ou LibreOffice). À l'import, tout le "
    "fichier est vérifié : s'il contient une erreur, rien n'est enregistré et chaque ligne fautive est signalée "
    "(numéro de ligne, colonne, valeur, ce qui était attendu).",
    "9. Une valeur déjà enregistrée pour le même indicateur, territoire et date n'est remplacée que sur demande "
    "explicite (option --replace) ; l'ancienne valeur reste dans l'historique.",
    "10. Facultatif, « quality » : comment la valeur a été obtenue — measured (mesurée, par défaut si vide), "
    "estimated (estimée), provisional (provisoire), proxy (indicateur indirect), demonstration (fictive).",
    "11. Facultatif, les éléments de preuve : « link », un lien vers un document (rapport, communiqué, page de "
    "données ouvertes) commençant par https:// ; « contribution », la part de l'action de la coalition dans ce "
    "changement — none (aucune), partial (partielle), main (principale) — et « contribution_note », une phrase "
    "qui l'explique.",
    "",
    "Commande : observatory import FICHIER --coalition {coalition}",
]


def periods(baseline: pd.Timestamp, target: pd.Timestamp, frequency: str | None) -> list[pd.Timestamp]:
    """The period ends to report after the baseline, up to the target date."""
    step = STEPS.get(frequency.strip().lower() if isinstance(frequency, str) else "", "YE")
    ends = pd.date_range(baseline + pd.Timedelta(days=1), target, freq=step)
    ends = [d for d in ends if d > baseline]
    if not ends or ends[-1] < target:
        ends.append(target)
    return ends


def template_rows(root: Path, coalition: str) -> tuple[list[dict], list[str], list[str]]:
    """Rows to fill, and the allowed indicator and territory ids."""
    valid = validated(root)
    if coalition not in set(valid.coalitions["id"]):
        known = ", ".join(sorted(valid.coalitions["id"]))
        raise ObservatoryError(Text("cli_no_coalition", coalition=coalition, known=known))
    results = results_module.compute(valid)
    part = results_module.for_coalition(results, coalition)
    indicators = results.indicators.set_index("id")
    obs = results.observations
    rows = []
    for _, target in part.progress.sort_values(["indicator", "territory", "target_date"]).iterrows():
        info = indicators.loc[target["indicator"]]
        usable = obs[(obs["indicator"] == target["indicator"]) & (obs["territory"] == target["territory"])
                     & (obs["coalition"].isna() | (obs["coalition"] == coalition))].sort_values("date")
        last = usable.iloc[-1] if len(usable) else None
        for end in periods(target["baseline_date"], target["target_date"], info["frequency"]):
            rows.append({
                "indicator": target["indicator"], "territory": target["territory"], "date": end.date(),
                "value": None, "source": None, "comment": None, "quality": None, "link": None,
                "contribution": None, "contribution_note": None, COALITION_COLUMN: coalition,
                "indicateur": info["name_fr"], "unité": info["unit"],
                "sens": DIRECTION_FR.get(info["direction"], info["direction"]),
                "référence": f"{target['baseline_value']:g} ({target['baseline_date']:%Y-%m-%d})",
                "cible": target["target_value"], "échéance": target["target_date"].date(),
                "dernière valeur": None if last is None else last["value"],
                "date de la dernière valeur": None if last is None else last["date"].date(),
            })
    indicator_ids = sorted(set(results.indicators["id"]))
    profile = part.coalitions.iloc[0]
    territory_ids = sorted(set(profile["territories"]) | set(part.progress["territory"]))
    return rows, indicator_ids, territory_ids


def write_template(root: Path, coalition: str, out: Path) -> Path:
    suffix = out.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise ObservatoryError(Text("template_suffix", out=out))
    rows, indicator_ids, territory_ids = template_rows(root, coalition)
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=DATA_COLUMNS + [COALITION_COLUMN] + INFO_COLUMNS,
                                lineterminator="\r\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: neutralise("" if v is None else (v.isoformat() if hasattr(v, "isoformat") else v))
                             for k, v in row.items()})
        # UTF-8 with BOM: Excel then opens accents correctly.
        out.write_bytes(buffer.getvalue().encode("utf-8-sig"))
        return out
    _write_xlsx(rows, indicator_ids, territory_ids, coalition, out)
    return out


def _write_xlsx(rows, indicator_ids, territory_ids, coalition, out: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = "Saisie"
    columns = DATA_COLUMNS + [COALITION_COLUMN] + INFO_COLUMNS
    sheet.append(columns)
    for row in rows:
        sheet.append([neutralise(row[c]) for c in columns])
    grey = PatternFill("solid", fgColor="EEEEEE")
    bold = Font(bold=True)
    for cell in sheet[1]:
        cell.font = bold
    for col_index, name in enumerate(columns, start=1):
        letter = sheet.cell(row=1, column=col_index).column_letter
        sheet.column_dimensions[letter].width = 14 if name in DATA_COLUMNS else 18
        if name in INFO_COLUMNS or name == COALITION_COLUMN:
            for cell in sheet[letter][1:]:
                cell.fill = grey
        if name == "date":
            for cell in sheet[letter][1:]:
                cell.number_format = "yyyy-mm-dd"
    sheet.column_dimensions["A"].width = 34
    sheet.freeze_panes = "A2"

    lists = book.create_sheet("Listes")
    lists.append(["indicator", "territory"])
    for i in range(max(len(indicator_ids), len(territory_ids))):
        lists.append([indicator_ids[i] if i < len(indicator_ids) else None,
                      territory_ids[i] if i < len(territory_ids) else None])
    last = 1000  # room for rows the lead adds
    validations = [
        DataValidation(type="list", formula1=f"=Listes!$A$2:$A${len(indicator_ids) + 1}", allow_blank=False,
                       errorTitle="Indicateur inconnu", error="Choisissez un identifiant d'indicateur de la liste."),
        DataValidation(type="list", formula1=f"=Listes!$B$2:$B${len(territory_ids) + 1}", allow_blank=False,
                       errorTitle="Territoire inconnu", error="Choisissez un identifiant de territoire de la liste."),
        DataValidation(type="date", operator="between", formula1="DATE(2000,1,1)", formula2="DATE(2100,12,31)",
                       allow_blank=True, errorTitle="Date attendue", error="Saisissez une date, par ex. 31/12/2021."),
        DataValidation(type="decimal", operator="between", formula1="-1E+15", formula2="1E+15", allow_blank=True,
                       errorTitle="Nombre attendu", error="Saisissez un nombre, sans unité ni symbole."),
    ]
    for validation, name in zip(validations, ["indicator", "territory", "date", "value"]):
        _apply(sheet, validation, columns.index(name) + 1, last)
    # Drop-down lists of the allowed words (each list written in the formula: a few short words).
    for name, allowed, title in (("quality", vocabulary.FILE_QUALITIES, "Qualité inconnue"),
                                 ("contribution", vocabulary.CONTRIBUTIONS, "Contribution inconnue")):
        _apply(sheet, DataValidation(type="list", formula1='"' + ",".join(allowed) + '"', allow_blank=True,
                                     errorTitle=title, error="Choisissez dans la liste : " + ", ".join(allowed)
                                     + " (ou laissez vide)."), columns.index(name) + 1, last)
    help_sheet = book.create_sheet("Mode d'emploi")
    for line in INSTRUCTIONS:
        help_sheet.append([line.format(coalition=coalition)])
    help_sheet.column_dimensions["A"].width = 140
    help_sheet["A1"].font = Font(bold=True, size=13)
    with atomic.written_aside(out, out.with_name(out.name + ".tmp")) as tmp:
        book.save(tmp)


def _apply(sheet, validation, column: int, last: int) -> None:
    """A data validation on a column's cells below the header, its error shown."""
    letter = sheet.cell(row=1, column=column).column_letter
    validation.showErrorMessage = True
    sheet.add_data_validation(validation)
    validation.add(f"{letter}2:{letter}{last}")
