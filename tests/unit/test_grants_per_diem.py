"""Golden tests of GSA per diem (ev_grants/lib/ev_grants_per_diem.py)."""

from datetime import date
from decimal import Decimal

import ev_grants_per_diem as pd
import pytest

STD = pd.STANDARD_CONUS[2026]


def std(_day):
    return STD


@pytest.mark.parametrize(
    ("mie", "first_last"),
    [(68, "51.00"), (74, "55.50"), (80, "60.00"), (86, "64.50"), (92, "69.00"), (59, "44.25"), (71, "53.25")],
)
def test_first_and_last_day_pay_75_percent_of_mie(mie, first_last):
    assert pd.first_last_day_mie(mie) == Decimal(first_last)


def test_fiscal_year():
    assert pd.fiscal_year(date(2025, 9, 30)) == 2025
    assert pd.fiscal_year(date(2025, 10, 1)) == 2026
    assert pd.fiscal_year(date(2026, 9, 30)) == 2026


def test_three_day_trip_at_the_standard_rate():
    trip = pd.trip_per_diem(date(2026, 3, 10), date(2026, 3, 12), std)
    assert [d.mie for d in trip.days] == [Decimal("51.00"), Decimal("68.00"), Decimal("51.00")]
    assert [d.lodging for d in trip.days] == [Decimal("110.00"), Decimal("110.00"), Decimal("0.00")]
    assert trip.lodging == Decimal("220.00")
    assert trip.mie == Decimal("170.00")
    assert trip.total == Decimal("390.00")


def test_one_day_trip_pays_75_percent_once_and_no_lodging():
    trip = pd.trip_per_diem(date(2026, 3, 10), date(2026, 3, 10), std)
    assert len(trip.days) == 1
    assert trip.total == Decimal("51.00")


def test_lodging_by_month_of_each_night():
    lodging = {m: Decimal("200.00") for m in range(1, 13)}
    lodging.update({3: Decimal("250.00"), 4: Decimal("300.00")})
    city = pd.Rate(2026, lodging, Decimal("86.00"), "Boston, MA")
    trip = pd.trip_per_diem(date(2026, 3, 30), date(2026, 4, 2), lambda d: city)
    # nights of 30 Mar, 31 Mar, 1 Apr; M&IE 64.50 + 86 + 86 + 64.50
    assert [d.lodging for d in trip.days] == [Decimal("250.00"), Decimal("250.00"), Decimal("300.00"), Decimal("0.00")]
    assert trip.lodging == Decimal("800.00")
    assert trip.mie == Decimal("301.00")
    assert trip.total == Decimal("1101.00")


def test_each_day_takes_the_rate_of_its_fiscal_year():
    rates = {2025: pd.flat_rate(2025, 107, 68), 2026: pd.flat_rate(2026, 110, 74)}
    trip = pd.trip_per_diem(date(2025, 9, 29), date(2025, 10, 2), lambda d: rates[pd.fiscal_year(d)])
    assert [d.lodging for d in trip.days] == [Decimal("107.00"), Decimal("107.00"), Decimal("110.00"), Decimal("0.00")]
    assert [d.mie for d in trip.days] == [Decimal("51.00"), Decimal("68.00"), Decimal("74.00"), Decimal("55.50")]
    assert trip.total == Decimal("572.50")


def test_actual_lodging_is_paid_up_to_the_rate():
    trip = pd.trip_per_diem(date(2026, 3, 10), date(2026, 3, 12), std, lodging_actual=[95, 140])
    assert [d.lodging for d in trip.days[:2]] == [Decimal("95.00"), Decimal("110.00")]
    with pytest.raises(ValueError, match="1 actual lodging amounts given for 2 nights"):
        pd.trip_per_diem(date(2026, 3, 10), date(2026, 3, 12), std, lodging_actual=[95])
    with pytest.raises(ValueError, match="before the departure"):
        pd.trip_per_diem(date(2026, 3, 12), date(2026, 3, 10), std)


def test_rates_csv_with_seasons_wrapping_over_the_year():
    text = (
        "fiscal_year,state,city,county,zip,month_from,month_to,lodging,mie\n"
        "2026,MA,Boston,Suffolk,,10,3,200,92\n"
        "2026,MA,Boston,Suffolk,,4,9,$300.00,92\n"
        "2026,CA,,,94158,1,12,250,86\n"
    )
    rows = pd.parse_rates_csv(text)
    assert len(rows) == 24
    boston = [r for r in rows if r["city"] == "Boston"]
    rate = pd.rate_from_rows(boston, "Boston, MA")
    assert rate.lodging(12) == Decimal("200.00")
    assert rate.lodging(6) == Decimal("300.00")
    assert rate.mie == Decimal("92.00")
    assert {r["zip"] for r in rows if r["state"] == "CA"} == {"94158"}


def test_rates_csv_errors_name_every_bad_line():
    text = (
        "fiscal_year,state,city,month_from,month_to,lodging,mie\n"
        "26,MA,Boston,1,12,200,92\n"
        "2026,Mass,Boston,13,1,abc,92\n"
        "2026,MA,Salem,1,6,150,68\n"
        "2026,MA,Salem,6,12,150,68\n"
    )
    with pytest.raises(pd.RatesCsvError) as err:
        pd.parse_rates_csv(text)
    assert err.value.errors == [
        "line 2: fiscal_year '26' is not a year",
        "line 3: state 'Mass' is not a two-letter code; month_from/month_to '13'/'1' are not months 1-12; "
        "lodging 'abc' is not an amount",
        "line 5: month 6 of this destination is already given on line 4",
    ]
    with pytest.raises(pd.RatesCsvError, match="missing column"):
        pd.parse_rates_csv("state,lodging\nMA,100\n")
    with pytest.raises(pd.RatesCsvError, match="unknown column"):
        pd.parse_rates_csv("fiscal_year,state,month_from,month_to,lodging,mie,color\n")


def gsa_answer(city, state, meals, lodging_by_month, standard=False, zip_code=None):
    """Shaped like api.gsa.gov/travel/perdiem/v2/rates/city/{city}/state/{ST}/year/{FY}."""
    names = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    return {
        "request": None,
        "errors": [],
        "rates": [
            {
                "oconus_info": None,
                "rate": [
                    {
                        "months": {
                            "month": [
                                {"value": lodging_by_month[i], "number": i + 1, "short": names[i], "long": names[i]}
                                for i in range(12)
                            ]
                        },
                        "meals": meals,
                        "zip": zip_code,
                        "county": "Suffolk",
                        "city": city,
                        "standardRate": "true" if standard else "false",
                    }
                ],
                "state": state,
                "year": 2026,
                "isOconus": "false",
            }
        ],
        "version": None,
    }


def test_gsa_api_answer_gives_a_rate_by_month():
    lodging = [200, 200, 200, 250, 300, 300, 300, 300, 300, 280, 250, 200]
    rows = pd.parse_gsa_rates(gsa_answer("Boston", "MA", 92, lodging))
    rate = pd.rate_from_rows(rows)
    assert rate.fiscal_year == 2026
    assert rate.lodging(5) == Decimal("300.00")
    assert rate.mie == Decimal("92.00")
    standard = pd.parse_gsa_rates(gsa_answer("Standard Rate", "MA", 68, [110] * 12, standard=True))
    assert {r["city"] for r in standard} == {""} and all(r["standard"] for r in standard)
    with pytest.raises(ValueError, match="GSA per diem API"):
        pd.parse_gsa_rates({"errors": ["API_KEY_INVALID"], "rates": []})
    with pytest.raises(ValueError, match="all 12 months"):
        pd.rate_from_rows(rows[:11])
