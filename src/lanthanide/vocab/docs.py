"""The vocabulary as a Markdown page (``docs/vocabulary.md``).

Regenerate with ``python -m lanthanide.vocab > docs/vocabulary.md``; a test
fails when the page and the data disagree.
"""

from __future__ import annotations

from fractions import Fraction

from lanthanide.vocab.model import Term, Vocabulary


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _terms(rows: tuple[Term, ...], extra: str = "", cells: dict[str, str] | None = None) -> str:
    head = "| id | 中文 | English | meaning |" + (f" {extra} |" if extra else "")
    rule = "|---|---|---|---|" + ("---|" if extra else "")
    lines = [head, rule]
    for t in rows:
        line = f"| `{t.id}` | {t.label.zh} | {t.label.en} | {_cell(t.help)} |"
        if extra:
            line += f" {(cells or {}).get(t.id, '')} |"
        lines.append(line)
    return "\n".join(lines)


def _factor(f: Fraction) -> str:
    return "" if f == 1 else f"× {f}"


def markdown(v: Vocabulary) -> str:
    out = [
        "# Vocabulary",
        "",
        "<!-- Generated from src/lanthanide/vocab/data/*.yaml by "
        "`python -m lanthanide.vocab > docs/vocabulary.md`; do not edit by hand. -->",
        "",
        "The closed lists every part of lanthanide shares: the CLI's and the API's",
        "allowed values, the rulebook's validation and the determination engine all",
        "read them from `src/lanthanide/vocab/data/`. In Python:",
        "`from lanthanide.vocab import VOCAB, parse_param, extract_params`.",
        "",
        "## Item kinds (`--kind`)",
        "",
        _terms(
            tuple(v.kinds),
            "classifier",
            {k.id: "yes" if k.classify else "no" for k in v.kinds},
        ),
        "",
        "## End uses (`--end-use`)",
        "",
        _terms(
            tuple(v.end_uses),
            "used by",
            {e.id: ", ".join(f"`{b}`" for b in e.basis) for e in v.end_uses},
        ),
        "",
        "## Registry roles (`--role`)",
        "",
        _terms(v.roles),
        "",
        "## Commodities",
        "",
        "The spelling of `commodity:` on rulebook items; those with supply data",
        "are the `--commodity` values of `lanthanide supply`.",
        "",
        _terms(
            tuple(v.commodities),
            "supply model",
            {
                c.id: (
                    f"{', '.join(c.supply.stages)} ({c.supply.unit}"
                    + ("" if c.supply.network else ", shares only")
                    + ")"
                )
                if c.supply
                else ""
                for c in v.commodities
            },
        ),
        "",
        "## Element groups",
        "",
        "| group | 中文 | English | elements | meaning | sources |",
        "|---|---|---|---|---|---|",
    ]
    for g in v.element_groups:
        src = "; ".join(f"[{s.ref or s.url}]({s.url}) ({s.tag})" for s in g.sources)
        out.append(
            f"| `{g.id}` | {g.label.zh} | {g.label.en} | {' '.join(v.group(g.id))} "
            f"| {_cell(g.help)} | {_cell(src)} |"
        )
    out += ["", "## Elements", "", "| symbol | 中文 | English | groups |", "|---|---|---|---|"]
    for e in v.elements:
        names = ", ".join(e.names_en)
        out.append(f"| {e.symbol} | {e.name.zh} | {names} | {', '.join(e.groups)} |")
    out += [
        "",
        "## Technical parameters (`--param NAME=VALUE`)",
        "",
        "Values are given as a number with an optional unit (`40um`, `500 nm`,",
        "`5500 MPa`); a number without a unit is in the canonical unit.",
        "Parameters marked *nines* also take nines notation: `5N` = 99.999,",
        "`6N` = 99.9999, `4N5` = `4.5N` = 99.995. The same parser reads the",
        "values stated in a free-text query.",
        "",
        "| parameter | 中文 | English | unit | meaning | values |",
        "|---|---|---|---|---|---|",
    ]
    for p in v.params.values():
        if p.unit is None:
            values = ", ".join(f"`{c.id}` ({c.label.zh})" for c in p.choice_terms)
        else:
            spellings = sorted(k for k, u in v.units.items() if u.unit == p.unit)
            values = ", ".join(f"`{s}`" for s in spellings)
            if p.nines:
                values = "nines; " + values
        out.append(
            f"| `{p.id}` | {p.label.zh} | {p.label.en} | {p.unit or '—'} "
            f"| {_cell(p.help)} | {_cell(values)} |"
        )
    out += ["", "## Units", "", "| spelling | canonical unit | factor |", "|---|---|---|"]
    for u in v.units.values():
        out.append(f"| `{_cell(u.spelling)}` | {u.unit} | {_factor(u.factor)} |")
    for (a, b), f in v.conversions.items():
        out.append(f"| {a} (for a parameter in {b}) | {b} | {_factor(f)} |")
    return "\n".join(out) + "\n"
