#!/usr/bin/env python3
"""Derive fendan's *data* cohorts (seeds/cohorts.csv) from the census files vendored in seeds/census.

Usage (from the repository root, or from anywhere):

    python3 tools/derive_cohorts.py [CENSUS_DIR] [--out PATH]

CENSUS_DIR holds handan-counties.csv, handan-townships.csv,
handan-villages.csv, handan-city-totals.csv and handan-enrolment-2015.csv
(seeds/census/README.md says where each column comes from). It defaults to
``seeds/census`` in the repository root (the parent of this ``tools/``
folder), so the derivation needs no file outside the repository. PATH
defaults to ``seeds/cohorts.csv`` in the repository root.

The output has the columns ``year,unit_code,cohort,headcount`` and one row for
every year 2015-2020 x the 20 county-level units of 2016-2020 x the 17 data
cohorts, sorted by year, unit_code and cohort name. Only the Python 3 standard
library is used. All arithmetic is on integers and ``fractions.Fraction``; no
binary float is involved anywhere, so the output is identical on every run and
every machine. On success the script prints exactly one summary line; on bad
input it prints a message to stderr and exits with status 1.

Tags used below: [P] published figure, [S] secondary copy of a published
figure, [E] estimate made here (every [E] figure is an assumption and is
labelled as such in seeds/cohorts.yaml).

Sources (ids of seeds/sources.yaml in brackets)
-------
* 2020 census (七普), per unit [census-2020]: ``handan-counties.csv`` rows
  with year 2020, taken from the 2020 census yearbook via leiii/census
  (census_county_2020_v1.xlsx). Population, urban population and the age
  bands 0, 1-4, 5-9, 10-14, 15-19, 60+, 65+, 80+. [P]
* 2010 census (六普), city level only [census-2010]: the 130400 row with
  year 2010. [P]
  The 2010 *unit* rows are on the pre-2016 boundaries (邯郸县 was abolished and
  split three ways; 7 townships of 磁县 and 2 of 永年县 moved to the two
  functional zones) and are not used, see "Unit shares".
* City resident population (常住人口), year-end figures, in
  handan-city-totals.csv: 2015 943.30万 [S] [hebei-sample-2015], 2016
  949.28万 [E] (2017 figure minus the stated 2017 increase of 1.83万), 2017
  951.11万 [S] [handan-pop-2017], 2020 9,413,990 [P] (census).
* Urbanization, in handan-city-totals.csv: 2017 55.31% [S]; 2016 53.53% [E]
  (55.31 - 1.78, the rise stated for 2017); 2010 and 2020 from the censuses [P].
* Township-level units (街道+镇+乡): handan-townships.csv [nbs-codes] (NBS
  统计用区划代码, snapshots of 2015, 2017 and 2020). [P]
* Administrative villages (村委会): handan-villages.csv [nbs-villages-2020],
  counted from the NBS 2020 code list. [S]
* Enrolment at the end of 2015, in handan-enrolment-2015.csv
  [handan-edu-plan-2018]: primary and junior 136.14万, general senior high
  13.83万, secondary vocational 8.12万, upper-secondary gross enrolment rate
  92.02 %; and the plan's 2015 nine-year retention rate, 96 % [plan], the
  ratio fendan applies to ages 12-14. [S]

Method
------
1. City totals of pop_total (persons):
       2015 9,433,000   2016 9,492,800 [E]   2017 9,511,100
       2018 9,478,730 [E]   2019 9,446,360 [E]   2020 9,413,990
   2018 and 2019 are a straight line between the 2017 estimate and the 2020
   census (both exact integers here: the step is 97,110 / 3 = 32,370). The
   annual estimates are year-end figures and sit about 1% above the census
   level; they are used as given, as the average population of the year [E].

2. Unit shares (pop_total). Every year uses the unit's share of the 2020
   census population [E]. The 2010 census rows cannot be re-mapped to the
   2016 boundaries defensibly: that would need 2010 populations of the
   townships that moved (邯郸县 -> 邯山区/丛台区/开发区, 永年县 -> 开发区,
   磁县 -> 冀南新区), which the reference data do not have. Holding the 2020
   shares fixed ignores the shift of population towards the urban districts
   during 2015-2020, so the districts are somewhat overstated and the rural
   counties somewhat understated in the early years.
   The city total T_y is split with the largest-remainder (Hamilton) method:
   each unit first gets floor(T_y * p_i / P) where p_i is its 2020 census
   population and P = 9,413,990; the persons left over go one each to the
   units with the largest fractional remainders, ties broken by the smaller
   unit code. The 20 units therefore sum exactly to T_y, and the 2020 row
   reproduces the census exactly.

3. pop_urban / pop_rural. City urbanization path u_y:
       2015: straight line between the 2010 census (3,985,686 / 9,174,683)
             and 2016, i.e. u_2010 + (u_2016 - u_2010) * 5/6 (about 51.85%) [E]
       2016: 53.53% [E]     2017: 55.31% [S]
       2018, 2019: straight line between 2017 and 2020 [E]
       2020: 5,485,163 / 9,413,990 (58.27%, census) [P]
   The city urban total is round_half_up(u_y * T_y). It is split over the
   units by largest remainder in proportion to pop_total_i,y * s_i, where
   s_i is the unit's 2020 census urban share; i.e. every unit's urban share
   is its 2020 share scaled by the same city-wide factor [E]. pop_rural is
   pop_total - pop_urban, so the two always add up to pop_total.

4. Age cohorts [E]. From each unit's 2020 census age bands, assuming ages
   are spread evenly inside each 5-year band (the age-band method of the 2020 census notes):
       age_0_3   = age 0 + 2/4 * (1-4)              ages 0-2 (0-36 months)
       age_0_6   = age 0 + (1-4) + 2/5 * (5-9)      ages 0-6 (under 7)
       age_3_5   = 2/4 * (1-4) + 1/5 * (5-9)        ages 3-5 (学前三年)
       age_6_11  = 4/5 * (5-9) + 2/5 * (10-14)      ages 6-11 (primary)
       age_12_14 = 3/5 * (10-14)                    ages 12-14 (junior)
       age_15_17 = 3/5 * (15-19)                    ages 15-17 (senior)
       age_0_14  = age 0 + (1-4) + (5-9) + (10-14)  (helper, not written)
   Each is turned into an exact share of the unit's 2020 census population
   and applied to the unit's pop_total of each year. These child shares are
   held at their 2020 values for every year [E], except that the school-age
   cohorts are calibrated to the 2015 enrolment (step 4a).

4a. Enrolment calibration [E]. Handan's child cohorts grew strongly over
   2010-2020 (the census counts 5-9 year olds at 0.92 million against 0.66
   million in 2010), so fixed 2020 shares overstate the school-age cohorts of
   the early years: on them, 2015 primary + junior enrolment would be about
   1.61 million against the 1,361,400 the city counted. The school-age cohorts
   are therefore scaled by a city-wide factor f_y that runs in a straight line
   from the 2015 actual to the 2020 census-based count:
       f_2015 = actual_2015 / modelled_2015,   f_2020 = 1,
       f_y    = f_2015 + (1 - f_2015) * (y - 2015) / 5,
   where, with A the uncalibrated cohorts summed over the units (exact
   fractions, before rounding),
     compulsory (age_6_11 and age_12_14, one factor for both):
       modelled_2015 = A_6_11 + 0.96 * A_12_14, actual_2015 = 1,361,400
       (0.96 is the plan's 2015 retention rate, the ratio fendan applies to
       ages 12-14; ages 6-11 are all counted as primary pupils);
     upper secondary (age_15_17):
       modelled_2015 = 0.9202 * A_15_17, actual_2015 = 138,300 + 81,200
       (0.9202 is the city's 2015 gross enrolment rate of upper-secondary
       education, so the calibrated 2015 cohort times it gives the 2015
       enrolment of general senior high and vocational schools together).
   Every unit gets round_half_up(share * pop_total * f_y): the city's factor
   is applied to each unit's 2020 share [E]. The children removed from ages
   6-14 are added to ages 15-59 (age_0_14 falls by the same number), so the
   three broad age groups still add up to pop_total; the removed 15-17 year
   olds stay inside ages 15-59. The 2016 primary + junior enrolment that
   follows (pupils_primary + pupils_junior) lies between the 2015 actual and
   the 2020 census-based count, and so does 2016 vocational enrolment. The
   pre-school cohorts (age_0_3, age_0_6, age_3_5, births) have the same bias
   but no count to calibrate them to; they keep the 2020 shares.
   Elderly: the unit's 2020 share of 60+ (65+, 80+) is multiplied by
   c_y / c_2020, where c_y is the *city* share on a straight line between the
   2010 census and the 2020 census (10 years apart; year y sits at
   (y - 2010) / 10 of the way) [E]. The 2010 city shares are on the old
   boundaries, but the city's outer boundary did not change in 2016, so the
   city-level shares are comparable. City-level check: the line gives a 65+
   share of 10.48% for 2017 against the published 10.81% [S].
       age_15_59 = pop_total - round(age_0_14) - age_60_plus
   so that 0-14, 15-59 and 60+ add up to pop_total in every unit and year.

5. births [E]: the 2020 census count of 1-4 year olds divided by 4 (an
   average of about 126.9 thousand surviving births a year for the city),
   as a share of the unit's 2020 population, applied to
   every year's unit population. The census count of age 0 (84,565) is not
   used: it covers only ten months of 2020 births and infants are usually
   under-counted.

6. townships: the 2017 NBS snapshot for 2016-2019 and the 2020 snapshot for
   2020 [P]. For 2015 the 2017 snapshot is also used [E]: the 2015 snapshot
   is on the old boundaries (19 units, with 邯郸县 and without the two zones),
   while every other 2015 figure here is on the 2016 boundaries. For the 13
   units whose boundaries did not change the 2015 and 2017 counts are
   identical anyway (the script checks that the only differences are in
   邯山区, 丛台区 and 磁县, which received or lost townships in 2016).

7. villages: the 2020 NBS count of 村委会 for every year [E] (the 2021 list
   gives the same counts; a 2016-17 city profile suggests the earlier totals
   were at most 1-2% higher).

8. unit_count: 1 for every unit and year.

Rounding: every headcount is the exact fraction rounded half up to a whole
person (headcounts are never negative). Rounding half up is monotonic, so a
cohort whose exact value is at most its parent's stays at most its parent's
after rounding; the script asserts these orderings (age_0_3 <= age_0_6,
age_3_5 <= age_0_6, age_80_plus <= age_65_plus <= age_60_plus,
age_15_17 <= age_15_59, pop_urban <= pop_total, births <= age_0_6, ...) and
that each year's pop_total sums to the city total.
"""

import argparse
import csv
import os
import sys
from fractions import Fraction

YEARS = list(range(2015, 2021))
CALIBRATION_YEAR = 2015

UNITS = [
    "130402", "130403", "130404", "130406", "130407", "130408",
    "130423", "130424", "130425", "130426", "130427", "130430",
    "130431", "130432", "130433", "130434", "130435",
    "130471", "130473", "130481",
]

CITY_CODE = "130400"


COHORTS = [
    "pop_total", "pop_urban", "pop_rural", "births",
    "age_0_3", "age_0_6", "age_3_5", "age_6_11", "age_12_14", "age_15_17",
    "age_15_59", "age_60_plus", "age_65_plus", "age_80_plus",
    "townships", "villages", "unit_count",
]

COUNTY_FIELDS = [
    "pop_total", "urban", "rural", "age_0", "age_1_4", "age_5_9",
    "age_10_14", "age_15_19", "age_60_plus", "age_65_plus", "age_80_plus",
]

# Units whose township count legitimately differs between the 2015 and 2017
# NBS snapshots (they gained or lost townships in the 2016 re-districting).
REDISTRICTED = {"130402", "130403", "130427"}


class InputError(Exception):
    """Raised for any problem with the reference files."""


def round_half_up(x):
    """Round a non-negative Fraction (or int) half up to an int."""
    x = Fraction(x)
    if x < 0:
        raise InputError("negative headcount %s" % x)
    return (2 * x.numerator + x.denominator) // (2 * x.denominator)


def largest_remainder(total, weights):
    """Split the integer `total` over the keys of `weights` (dict code -> weight
    >= 0, as int or Fraction) in proportion to the weights, so that the parts
    are integers summing exactly to `total`. Leftover units go to the largest
    fractional remainders; ties go to the smaller code."""
    wsum = sum(Fraction(w) for w in weights.values())
    if wsum <= 0:
        raise InputError("largest_remainder: weights sum to zero")
    quotas = {k: Fraction(total) * Fraction(w) / wsum for k, w in weights.items()}
    parts = {k: q.numerator // q.denominator for k, q in quotas.items()}
    left = total - sum(parts.values())
    order = sorted(quotas, key=lambda k: (-(quotas[k] - parts[k]), k))
    if not 0 <= left <= len(order):
        raise InputError("largest_remainder: inconsistent leftover %d" % left)
    for k in order[:left]:
        parts[k] += 1
    return parts


def read_csv(path):
    if not os.path.isfile(path):
        raise InputError("missing input file: %s" % path)
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def as_int(row, field, path):
    value = (row.get(field) or "").strip()
    try:
        n = int(value)
    except ValueError:
        raise InputError("%s: code %s: field %r is not an integer: %r"
                         % (path, row.get("code"), field, value))
    if n < 0:
        raise InputError("%s: code %s: field %r is negative"
                         % (path, row.get("code"), field))
    return n


def load_census(refdir):
    path = os.path.join(refdir, "handan-counties.csv")
    rows = read_csv(path)
    c2020, city2010 = {}, None
    for row in rows:
        code, year = (row.get("code") or "").strip(), (row.get("year") or "").strip()
        if year == "2020" and (code in UNITS or code == CITY_CODE):
            if code in c2020:
                raise InputError("%s: duplicate 2020 row for %s" % (path, code))
            c2020[code] = {f: as_int(row, f, path) for f in COUNTY_FIELDS}
        elif year == "2010" and code == CITY_CODE:
            city2010 = {f: as_int(row, f, path) for f in COUNTY_FIELDS}
    missing = [c for c in UNITS + [CITY_CODE] if c not in c2020]
    if missing:
        raise InputError("%s: no 2020 row for %s" % (path, ", ".join(missing)))
    if city2010 is None:
        raise InputError("%s: no 2010 row for the city (%s)" % (path, CITY_CODE))
    for f in COUNTY_FIELDS:
        s = sum(c2020[u][f] for u in UNITS)
        if s != c2020[CITY_CODE][f]:
            raise InputError("%s: 2020 %s of the 20 units sums to %d, city row says %d"
                             % (path, f, s, c2020[CITY_CODE][f]))
    for code in UNITS + [CITY_CODE]:
        r = c2020[code]
        if r["urban"] + r["rural"] != r["pop_total"]:
            raise InputError("%s: 2020 urban + rural != pop_total for %s" % (path, code))
        young = r["age_0"] + r["age_1_4"] + r["age_5_9"] + r["age_10_14"]
        if not (r["age_80_plus"] <= r["age_65_plus"] <= r["age_60_plus"]
                and young + r["age_60_plus"] + r["age_15_19"] <= r["pop_total"]
                and r["pop_total"] > 0):
            raise InputError("%s: 2020 age bands inconsistent for %s" % (path, code))
    return c2020, city2010


def load_townships(refdir):
    path = os.path.join(refdir, "handan-townships.csv")
    by_snapshot = {"2015": {}, "2017": {}, "2020": {}}
    for row in read_csv(path):
        as_of = (row.get("as_of") or "").strip()[:4]
        if as_of in by_snapshot:
            by_snapshot[as_of][row["code"].strip()] = as_int(row, "total_township_level", path)
    for snap in ("2017", "2020"):
        missing = [u for u in UNITS if u not in by_snapshot[snap]]
        if missing:
            raise InputError("%s: no %s township count for %s" % (path, snap, ", ".join(missing)))
    for u in UNITS:
        old = by_snapshot["2015"].get(u)
        if old is not None and old != by_snapshot["2017"][u] and u not in REDISTRICTED:
            raise InputError("%s: unit %s changed its township count between 2015 and 2017 "
                             "but is not a re-districted unit" % (path, u))
    return by_snapshot


def load_villages(refdir):
    path = os.path.join(refdir, "handan-villages.csv")
    villages = {}
    for row in read_csv(path):
        if (row.get("as_of") or "").strip() == "2020-06-30" and row["code"].strip() in UNITS:
            villages[row["code"].strip()] = as_int(row, "villages", path)
    missing = [u for u in UNITS if u not in villages]
    if missing:
        raise InputError("%s: no 2020 village count for %s" % (path, ", ".join(missing)))
    return villages


def measures(path, keys):
    """Read `year,measure,value` rows (plus other columns) into {(year, measure): Fraction}
    for the measures in `keys`, which must all be present."""
    out = {}
    for row in read_csv(path):
        k = ((row.get("year") or "").strip(), (row.get("measure") or "").strip())
        if k in keys:
            try:
                out[k] = Fraction((row.get("value") or "").strip())
            except (ValueError, ZeroDivisionError):
                raise InputError("%s: %s %s: value %r is not a number"
                                 % (path, k[0], k[1], row.get("value")))
    missing = ["%s %s" % k for k in keys if k not in out]
    if missing:
        raise InputError("%s: missing %s" % (path, ", ".join(missing)))
    return out


def load_city_totals(refdir):
    path = os.path.join(refdir, "handan-city-totals.csv")
    m = measures(path, [("2015", "resident_population_yearend"),
                        ("2017", "resident_population_yearend"),
                        ("2017", "resident_population_change"),
                        ("2017", "urbanization_rate"),
                        ("2017", "urbanization_rate_change")])
    return {
        "pop_2015": m[("2015", "resident_population_yearend")],
        "pop_2017": m[("2017", "resident_population_yearend")],
        "pop_change_2017": m[("2017", "resident_population_change")],
        "urban_2017": m[("2017", "urbanization_rate")] / 100,
        "urban_change_2017": m[("2017", "urbanization_rate_change")] / 100,
    }


def load_enrolment(refdir):
    path = os.path.join(refdir, "handan-enrolment-2015.csv")
    y = str(CALIBRATION_YEAR)
    m = measures(path, [(y, "primary_plus_junior_enrolment"),
                        (y, "general_high_enrolment"),
                        (y, "secondary_vocational_enrolment"),
                        (y, "high_school_stage_gross_enrolment_rate"),
                        (y, "junior_enrolment_ratio_plan")])
    return {
        "compulsory": m[(y, "primary_plus_junior_enrolment")],
        "upper": m[(y, "general_high_enrolment")] + m[(y, "secondary_vocational_enrolment")],
        "upper_rate": m[(y, "high_school_stage_gross_enrolment_rate")] / 100,
        "junior_ratio": m[(y, "junior_enrolment_ratio_plan")] / 100,
    }


def city_totals(census_2020_total, ct):
    t = {2015: int(ct["pop_2015"]), 2016: int(ct["pop_2017"] - ct["pop_change_2017"]),
         2017: int(ct["pop_2017"]), 2020: census_2020_total}
    for y in (2018, 2019):
        exact = Fraction(t[2017]) + Fraction(census_2020_total - t[2017]) * (y - 2017) / 3
        t[y] = round_half_up(exact)
    return t


def urban_path(city2010, city2020, ct):
    u2010 = Fraction(city2010["urban"], city2010["pop_total"])
    u2020 = Fraction(city2020["urban"], city2020["pop_total"])
    u2017 = ct["urban_2017"]
    u2016 = u2017 - ct["urban_change_2017"]
    u = {2016: u2016, 2017: u2017, 2020: u2020}
    u[2015] = u2010 + (u2016 - u2010) * Fraction(5, 6)
    for y in (2018, 2019):
        u[y] = u2017 + (u2020 - u2017) * Fraction(y - 2017, 3)
    return u


def calibration(shares, pops, enrol):
    """The city-wide factors f_y (step 4a) for the compulsory and upper-secondary ages."""
    y0 = CALIBRATION_YEAR
    a611 = sum(shares[u]["age_6_11"] * pops[y0][u] for u in UNITS)
    a1214 = sum(shares[u]["age_12_14"] * pops[y0][u] for u in UNITS)
    a1517 = sum(shares[u]["age_15_17"] * pops[y0][u] for u in UNITS)
    f0 = {
        "compulsory": enrol["compulsory"] / (a611 + enrol["junior_ratio"] * a1214),
        "upper": enrol["upper"] / (enrol["upper_rate"] * a1517),
    }
    for k, f in f0.items():
        if not 0 < f <= 1:
            raise InputError("calibration factor for %s in %d is %s; expected a reduction (0 < f <= 1)"
                             % (k, y0, float(f)))
    last = YEARS[-1]
    return {k: {y: f + (1 - f) * Fraction(y - y0, last - y0) for y in YEARS} for k, f in f0.items()}


def elderly_scale(city2010, city2020, field, year):
    """c_y / c_2020 for the city share of `field` on the 2010-2020 line."""
    c10 = Fraction(city2010[field], city2010["pop_total"])
    c20 = Fraction(city2020[field], city2020["pop_total"])
    cy = c10 + (c20 - c10) * Fraction(year - 2010, 10)
    return cy / c20


def derive(refdir):
    c2020, city2010 = load_census(refdir)
    townships = load_townships(refdir)
    villages = load_villages(refdir)
    ct = load_city_totals(refdir)
    enrol = load_enrolment(refdir)
    city2020 = c2020[CITY_CODE]

    totals = city_totals(city2020["pop_total"], ct)
    upath = urban_path(city2010, city2020, ct)

    # Exact 2020 shares per unit (Fractions of the unit's 2020 population).
    shares = {}
    for u in UNITS:
        r = c2020[u]
        p = r["pop_total"]
        a0, a14, a59, a1014, a1519 = (r["age_0"], r["age_1_4"], r["age_5_9"],
                                      r["age_10_14"], r["age_15_19"])
        shares[u] = {
            "urban": Fraction(r["urban"], p),
            "births": Fraction(a14, 4 * p),
            "age_0_3": (a0 + Fraction(2, 4) * a14) / p,
            "age_0_6": (a0 + a14 + Fraction(2, 5) * a59) / p,
            "age_3_5": (Fraction(2, 4) * a14 + Fraction(1, 5) * a59) / p,
            "age_6_11": (Fraction(4, 5) * a59 + Fraction(2, 5) * a1014) / p,
            "age_12_14": Fraction(3, 5) * a1014 / p,
            "age_15_17": Fraction(3, 5) * a1519 / p,
            "age_0_14": Fraction(a0 + a14 + a59 + a1014, p),
            "age_60_plus": Fraction(r["age_60_plus"], p),
            "age_65_plus": Fraction(r["age_65_plus"], p),
            "age_80_plus": Fraction(r["age_80_plus"], p),
        }
        sh = shares[u]
        # the school bands tile ages 0-14, overlapping only at age 6 (1/5 of 5-9)
        if sh["age_0_6"] + sh["age_6_11"] + sh["age_12_14"] != sh["age_0_14"] + Fraction(a59, 5 * p):
            raise InputError("internal: child age bands do not tile ages 0-14 for %s" % u)

    pops = {}
    for y in YEARS:
        pops[y] = largest_remainder(totals[y], {u: c2020[u]["pop_total"] for u in UNITS})
        if sum(pops[y].values()) != totals[y]:
            raise InputError("internal: pop_total does not sum to the city total in %d" % y)
    factors = calibration(shares, pops, enrol)

    out = {}  # (year, unit, cohort) -> int
    for y in YEARS:
        pop = pops[y]
        urban_total = round_half_up(upath[y] * totals[y])
        urban = largest_remainder(urban_total, {u: pop[u] * shares[u]["urban"] for u in UNITS})
        scale = {f: elderly_scale(city2010, city2020, f, y)
                 for f in ("age_60_plus", "age_65_plus", "age_80_plus")}
        for u in UNITS:
            s, p = shares[u], pop[u]
            row = {"pop_total": p, "pop_urban": urban[u], "pop_rural": p - urban[u]}
            for c in ("births", "age_0_3", "age_0_6", "age_3_5"):
                row[c] = round_half_up(s[c] * p)
            fc, fu = factors["compulsory"][y], factors["upper"][y]
            row["age_6_11"] = round_half_up(s["age_6_11"] * p * fc)
            row["age_12_14"] = round_half_up(s["age_12_14"] * p * fc)
            row["age_15_17"] = round_half_up(s["age_15_17"] * p * fu)
            for c in ("age_60_plus", "age_65_plus", "age_80_plus"):
                row[c] = round_half_up(s[c] * scale[c] * p)
            # The school-age children the calibration removes are adults instead (step 4a).
            removed = (round_half_up(s["age_6_11"] * p) + round_half_up(s["age_12_14"] * p)
                       - row["age_6_11"] - row["age_12_14"])
            age_0_14 = round_half_up(s["age_0_14"] * p) - removed
            row["age_15_59"] = p - age_0_14 - row["age_60_plus"]
            row["townships"] = townships["2020" if y == 2020 else "2017"][u]
            row["villages"] = villages[u]
            row["unit_count"] = 1
            check_row(y, u, row, age_0_14)
            for c in COHORTS:
                out[(y, u, c)] = row[c]
    return out, totals, factors


def check_row(year, unit, r, age_0_14):
    pairs = [
        ("pop_urban", "pop_total"), ("pop_rural", "pop_total"),
        ("age_0_3", "age_0_6"), ("age_3_5", "age_0_6"), ("births", "age_0_6"),
        ("age_0_6", "pop_total"), ("age_6_11", "pop_total"), ("age_12_14", "pop_total"),
        ("age_15_17", "age_15_59"), ("age_15_59", "pop_total"),
        ("age_80_plus", "age_65_plus"), ("age_65_plus", "age_60_plus"),
        ("age_60_plus", "pop_total"),
    ]
    for child, parent in pairs:
        if not 0 <= r[child] <= r[parent]:
            raise InputError("check failed in %d/%s: %s=%d > %s=%d"
                             % (year, unit, child, r[child], parent, r[parent]))
    if r["pop_urban"] + r["pop_rural"] != r["pop_total"]:
        raise InputError("check failed in %d/%s: urban + rural != total" % (year, unit))
    if age_0_14 + r["age_15_59"] + r["age_60_plus"] != r["pop_total"]:
        raise InputError("check failed in %d/%s: 0-14 + 15-59 + 60+ != total" % (year, unit))


def main(argv):
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description="Derive seeds/cohorts.csv from the census files in seeds/census.")
    ap.add_argument("refdir", nargs="?",
                    default=os.path.join(repo, "seeds", "census"),
                    help="folder with handan-counties.csv, handan-townships.csv, handan-villages.csv, "
                         "handan-city-totals.csv and handan-enrolment-2015.csv (default: seeds/census)")
    ap.add_argument("--out", default=os.path.join(repo, "seeds", "cohorts.csv"),
                    help="output CSV (default: seeds/cohorts.csv in the repository root)")
    args = ap.parse_args(argv)
    try:
        if not os.path.isdir(args.refdir):
            raise InputError("census folder not found: %s" % args.refdir)
        out, totals, factors = derive(args.refdir)
    except InputError as e:
        print("derive_cohorts: error: %s" % e, file=sys.stderr)
        return 1
    keys = sorted(out)  # year, unit_code, cohort
    tmp = args.out + ".tmp"
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["year", "unit_code", "cohort", "headcount"])
        for (y, u, c) in keys:
            w.writerow([y, u, c, out[(y, u, c)]])
    os.replace(tmp, args.out)
    print("derive_cohorts: %d rows (%d years x %d units x %d cohorts) -> %s; city pop_total %s;"
          " enrolment calibration %d: compulsory %.4f, upper secondary %.4f"
          % (len(keys), len(YEARS), len(UNITS), len(COHORTS), args.out,
             " ".join("%d=%d" % (y, totals[y]) for y in YEARS), CALIBRATION_YEAR,
             float(factors["compulsory"][CALIBRATION_YEAR]), float(factors["upper"][CALIBRATION_YEAR])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
