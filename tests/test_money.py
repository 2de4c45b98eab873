"""Money: every yuan a public party pays lands in someone's account, every yuan of default loss
is borne by exactly one party, and every stock changes by its inflows minus outflows, to 1e-9
(Sterman, Business Dynamics, ch. 21: mass balance), on the batch engine's NumPy loop."""

from __future__ import annotations

import numpy as np
import pytest
from referee import engine, flow_terms, run_members

PAYERS = ["Cumulative Central Bank Outlay", "Cumulative Local Government Outlay"]
RECEIVERS = ["Public Funds Received by Guarantors", "Public Funds Received by Patient Capital",
             "Public Funds Received by Banks", "Public Funds Received by Bond Issuers",
             "Public Funds Received by Bond Holders", "Public Funds Received by Platform Operators"]
# accounts inside the model's balance sheets that public money flows into
BALANCE_SHEETS = ["Risk Sharing Capital", "Public Patient Capital", "Market Patient Capital",
                  "Bank Tech Risk Capital"]
# public payments that are loss shares: booked to the payer as a loss and to the bond holder
LOSS_SHARES = {"Central Bank Bond Loss": "Cumulative Central Bank Losses",
               "Local Government Bond Loss": "Cumulative Local Government Losses"}
# recipients outside the model's balance sheets (the boundary chart names them)
OUTSIDE = {"Public Funds Received by Bond Issuers", "Public Funds Received by Platform Operators"}
BEARERS = ["Cumulative Bank Losses", "Cumulative Guarantor Losses", "Cumulative Central Bank Losses",
           "Cumulative Local Government Losses", "Cumulative Credit Enhancer Losses",
           "Cumulative Bond Investor Losses"]

STARTS = ["Reloan Start Year", "Bond Risk Sharing Start Year", "Guarantee Start Year",
          "Guidance Fund Start Year", "Data Platform Start Year", "NPL Tolerance Start Year",
          "Loan Term Start Year"]
MAX_POLICY = ["Reloan Quota Policy", "Bond Purchase Policy", "Bond Tool Quota Policy",
              "Guarantee Capital Injection Policy", "Guidance Fund Injection Policy",
              "Data Connectivity Policy", "Early Stage Risk Sharing", "Central Bank Bond Loss Share"]

CASES = {
    "baseline": {},
    "maximal policy": {**{p: engine().limits[p][1] for p in MAX_POLICY}, **dict.fromkeys(STARTS, 2021.0),
                       "Local Government Bond Loss Share": 0, "Credit Enhancer Bond Loss Share": 0},
    "default wave": {"Default Wave Size": 20, "Default Wave Year": 2028, "Default Wave Duration": 2,
                     "Bond Purchase Policy": 20, "Bond Tool Quota Policy": 100,
                     "Early Stage Risk Sharing": 0.5},
    "no local rule, withdrawn policies": {"Local Policy Rule Switch": 0, "Reloan Quota Policy": 300,
                                          "Reloan End Year": 2030, "Bond Purchase Policy": 10,
                                          "Bond Tool Quota Policy": 50, "Bond Risk Sharing End Year": 2032},
}


def test_every_public_payment_lands_in_an_account():
    """Structure: each flow a public payer books is received by exactly one recipient account, and
    each received flow is an inflow of a balance sheet in the model, a loss share borne by the payer,
    or a recipient the boundary chart places outside the model."""
    terms = flow_terms()
    paid = [name for payer in PAYERS for sign, name in terms[payer] if sign > 0]
    received = {name: rec for rec in RECEIVERS for sign, name in terms[rec]}
    assert sorted(paid) == sorted(received), "payments and receipts differ"
    assert all(sign > 0 for payer in PAYERS + RECEIVERS for sign, _ in terms[payer])
    inflows = {name: stock for stock in BALANCE_SHEETS for sign, name in terms[stock] if sign > 0}
    for flow, recipient in received.items():
        if flow in LOSS_SHARES:
            assert (1, flow) in terms[LOSS_SHARES[flow]], flow
        elif recipient not in OUTSIDE:
            assert flow in inflows, f"{flow} is received by {recipient} but enters no balance sheet"


@pytest.fixture(scope="module")
def runs():
    cols = sorted(set(PAYERS + RECEIVERS + BEARERS + [
        "Cumulative Public Outlay", "Cumulative Public Funds Received", "Cumulative Default Losses"]))
    return run_members(list(CASES.values()), final_time=2060.0, columns=cols)


@pytest.mark.parametrize("case", list(CASES))
def test_public_outlay_equals_public_funds_received(runs, case):
    i = list(CASES).index(case)
    v = runs.values
    outlay = v["Cumulative Public Outlay"][i]
    np.testing.assert_allclose(sum(v[p][i] for p in PAYERS), outlay, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(v["Cumulative Public Funds Received"][i], outlay, rtol=1e-9, atol=1e-9)
    assert outlay[-1] > 0


@pytest.mark.parametrize("case", list(CASES))
def test_every_yuan_of_loss_is_borne_by_exactly_one_party(runs, case):
    i = list(CASES).index(case)
    v = runs.values
    np.testing.assert_allclose(sum(v[b][i] for b in BEARERS), v["Cumulative Default Losses"][i],
                               rtol=1e-9, atol=1e-9)
    for b in BEARERS:
        assert (np.diff(v[b][i]) >= -1e-12).all(), f"{b} decreases"


@pytest.mark.parametrize("case", list(CASES))
def test_every_stock_changes_by_its_inflows_minus_outflows(model, case):
    """Euler bookkeeping on the engine: stock(t) - stock(t0) = sum of (inflows - outflows) * dt."""
    terms = flow_terms()
    names = sorted(set(terms) | {n for ts in terms.values() for _, n in ts})
    dt = model.defaults["TIME STEP"]
    res = run_members([CASES[case]], final_time=2060.0, columns=names, saveper=dt)
    for stock, flows in terms.items():
        net = sum(sign * res.values[name][0] for sign, name in flows)
        cumulated = np.concatenate([[0.0], np.cumsum(net[:-1]) * dt])
        change = res.values[stock][0] - res.values[stock][0][0]
        scale = max(np.abs(res.values[stock][0]).max(), 1.0)
        np.testing.assert_allclose(change, cumulated, rtol=0, atol=1e-9 * scale, err_msg=stock)
