"""Generate the SI unit modules of the `unitkit` fixture project (data/fixtures/unitkit).

The fixture is a unit-conversion package whose registry discovers one module per unit, so the
repository holds a few hundred small Python files, as a real plugin-style codebase does. This
script writes `unitkit/units/si/<base unit>/<prefixed unit>.py` (every SI prefix for every
base unit); the registry, conversion code, non-SI units and tests are written by hand.

    python scripts/make_unitkit_fixture.py [ROOT]   # ROOT defaults to data/fixtures/unitkit
"""

from __future__ import annotations

import shutil
import sys
from decimal import Decimal
from pathlib import Path

# name, symbol, power of ten (SI Brochure, 9th edition, 2022 prefixes included)
PREFIXES = [
    ("quecto", "q", -30), ("ronto", "r", -27), ("yocto", "y", -24), ("zepto", "z", -21),
    ("atto", "a", -18), ("femto", "f", -15), ("pico", "p", -12), ("nano", "n", -9),
    ("micro", "µ", -6), ("milli", "m", -3), ("centi", "c", -2), ("deci", "d", -1),
    ("", "", 0),
    ("deca", "da", 1), ("hecto", "h", 2), ("kilo", "k", 3), ("mega", "M", 6), ("giga", "G", 9),
    ("tera", "T", 12), ("peta", "P", 15), ("exa", "E", 18), ("zetta", "Z", 21),
    ("yotta", "Y", 24), ("ronna", "R", 27), ("quetta", "Q", 30),
]

# name, symbol, dimension, factor of the unprefixed unit in the dimension's base unit,
# American spelling (or "")
BASES = [
    ("metre", "m", "length", "1", "meter"),
    ("gram", "g", "mass", "0.001", ""),
    ("second", "s", "time", "1", ""),
    ("ampere", "A", "current", "1", ""),
    ("kelvin", "K", "temperature", "1", ""),
    ("mole", "mol", "amount", "1", ""),
    ("candela", "cd", "luminous_intensity", "1", ""),
    ("litre", "L", "volume", "0.001", "liter"),
    ("hertz", "Hz", "frequency", "1", ""),
    ("newton", "N", "force", "1", ""),
    ("pascal", "Pa", "pressure", "1", ""),
    ("joule", "J", "energy", "1", ""),
    ("watt", "W", "power", "1", ""),
    ("volt", "V", "voltage", "1", ""),
]

_INVARIANT_PLURAL = {"hertz", "kelvin"}


def _plural(name: str) -> str:
    return name if name in _INVARIANT_PLURAL else name + "s"


def _const(name: str) -> str:
    return name.upper()


def module_text(prefix: tuple[str, str, int], base: tuple[str, str, str, str, str]) -> str:
    pname, psym, power = prefix
    bname, bsym, dimension, bfactor, american = base
    name = pname + bname
    factor = Decimal(bfactor).scaleb(power)
    aliases = [_plural(name)]
    if american:
        aliases += [pname + american, _plural(pname + american)]
    if name == "litre":
        aliases.append("l")
    what = f"10^{power} {bname}" if power else f"the SI unit {bname}"
    return (
        f'"""{name.capitalize()}: {what} ({dimension.replace("_", " ")}). Generated file: do not edit by hand."""\n'
        "\n"
        "from unitkit.registry import register\n"
        "from unitkit.unit import Unit\n"
        "\n"
        f"{_const(name)} = register(\n"
        "    Unit(\n"
        f"        name={name!r},\n"
        f"        symbol={psym + bsym!r},\n"
        f"        dimension={dimension!r},\n"
        f"        factor={float(factor)!r},\n"
        f"        aliases={tuple(aliases)!r},\n"
        "    )\n"
        ")\n"
    )


def generate(root: Path) -> int:
    si = root / "unitkit" / "units" / "si"
    if si.exists():
        shutil.rmtree(si)
    si.mkdir(parents=True)
    (si / "__init__.py").write_text('"""SI units with every SI prefix (generated)."""\n')
    count = 1
    for base in BASES:
        package = si / base[0]
        package.mkdir()
        (package / "__init__.py").write_text(f'"""The {base[0]} with every SI prefix (generated)."""\n')
        count += 1
        for prefix in PREFIXES:
            (package / f"{prefix[0] + base[0]}.py").write_text(module_text(prefix, base))
            count += 1
    return count


def main() -> None:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "data/fixtures/unitkit"
    print(f"wrote {generate(root)} files under {root / 'unitkit/units/si'}")


if __name__ == "__main__":
    main()
