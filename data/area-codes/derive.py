#!/usr/bin/env python3
# Derives data/area-codes/nanp.csv: every NANP area code (NPA) with its state or
# province, its country and its IANA time zone.
#
# Reads libphonenumber's own resource files as shipped by the `phonenumbers`
# package on PyPI, pinned to version 9.0.43 (the script refuses any other
# version, so the committed CSV always says which data it came from):
#   - phonenumbers/tzdata/   = resources/timezones/map_data.txt
#                              (number prefix -> IANA time zones)
#   - phonenumbers/geodata/  = resources/geocoding/en/1.txt
#                              (NANP prefix -> state, province or place)
#   - phonenumbers/geodata/locale.py (region code -> country name) and the
#     number metadata (region code of a number).
# and the system's IANA zone database (Python's zoneinfo) only to tell which
# zones have half-hour offsets.
# That data is Copyright The Libphonenumber Authors, Apache License 2.0.
#
# Run (from the repository root; stdlib plus the pinned package only):
#   python3 -m venv /tmp/phonenumbers-venv
#   /tmp/phonenumbers-venv/bin/pip install phonenumbers==9.0.43
#   /tmp/phonenumbers-venv/bin/python data/area-codes/derive.py
# It rewrites data/area-codes/nanp.csv, which is committed (numhealth embeds it;
# nothing is downloaded at build or run time). Same input, same bytes out.
#
# How each column is derived (see data/area-codes/README.md):
#   npa      every 3-digit NPA that either file lists (4-digit key "1NPA", or a
#            longer key under it).
#   country  region code of a valid sample number in the NPA: phonenumbers'
#            region_code_for_number on +1 NPA NXX 1234, NXX taken from the NPA's
#            listed exchanges (then a few fixed ones) until one is valid.
#   region   US and CA: the state or province as geocoding/en/1.txt names it for
#            "1NPA". Where that entry is a city ("Chicago, IL"), missing, or
#            several places ("Nova Scotia/Prince Edward Island"), the most common
#            state among the NPA's longer prefixes (population proxy below).
#            Other countries: the country or territory name (locale.py).
#   tz       the majority zone by the exchange proxy below, or the one zone.
#   zones    every zone the timezone map lists for the NPA or any longer prefix
#            under it, "|"-separated, the chosen one first.
#   tz_note  empty for single-zone NPAs; otherwise how tz was chosen, with the
#            counts; and a note for half-hour zones.
#
# Population proxy: a NANP exchange (NPA-NXX, a 7-digit prefix) is a block of
# 10,000 numbers handed out where there are subscribers, so the number of
# exchanges is a rough proxy for the number of people. The exchanges of an NPA
# are the 7-digit keys under it in either file; each exchange's zone is what
# libphonenumber itself answers for it (the longest matching prefix in the
# timezone map). An exchange that resolves to k zones counts 1/k for each.
# The zone with the highest count wins; ties go to the zone named by more
# timezone-map entries under the NPA, then alphabetically. An NPA with no
# exchanges of its own (an overlay such as 986 over 208) counts the exchanges of
# the other NPAs of its region. Where the data cannot separate the zones (all
# exchanges resolve to the same several zones) or the listed exchanges are known
# not to stand for the population, HAND_CHOSEN below decides, with its reason
# written into tz_note; the script fails if an undecided NPA has no entry there.
# The proxy is crude: exchanges are not people, and the files list only the
# exchanges libphonenumber has a place name or zone exception for.

import collections
import csv
import datetime
import os
import re
import sys
import zoneinfo
from fractions import Fraction

import phonenumbers
from phonenumbers.geodata import GEOCODE_DATA
from phonenumbers.geodata.locale import LOCALE_DATA
from phonenumbers.tzdata import TIMEZONE_DATA

PINNED_VERSION = "9.0.43"

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "nanp.csv")

# Typos in geocoding/en/1.txt, spelled as the file's other entries spell them.
SPELLING = {"British Colombia": "British Columbia"}

# The parts of the geocoding names that cover several provinces or
# territories, by their postal abbreviation.
PARTS = {
    "NS": "Nova Scotia",
    "PE": "Prince Edward Island",
    "NT": "Northwest Territories",
    "NU": "Nunavut",
    "YT": "Yukon",
}

# NPAs whose majority zone the data does not decide, chosen by hand from
# census figures. npa -> (zone, reason).
HAND_CHOSEN = {
    "709": (
        "America/St_Johns",
        "the island of Newfoundland (Newfoundland time) holds about 95% of the "
        "province's people, Labrador (mostly Atlantic time) the rest",
    ),
    "879": (
        "America/St_Johns",
        "overlay of 709: the island of Newfoundland (Newfoundland time) holds "
        "about 95% of the province's people",
    ),
    "907": (
        "America/Anchorage",
        "the listed exchanges are only the panhandle's (Juneau) exceptions; "
        "Anchorage time covers about 90% of Alaskans and keeps the same clock "
        "as Juneau; the Aleutians west of 169.5W (America/Adak) are a few "
        "thousand people",
    ),
}

# Half-hour (or 45-minute) zones: numhealth's rollups are hourly, so it takes
# local days at whole UTC hours (see src/health/area_codes.rs).
HALF_HOUR_NOTE = (
    "half-hour zone: local days are taken at whole UTC hours "
    "(the UTC offset rounded down to the hour)"
)

CITY_STATE = re.compile(r", ([A-Z]{2})$")
FIXED_EXCHANGES = ["200", "212", "234", "345", "456", "567", "678", "789", "890", "955"]


def nanp(table):
    """The NANP entries of a prefix table: prefix (without the leading 1) -> value."""
    return {k[1:]: v for k, v in table.items() if k.startswith("1") and len(k) > 1}


def longest_match(table, digits):
    for n in range(len(digits), 0, -1):
        if digits[:n] in table:
            return table[digits[:n]]
    return None


def main():
    if phonenumbers.__version__ != PINNED_VERSION:
        sys.exit(
            f"phonenumbers {phonenumbers.__version__} installed; this script is pinned "
            f"to {PINNED_VERSION} (pip install phonenumbers=={PINNED_VERSION})"
        )
    tz = {k: tuple(v) for k, v in nanp(TIMEZONE_DATA).items()}
    geo = {k: SPELLING.get(v["en"], v["en"]) for k, v in nanp(GEOCODE_DATA).items() if "en" in v}

    npas = sorted(
        {k[:3] for k in list(tz) + list(geo) if len(k) >= 3 and re.fullmatch(r"[2-9]\d\d", k[:3])}
    )
    exchanges = {
        npa: sorted({k for k in list(tz) + list(geo) if len(k) == 6 and k.startswith(npa)})
        for npa in npas
    }

    country = {npa: country_of(npa, exchanges[npa]) for npa in npas}
    names = state_names(geo, npas)
    region = {npa: region_of(npa, country[npa], geo, names, npas) for npa in npas}

    rows = []
    for npa in npas:
        zone, zones, note = zone_of(npa, tz, exchanges, region, npas)
        rows.append([npa, region[npa], country[npa], zone, "|".join(zones), note])

    with open(OUT, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["npa", "region", "country", "tz", "zones", "tz_note"])
        writer.writerows(rows)
    print(f"wrote {len(rows)} area codes to {OUT}", file=sys.stderr)


def country_of(npa, npa_exchanges):
    """Region code of the first valid sample number in the NPA."""
    candidates = [e[3:] for e in npa_exchanges] + FIXED_EXCHANGES
    first = None
    for nxx in candidates:
        number = phonenumbers.parse(f"+1{npa}{nxx}1234")
        if first is None:
            first = number
        if phonenumbers.is_valid_number(number):
            return phonenumbers.region_code_for_number(number)
    # No valid sample: the region whose leading digits match (Caribbean plans).
    code = phonenumbers.region_code_for_number(first)
    if not code:
        sys.exit(f"no region code for NPA {npa}")
    return code


def state_names(geo, npas):
    """Postal abbreviation -> state or province name as geocoding/en/1.txt spells it.

    Learnt from the NPAs whose 4-digit entry is a plain name: the abbreviation
    most of their "City, XX" prefixes carry."""
    votes = collections.defaultdict(collections.Counter)
    for npa in npas:
        name = geo.get(npa)
        if name is None or CITY_STATE.search(name) or "/" in name:
            continue
        for key, value in geo.items():
            if len(key) > 3 and key.startswith(npa):
                m = CITY_STATE.search(value)
                if m:
                    votes[m.group(1)][name] += 1
    names = {abbr: counter.most_common(1)[0][0] for abbr, counter in votes.items()}
    # A combined entry ("Nova Scotia/Prince Edward Island") names its parts.
    for name in {geo.get(npa) for npa in npas}:
        if name and "/" in name:
            for part in name.split("/"):
                abbr = next((a for a, p in PARTS.items() if p == part), None)
                if abbr is None:
                    sys.exit(f"no abbreviation for {part!r} of {name!r}; extend PARTS")
                names.setdefault(abbr, part)
    return names


def region_of(npa, country, geo, names, npas):
    if country not in ("US", "CA"):
        names_by_locale = LOCALE_DATA.get(country, {})
        name = names_by_locale.get("en")
        while name and name.startswith("*"):  # "*aa": same as locale "aa"
            name = names_by_locale.get(name[1:])
        if not name:
            sys.exit(f"no English name for region {country} (NPA {npa})")
        return name
    entry = geo.get(npa)
    if entry and not CITY_STATE.search(entry) and "/" not in entry:
        return entry
    votes = state_votes(npa, geo, names)
    if not votes and entry:
        # An overlay with no prefixes of its own: the NPAs with the same entry.
        for other in npas:
            if other != npa and geo.get(other) == entry:
                votes.update(state_votes(other, geo, names))
    if not votes:
        if entry and "/" in entry:
            return entry
        sys.exit(f"no state or province for NPA {npa} ({entry!r})")
    top = max(votes.values())
    return sorted(name for name, count in votes.items() if count == top)[0]


def state_votes(npa, geo, names):
    """States named by the NPA's own entry and its longer prefixes, counted."""
    plain = set(names.values())
    votes = collections.Counter()
    for key, value in geo.items():
        if not key.startswith(npa):
            continue
        m = CITY_STATE.search(value)
        if m and m.group(1) in names:
            votes[names[m.group(1)]] += 1
        elif m:
            sys.exit(f"unknown abbreviation in {value!r} (prefix 1{key})")
        elif len(key) > 3 and value in plain:
            votes[value] += 1
    return votes


def zone_of(npa, tz, exchanges, region, npas):
    listed = collections.Counter()
    for key, zones in tz.items():
        if key.startswith(npa) and len(key) >= 3:
            for zone in zones:
                listed[zone] += 1
    if not listed:
        sys.exit(f"no time zone listed for NPA {npa}")
    if len(listed) == 1:
        (zone,) = listed
        return zone, [zone], half_hour_note(zone)

    own = exchanges[npa]
    counted = own
    basis = f"exchange count ({len(own)} exchanges)"
    if not own:
        counted = [
            e
            for other in npas
            if other != npa and region[other] == region[npa]
            for e in exchanges[other]
        ]
        basis = (
            f"exchange count over the {len(counted)} exchanges of "
            f"{region[npa]}'s other area codes (it lists none of its own)"
        )
    weights = collections.defaultdict(Fraction)
    decisive = False
    for exchange in counted:
        zones = longest_match(tz, exchange) or ()
        for zone in zones:
            weights[zone] += Fraction(1, len(zones))
        if len(zones) == 1:
            decisive = True
    by_count = sorted(weights.items(), key=lambda zw: (-zw[1], -listed[zw[0]], zw[0]))
    counts = ", ".join(f"{zone} {fmt(weight)}" for zone, weight in by_count)

    if npa in HAND_CHOSEN:
        zone, reason = HAND_CHOSEN[npa]
        if zone not in listed:
            sys.exit(f"hand-chosen zone {zone} for {npa} is not listed for it")
        note = f"several zones; chosen by hand: {reason}; {basis}: {counts or 'none'}"
    elif decisive:
        zone = by_count[0][0]
        note = f"several zones; majority by {basis}: {counts}"
    else:
        sys.exit(f"the data does not decide NPA {npa}'s zone ({counts}); add it to HAND_CHOSEN")
    zones = [zone] + sorted(z for z in listed if z != zone)
    extra = half_hour_note(zone)
    return zone, zones, f"{note}; {extra}" if extra else note


def half_hour_note(zone):
    """The note for a zone whose UTC offset (winter or summer 2026) is not whole hours."""
    info = zoneinfo.ZoneInfo(zone)
    for month in (1, 7):
        offset = datetime.datetime(2026, month, 1, 12, tzinfo=info).utcoffset()
        if offset.total_seconds() % 3600:
            return HALF_HOUR_NOTE
    return ""


def fmt(weight):
    return str(weight.numerator) if weight.denominator == 1 else f"{float(weight):.1f}"


if __name__ == "__main__":
    main()
