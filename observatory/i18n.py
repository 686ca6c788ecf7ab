"""What readers see, in French first and in English: one table of texts."""

from __future__ import annotations

from observatory import model

LANGS = ("fr", "en")

TEXTS: dict[str, dict[str, str]] = {
    "site_title": {"fr": "Observatoire d'impact #Reset", "en": "#Reset impact observatory"},
    "programme": {"fr": "Programme", "en": "Programme"},
    "coalitions": {"fr": "Coalitions", "en": "Coalitions"},
    "coalition": {"fr": "Coalition", "en": "Coalition"},
    "territories": {"fr": "Territoires", "en": "Territories"},
    "territory": {"fr": "Territoire", "en": "Territory"},
    "self_data": {"fr": "Self Data", "en": "Self Data"},
    "self_data_title": {"fr": "Observatoire Self Data", "en": "Self Data observatory"},
    "difficulty": {"fr": "Obtenir une copie de ses données", "en": "Getting a copy of one's data"},
    "services": {"fr": "Services", "en": "Services"},
    "sector": {"fr": "Secteur", "en": "Sector"},
    "search": {"fr": "Rechercher un service", "en": "Search a service"},
    "notes": {"fr": "Notes", "en": "Notes"},
    "machine_readable": {"fr": "Format lisible par machine", "en": "Machine-readable format"},
    "transfer": {"fr": "Transfert vers un autre service", "en": "Transfer to another service"},
    "assessed_on": {"fr": "Évaluation du", "en": "Assessment of"},
    "compass": {"fr": "Boussole des sept qualités", "en": "Compass of the seven qualities"},
    "compass_help": {
        "fr": "Progression moyenne vers les cibles (0–100 %, bornée), par qualité. Survolez pour le détail des statuts.",
        "en": "Mean progress toward targets (0–100 %, clipped), per quality. Hover for the status counts.",
    },
    "targets": {"fr": "Cibles", "en": "Targets"},
    "indicator": {"fr": "Indicateur", "en": "Indicator"},
    "quality": {"fr": "Qualité", "en": "Quality"},
    "baseline": {"fr": "Référence", "en": "Baseline"},
    "target": {"fr": "Cible", "en": "Target"},
    "latest": {"fr": "Dernière valeur", "en": "Latest value"},
    "progress": {"fr": "Progression", "en": "Progress"},
    "status": {"fr": "Statut", "en": "Status"},
    "source": {"fr": "Source", "en": "Source"},
    "date": {"fr": "Date", "en": "Date"},
    "unit": {"fr": "Unité", "en": "Unit"},
    "value": {"fr": "Valeur", "en": "Value"},
    "observations": {"fr": "Observations", "en": "Observations"},
    "path": {"fr": "Trajectoire attendue", "en": "Expected path"},
    "target_date": {"fr": "Échéance", "en": "Target date"},
    "intention": {"fr": "Intention", "en": "Intention"},
    "leads": {"fr": "Pilotes", "en": "Leads"},
    "partners": {"fr": "Partenaires", "en": "Partners"},
    "levers": {"fr": "Leviers", "en": "Levers"},
    "axes": {"fr": "Axes", "en": "Axes"},
    "maturity": {"fr": "Maturité", "en": "Maturity"},
    "method": {"fr": "Méthode", "en": "Method"},
    "sources": {"fr": "Sources", "en": "Sources"},
    "missing": {"fr": "Données manquantes", "en": "Missing data"},
    "nothing_missing": {"fr": "Toutes les cibles ont au moins une mesure après leur référence.",
                        "en": "Every target has at least one figure after its baseline."},
    "no_targets": {"fr": "Aucune cible n'est encore définie.", "en": "No target is defined yet."},
    "download": {"fr": "Télécharger les données de cette page (CSV)", "en": "Download the data of this page (CSV)"},
    "demonstration": {
        "fr": "Données de démonstration : les valeurs affichées sont fictives et ne mesurent rien de réel.",
        "en": "Demonstration data: the values shown are fictitious and measure nothing real.",
    },
    "demo_short": {"fr": "démonstration", "en": "demonstration"},
    "ranking": {"fr": "Coalitions classées par part de cibles atteintes ou en bonne voie",
                "en": "Coalitions ranked by share of targets achieved or on track"},
    "status_by_quality": {"fr": "Statut des cibles par qualité", "en": "Target status per quality"},
    "status_by_coalition": {"fr": "Statut des cibles par coalition", "en": "Target status per coalition"},
    "coverage": {"fr": "Couverture : cibles sans donnée", "en": "Coverage: targets without data"},
    "territory_map": {"fr": "Les territoires du programme", "en": "The programme's territories"},
    "siblings": {"fr": "Place parmi les territoires voisins", "en": "Place among sibling territories"},
    "territory_figures": {"fr": "Mesures à l'échelle du territoire", "en": "Territory-wide figures"},
    "share_on_track": {"fr": "Part atteinte ou en bonne voie", "en": "Share achieved or on track"},
    "mean_progress": {"fr": "Progression moyenne", "en": "Mean progress"},
    "number_of_targets": {"fr": "Nombre de cibles", "en": "Number of targets"},
    "no_target_here": {"fr": "aucune cible", "en": "no target"},
    "generated": {"fr": "Page produite le", "en": "Page built on"},
    "from_data_of": {"fr": "à partir des données du", "en": "from data as of"},
    "language_switch": {"fr": "English", "en": "Français"},
    "method_text": {
        "fr": (
            "Pour chaque cible, la dernière valeur est l'observation la plus récente datée strictement après la "
            "date de référence, parmi les mesures de la coalition et celles du territoire. Progression = "
            "(dernière − référence) / (cible − référence). Une cible est « atteinte » quand la dernière valeur "
            "atteint la cible dans le sens de l'indicateur. Sinon, le ratio de rythme R compare le chemin "
            "parcouru à celui attendu sur la droite allant de la référence à la cible, lu à la date de la "
            "dernière valeur : R ≥ 0,95 en bonne voie, 0,6 ≤ R < 0,95 progrès modéré, 0 ≤ R < 0,6 progrès "
            "limité, R < 0 dégradation (seuils de Statistique Canada, repris par Open SDG). La boussole donne, "
            "par qualité, la progression moyenne bornée à 0–100 %."
        ),
        "en": (
            "For each target, the latest value is the most recent observation dated strictly after the baseline "
            "date, among the coalition's own figures and the territory-wide ones. Progress = (latest − baseline) "
            "/ (target − baseline). A target is 'achieved' when the latest value meets it in the indicator's "
            "direction. Otherwise the pace ratio R compares the way travelled with the way expected on the "
            "straight line from baseline to target, read at the latest value's date: R ≥ 0.95 on track, "
            "0.6 ≤ R < 0.95 moderate, 0 ≤ R < 0.6 limited, R < 0 deterioration (Statistics Canada's "
            "thresholds, as used by Open SDG). The compass shows, per quality, the mean progress clipped to "
            "0–100 %."
        ),
    },
}

LEVER_NAMES = {
    "commande": {"fr": "Commande", "en": "Demand"},
    "offre": {"fr": "Offre", "en": "Supply"},
    "usages": {"fr": "Usages", "en": "Uses"},
}
AXIS_NAMES = {
    "environnement": {"fr": "Environnement", "en": "Environment"},
    "democratie": {"fr": "Démocratie, éthique et libertés", "en": "Democracy, ethics and freedoms"},
    "inclusion": {"fr": "Inclusion, capacitation, éducation", "en": "Inclusion, empowerment, education"},
}
MATURITY_NAMES = {
    "pilote": {"fr": "Pilote", "en": "Pilot"},
    "promo-1": {"fr": "Promo 1", "en": "Class 1"},
    "promo-2": {"fr": "Promo 2", "en": "Class 2"},
    "a-activer": {"fr": "À activer", "en": "To be activated"},
}
LEVEL_NAMES = {
    "country": {"fr": "Pays", "en": "Country"},
    "region": {"fr": "Région", "en": "Region"},
    "departement": {"fr": "Département", "en": "Département"},
    "epci": {"fr": "Intercommunalité", "en": "Inter-municipality"},
    "commune": {"fr": "Commune", "en": "Municipality"},
    "other": {"fr": "Autre", "en": "Other"},
}


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"language {lang!r}: expected one of {', '.join(LANGS)}")
    return lang


def t(key: str, lang: str) -> str:
    return TEXTS[key][check_lang(lang)]


def quality_name(slug: str, lang: str) -> str:
    return model.QUALITY_NAMES[slug][check_lang(lang)]


def status_name(status: str, lang: str) -> str:
    return model.STATUS_NAMES[status][check_lang(lang)]


def name_of(mapping: dict[str, dict[str, str]], key: str, lang: str) -> str:
    return mapping.get(key, {}).get(check_lang(lang), key)
