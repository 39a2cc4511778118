"""HLBV (addons/ev_tax_equity/lib/ev_tax_hlbv.py)."""

from decimal import Decimal as D

import ev_tax_hlbv as hlbv
import pytest

SHARES = {"INV": D(99), "SPN": D(1)}


def test_claims_equal_capital_when_book_is_704b():
    result = hlbv.liquidation_claims(D("526500"), {"INV": D("409933"), "SPN": D("116567")}, SHARES)
    assert result.gain == 0 and result.claims == {"INV": D("409933.00"), "SPN": D("116567.00")}


def test_hypothetical_gain_is_allocated_by_the_gain_shares():
    # the investor's §704(b) account was reduced by a 30,000 credit basis adjustment the GAAP books do
    # not have: the hypothetical sale at book value shows a 30,000 gain, 99 % of it to the investor
    result = hlbv.liquidation_claims(D("130000"), {"INV": D("70000"), "SPN": D("30000")}, SHARES)
    assert result.gain == D("30000.00")
    assert result.claims == {"INV": D("99700.00"), "SPN": D("30300.00")}
    assert sum(result.claims.values()) == D("130000.00")


def test_deficits_without_dro_are_borne_by_the_others():
    result = hlbv.liquidation_claims(D("100000"), {"INV": D("-50000"), "SPN": D("150000")}, SHARES)
    assert result.claims == {"INV": D("0.00"), "SPN": D("100000.00")}
    assert result.reallocated == {"INV": D("50000.00")}
    with_dro = hlbv.liquidation_claims(D("100000"), {"INV": D("-50000"), "SPN": D("150000")}, SHARES, {"INV": True})
    assert with_dro.claims == {"INV": D("-50000.00"), "SPN": D("150000.00")}
    # three partners: the deficit goes to the positive ones by their gain shares
    three = hlbv.liquidation_claims(
        D("900"), {"A": D("-100"), "B": D("500"), "C": D("500")}, {"A": D(50), "B": D(30), "C": D(20)}
    )
    assert three.claims == {"A": D("0.00"), "B": D("440.00"), "C": D("460.00")}


def test_earnings_of_a_period():
    begin = {"INV": D("0"), "SPN": D("0")}
    end = {"INV": D("409933"), "SPN": D("116567")}
    earnings = hlbv.hlbv_earnings(
        begin, end, {"INV": D("400000"), "SPN": D("100000")}, {"INV": D("9000"), "SPN": D("1000")}
    )
    assert earnings == {"INV": D("18933.00"), "SPN": D("17567.00")}
    assert sum(earnings.values()) == D("36500.00")


def test_bad_input():
    with pytest.raises(hlbv.HlbvError, match="capital accounts"):
        hlbv.liquidation_claims(D(1), {}, SHARES)
    with pytest.raises(hlbv.HlbvError, match="gain shares"):
        hlbv.liquidation_claims(D(1), {"INV": D(1)}, {"INV": D(0)})


def test_negative_net_assets_are_the_creditors_loss():
    # liabilities exceed the assets by 100; nobody has a DRO: the partners get nothing
    result = hlbv.liquidation_claims(D("-100"), {"INV": D("-60"), "SPN": D("-40")}, SHARES)
    assert result.claims == {"INV": D("0.00"), "SPN": D("0.00")}
    assert result.unabsorbed == D("100.00")
    # with a DRO the investor owes its deficit
    dro = hlbv.liquidation_claims(D("-100"), {"INV": D("-60"), "SPN": D("-40")}, SHARES, {"INV": True})
    assert dro.claims == {"INV": D("-60.00"), "SPN": D("0.00")} and dro.unabsorbed == D("40.00")
