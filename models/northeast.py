"""
Python model 'northeast.py'
Translated using PySD
"""

from pathlib import Path
import numpy as np

from pysd.py_backend.functions import zidz, if_then_else
from pysd.py_backend.statefuls import Integ
from pysd import Component

__pysd_version__ = "3.14.3"

__data = {"scope": None, "time": lambda: 0}

_root = Path(__file__).parent


component = Component()

#######################################################################
#                          CONTROL VARIABLES                          #
#######################################################################

_control_vars = {
    "initial_time": lambda: 2021,
    "final_time": lambda: 2050,
    "time_step": lambda: 0.0625,
    "saveper": lambda: 0.25,
}


def _init_outer_references(data):
    for key in data:
        __data[key] = data[key]


@component.add(name="Time")
def time():
    """
    Current time of the model.
    """
    return __data["time"]()


@component.add(
    name="FINAL TIME", units="Year", comp_type="Constant", comp_subtype="Normal"
)
def final_time():
    """
    The final time for the simulation.
    """
    return __data["time"].final_time()


@component.add(
    name="INITIAL TIME", units="Year", comp_type="Constant", comp_subtype="Normal"
)
def initial_time():
    """
    The initial time for the simulation (1 Jan 2021; time is calendar years, so end-2021 is 2022.0).
    """
    return __data["time"].initial_time()


@component.add(
    name="SAVEPER",
    units="Year",
    limits=(0.0, np.nan),
    comp_type="Constant",
    comp_subtype="Normal",
)
def saveper():
    """
    The frequency with which output is stored.
    """
    return __data["time"].saveper()


@component.add(
    name="TIME STEP",
    units="Year",
    limits=(0.0, np.nan),
    comp_type="Constant",
    comp_subtype="Normal",
)
def time_step():
    """
    The time step for the simulation.
    """
    return __data["time"].time_step()


#######################################################################
#                           MODEL VARIABLES                           #
#######################################################################


@component.add(
    name="Knowledge Stock",
    units="Index",
    comp_type="Stateful",
    comp_subtype="Integ",
    depends_on={"_integ_knowledge_stock": 1},
    other_deps={
        "_integ_knowledge_stock": {
            "initial": {"initial_knowledge_stock": 1},
            "step": {"knowledge_creation": 1, "knowledge_obsolescence": 1},
        }
    },
)
def knowledge_stock():
    """
    Stock of commercialisable technological results in the Northeast (index, 2021 = 100).
    """
    return _integ_knowledge_stock()


_integ_knowledge_stock = Integ(
    lambda: knowledge_creation() - knowledge_obsolescence(),
    lambda: initial_knowledge_stock(),
    "_integ_knowledge_stock",
)


@component.add(
    name="Initial Knowledge Stock",
    units="Index",
    limits=(0.0, 1000.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def initial_knowledge_stock():
    """
    Knowledge stock at INITIAL TIME [source: normalisation; the index is 100 at 1 Jan 2021].
    """
    return 100


@component.add(
    name="Knowledge Creation",
    units="Index/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"r_and_d_spending": 1, "r_and_d_productivity": 1},
)
def knowledge_creation():
    """
    New commercialisable results per year from all R&D funding.
    """
    return r_and_d_spending() * r_and_d_productivity()


@component.add(
    name="Knowledge Obsolescence",
    units="Index/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"knowledge_stock": 1, "knowledge_life": 1},
)
def knowledge_obsolescence():
    """
    Results that lose commercial relevance per year.
    """
    return knowledge_stock() / knowledge_life()


@component.add(
    name="Knowledge Life",
    units="Year",
    limits=(1.0, 30.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def knowledge_life():
    """
    Average commercial life of a result [source: literature; 15 %/yr R&D depreciation, Hall, Mairesse & Mohnen 2010, Handbook of the Economics of Innovation].
    """
    return 6.7


@component.add(
    name="R and D Productivity",
    units="Index/BnYuan",
    limits=(0.0, 10.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def r_and_d_productivity():
    """
    Index points of knowledge created per bn yuan of R&D [source: assumption; set so that knowledge creation balances obsolescence in 2021].
    """
    return 0.39


@component.add(
    name="R and D Spending",
    units="BnYuan/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "public_s_and_t_spending": 1,
        "business_r_and_d": 1,
        "equity_funded_r_and_d": 1,
    },
)
def r_and_d_spending():
    """
    Total R&D funding for technology in the Northeast.
    """
    return public_s_and_t_spending() + business_r_and_d() + equity_funded_r_and_d()


@component.add(
    name="Public S and T Spending",
    units="BnYuan/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "initial_public_s_and_t_spending": 1,
        "initial_time": 2,
        "public_s_and_t_growth_near_term": 1,
        "public_s_and_t_growth_switch_year": 2,
        "public_s_and_t_growth_long_run": 1,
        "time": 2,
    },
)
def public_s_and_t_spending():
    """
    Fiscal science and technology spending in the Northeast: near-term growth to the switch year, long-run growth after it.
    """
    return initial_public_s_and_t_spending() * float(
        np.exp(
            public_s_and_t_growth_near_term()
            * float(
                np.minimum(
                    time() - initial_time(),
                    public_s_and_t_growth_switch_year() - initial_time(),
                )
            )
            + public_s_and_t_growth_long_run()
            * float(np.maximum(0, time() - public_s_and_t_growth_switch_year()))
        )
    )


@component.add(
    name="Initial Public S and T Spending",
    units="BnYuan/Year",
    limits=(0.0, 500.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def initial_public_s_and_t_spending():
    """
    Northeast fiscal S&T spending in 2021 [source: assumption; about 2 % of national fiscal S&T spending of about 1,100 bn yuan/yr (FACTS, seed 004: 5.5 trillion over 2021-2025)].
    """
    return 20


@component.add(
    name="Public S and T Growth Near Term",
    units="1/Year",
    limits=(-0.2, 0.5),
    comp_type="Constant",
    comp_subtype="Normal",
)
def public_s_and_t_growth_near_term():
    """
    Growth rate of fiscal S&T spending to the switch year [source: FACTS, seed 004; +12.3 %/yr over the 14th Five-Year Plan].
    """
    return 0.123


@component.add(
    name="Public S and T Growth Long Run",
    units="1/Year",
    limits=(-0.2, 0.5),
    comp_type="Constant",
    comp_subtype="Normal",
)
def public_s_and_t_growth_long_run():
    """
    Growth rate of fiscal S&T spending after the switch year [source: assumption; close to long-run nominal GDP growth].
    """
    return 0.05


@component.add(
    name="Public S and T Growth Switch Year",
    units="Year",
    limits=(2021.0, 2060.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def public_s_and_t_growth_switch_year():
    """
    Year the near-term growth of fiscal S&T spending ends [source: FACTS, seed 004; the 14th Five-Year Plan ends with 2025].
    """
    return 2026


@component.add(
    name="Business R and D",
    units="BnYuan/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"industrial_capacity": 1, "business_r_and_d_intensity": 1},
)
def business_r_and_d():
    """
    R&D funded by technology-intensive industry out of its value added.
    """
    return industrial_capacity() * business_r_and_d_intensity()


@component.add(
    name="Business R and D Intensity",
    units="Dmnl",
    limits=(0.0, 0.3),
    comp_type="Constant",
    comp_subtype="Normal",
)
def business_r_and_d_intensity():
    """
    Business R&D as a share of technology-intensive value added [source: assumption].
    """
    return 0.03


@component.add(
    name="Equity Funded R and D",
    units="BnYuan/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"equity_investment": 1, "equity_r_and_d_share": 1},
)
def equity_funded_r_and_d():
    """
    R&D funded out of new patient-capital investment.
    """
    return equity_investment() * equity_r_and_d_share()


@component.add(
    name="Equity R and D Share",
    units="Dmnl",
    limits=(0.0, 1.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def equity_r_and_d_share():
    """
    Share of new patient-capital investment spent on R&D [source: assumption].
    """
    return 0.3


@component.add(
    name="Firm Founding",
    units="ThousandFirms/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "knowledge_stock": 1,
        "founding_productivity": 1,
        "technology_transfer_efficiency": 1,
        "value_discovery_efficiency": 1,
        "market_response_efficiency": 1,
        "early_stage_finance_effect": 1,
    },
)
def firm_founding():
    """
    New technology start-ups per year: commercialised results that find a team, a market and early finance.
    """
    return (
        knowledge_stock()
        * founding_productivity()
        * technology_transfer_efficiency()
        * value_discovery_efficiency()
        * market_response_efficiency()
        * early_stage_finance_effect()
    )


@component.add(
    name="Founding Productivity",
    units="ThousandFirms/(Index*Year)",
    limits=(0.0, 10.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def founding_productivity():
    """
    Start-ups founded per index point of knowledge per year with frictionless transfer [source: assumption; set so that start-up numbers are near steady in 2021].
    """
    return 0.3


@component.add(
    name="Technology Transfer Efficiency",
    units="Dmnl",
    limits=(0.0, 1.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def technology_transfer_efficiency():
    """
    Technology-to-industry friction: share of results the technology-transfer system carries to a firm (seed 001) [source: assumption, uncalibrated].
    """
    return 0.5


@component.add(
    name="Value Discovery Efficiency",
    units="Dmnl",
    limits=(0.0, 1.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def value_discovery_efficiency():
    """
    Technology-to-industry friction: share of results whose market value is recognised (seed 001) [source: assumption, uncalibrated].
    """
    return 0.6


@component.add(
    name="Startup Firms",
    units="ThousandFirms",
    comp_type="Stateful",
    comp_subtype="Integ",
    depends_on={"_integ_startup_firms": 1},
    other_deps={
        "_integ_startup_firms": {
            "initial": {"initial_startup_firms": 1},
            "step": {"firm_founding": 1, "startup_maturation": 1, "startup_failure": 1},
        }
    },
)
def startup_firms():
    """
    Technology start-ups in the Northeast (maps to tech SMEs not yet certified high-tech).
    """
    return _integ_startup_firms()


_integ_startup_firms = Integ(
    lambda: firm_founding() - startup_maturation() - startup_failure(),
    lambda: initial_startup_firms(),
    "_integ_startup_firms",
)


@component.add(
    name="Growth Firms",
    units="ThousandFirms",
    comp_type="Stateful",
    comp_subtype="Integ",
    depends_on={"_integ_growth_firms": 1},
    other_deps={
        "_integ_growth_firms": {
            "initial": {"initial_growth_firms": 1},
            "step": {
                "startup_maturation": 1,
                "growth_maturation": 1,
                "growth_failure": 1,
            },
        }
    },
)
def growth_firms():
    """
    Growth-stage technology firms (maps to high-tech enterprises that are still SMEs).
    """
    return _integ_growth_firms()


_integ_growth_firms = Integ(
    lambda: startup_maturation() - growth_maturation() - growth_failure(),
    lambda: initial_growth_firms(),
    "_integ_growth_firms",
)


@component.add(
    name="Mature Firms",
    units="ThousandFirms",
    comp_type="Stateful",
    comp_subtype="Integ",
    depends_on={"_integ_mature_firms": 1},
    other_deps={
        "_integ_mature_firms": {
            "initial": {"initial_mature_firms": 1},
            "step": {"growth_maturation": 1, "mature_listing": 1, "mature_exit": 1},
        }
    },
)
def mature_firms():
    """
    Mature unlisted technology firms (maps to larger high-tech enterprises, including the 'little giants').
    """
    return _integ_mature_firms()


_integ_mature_firms = Integ(
    lambda: growth_maturation() - mature_listing() - mature_exit(),
    lambda: initial_mature_firms(),
    "_integ_mature_firms",
)


@component.add(
    name="Listed Firms",
    units="ThousandFirms",
    comp_type="Stateful",
    comp_subtype="Integ",
    depends_on={"_integ_listed_firms": 1},
    other_deps={
        "_integ_listed_firms": {
            "initial": {"initial_listed_firms": 1},
            "step": {"mature_listing": 1, "delisting": 1},
        }
    },
)
def listed_firms():
    """
    Listed technology firms of the Northeast.
    """
    return _integ_listed_firms()


_integ_listed_firms = Integ(
    lambda: mature_listing() - delisting(),
    lambda: initial_listed_firms(),
    "_integ_listed_firms",
)


@component.add(
    name="Initial Startup Firms",
    units="ThousandFirms",
    limits=(0.0, 500.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def initial_startup_firms():
    """
    Start-ups on 1 Jan 2021 [source: FACTS, seed 002; 34 thousand tech SMEs end-2022 taken as start-ups plus growth firms].
    """
    return 20


@component.add(
    name="Initial Growth Firms",
    units="ThousandFirms",
    limits=(0.0, 500.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def initial_growth_firms():
    """
    Growth firms on 1 Jan 2021 [source: FACTS, seed 002; 22 thousand high-tech enterprises end-2022 taken as growth plus mature firms].
    """
    return 14


@component.add(
    name="Initial Mature Firms",
    units="ThousandFirms",
    limits=(0.0, 500.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def initial_mature_firms():
    """
    Mature unlisted firms on 1 Jan 2021 [source: FACTS, seed 002; see Initial Growth Firms; 391 'little giants' are a subset].
    """
    return 8


@component.add(
    name="Initial Listed Firms",
    units="ThousandFirms",
    limits=(0.0, 10.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def initial_listed_firms():
    """
    Listed firms on 1 Jan 2021 [source: FACTS, seed 002; 175 A-share listed firms end-2023, all sectors].
    """
    return 0.16


@component.add(
    name="Startup Maturation",
    units="ThousandFirms/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "startup_firms": 1,
        "base_startup_maturation_rate": 1,
        "early_stage_finance_effect": 1,
    },
)
def startup_maturation():
    """
    Start-ups that reach the growth stage per year.
    """
    return (
        startup_firms() * base_startup_maturation_rate() * early_stage_finance_effect()
    )


@component.add(
    name="Startup Failure",
    units="ThousandFirms/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "startup_firms": 1,
        "base_startup_failure_rate": 1,
        "startup_failure_multiplier": 1,
    },
)
def startup_failure():
    """
    Start-ups that fail per year.
    """
    return startup_firms() * base_startup_failure_rate() * startup_failure_multiplier()


@component.add(
    name="Startup Failure Multiplier",
    units="Dmnl",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"finance_effect_half_saturation": 2, "early_stage_finance_effect": 1},
)
def startup_failure_multiplier():
    """
    Raises start-up failure when early-stage finance is short (3 with none, 1 when adequate).
    """
    return (1 + finance_effect_half_saturation()) / (
        early_stage_finance_effect() + finance_effect_half_saturation()
    )


@component.add(
    name="Base Startup Maturation Rate",
    units="1/Year",
    limits=(0.0, 2.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def base_startup_maturation_rate():
    """
    Fraction of start-ups reaching the growth stage per year when finance is adequate [source: assumption; set so that firm numbers grow slowly in 2021].
    """
    return 0.12


@component.add(
    name="Base Startup Failure Rate",
    units="1/Year",
    limits=(0.0, 2.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def base_startup_failure_rate():
    """
    Fraction of start-ups failing per year when finance is adequate [source: assumption].
    """
    return 0.1


@component.add(
    name="Growth Maturation",
    units="ThousandFirms/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "growth_firms": 1,
        "base_growth_maturation_rate": 1,
        "growth_finance_effect": 1,
    },
)
def growth_maturation():
    """
    Growth firms that become mature per year.
    """
    return growth_firms() * base_growth_maturation_rate() * growth_finance_effect()


@component.add(
    name="Growth Failure",
    units="ThousandFirms/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "growth_firms": 1,
        "base_growth_failure_rate": 1,
        "finance_effect_half_saturation": 2,
        "growth_finance_effect": 1,
    },
)
def growth_failure():
    """
    Growth firms that fail per year; failures rise when growth finance is short.
    """
    return (
        growth_firms()
        * base_growth_failure_rate()
        * (1 + finance_effect_half_saturation())
        / (growth_finance_effect() + finance_effect_half_saturation())
    )


@component.add(
    name="Base Growth Maturation Rate",
    units="1/Year",
    limits=(0.0, 2.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def base_growth_maturation_rate():
    """
    Fraction of growth firms maturing per year when finance is adequate [source: assumption; set so that firm numbers grow slowly in 2021].
    """
    return 0.06


@component.add(
    name="Base Growth Failure Rate",
    units="1/Year",
    limits=(0.0, 2.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def base_growth_failure_rate():
    """
    Fraction of growth firms failing per year when finance is adequate [source: assumption].
    """
    return 0.04


@component.add(
    name="Mature Listing",
    units="ThousandFirms/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"mature_firms": 1, "base_listing_rate": 1, "mature_finance_effect": 1},
)
def mature_listing():
    """
    Mature firms listing per year.
    """
    return mature_firms() * base_listing_rate() * mature_finance_effect()


@component.add(
    name="Base Listing Rate",
    units="1/Year",
    limits=(0.0, 0.1),
    comp_type="Constant",
    comp_subtype="Normal",
)
def base_listing_rate():
    """
    Fraction of mature firms listing per year when finance is adequate [source: FACTS, seed 002; about 5 listings a year in the Northeast to reach 175 by end-2023].
    """
    return 0.0008


@component.add(
    name="Mature Exit",
    units="ThousandFirms/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "mature_firms": 1,
        "base_mature_exit_rate": 1,
        "finance_effect_half_saturation": 2,
        "mature_finance_effect": 1,
    },
)
def mature_exit():
    """
    Mature firms leaving (acquired, relocated or failed) per year.
    """
    return (
        mature_firms()
        * base_mature_exit_rate()
        * (1 + finance_effect_half_saturation())
        / (mature_finance_effect() + finance_effect_half_saturation())
    )


@component.add(
    name="Base Mature Exit Rate",
    units="1/Year",
    limits=(0.0, 1.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def base_mature_exit_rate():
    """
    Fraction of mature firms leaving per year when finance is adequate [source: assumption].
    """
    return 0.05


@component.add(
    name="Delisting",
    units="ThousandFirms/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"listed_firms": 1, "delisting_rate": 1},
)
def delisting():
    """
    Listed firms delisted or relocated per year.
    """
    return listed_firms() * delisting_rate()


@component.add(
    name="Delisting Rate",
    units="1/Year",
    limits=(0.0, 1.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def delisting_rate():
    """
    Fraction of listed firms delisted per year [source: assumption].
    """
    return 0.01


@component.add(
    name="Established Firms",
    units="ThousandFirms",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"growth_firms": 1, "mature_firms": 1, "listed_firms": 1},
)
def established_firms():
    """
    Firms past the start-up stage, which produce the region's technology-intensive value added.
    """
    return growth_firms() + mature_firms() + listed_firms()


@component.add(
    name="Value Added per Firm",
    units="BnYuan/(Year*ThousandFirms)",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"industrial_capacity": 1, "established_firms": 1},
)
def value_added_per_firm():
    """
    Value added per established firm (bn yuan per thousand firms = million yuan per firm): the earnings base of creditworthiness.
    """
    return zidz(industrial_capacity(), established_firms())


@component.add(
    name="Finance Effect Half Saturation",
    units="Dmnl",
    limits=(0.01, 10.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def finance_effect_half_saturation():
    """
    Adequacy at which a stage's finance effect is half its adequate value; shapes all finance effects [source: assumption].
    """
    return 0.5


@component.add(
    name="Early Stage Finance Adequacy",
    units="Dmnl",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"early_stage_finance_supply": 1, "early_stage_finance_need": 1},
)
def early_stage_finance_adequacy():
    """
    Early-stage finance available relative to what start-ups need (below 1: capital structure imbalance, seed 001).
    """
    return zidz(early_stage_finance_supply(), early_stage_finance_need())


@component.add(
    name="Early Stage Finance Supply",
    units="BnYuan",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "patient_capital": 1,
        "early_stage_allocation": 1,
        "loans_to_startups": 1,
    },
)
def early_stage_finance_supply():
    """
    Patient capital and bank loans held by start-ups.
    """
    return patient_capital() * early_stage_allocation() + loans_to_startups()


@component.add(
    name="Early Stage Finance Need",
    units="BnYuan",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "startup_firms": 1,
        "startup_finance_need_years": 1,
        "value_added_per_firm": 1,
    },
)
def early_stage_finance_need():
    """
    Finance start-ups need at their stage.
    """
    return startup_firms() * startup_finance_need_years() * value_added_per_firm()


@component.add(
    name="Startup Finance Need Years",
    units="Year",
    limits=(0.0, 10.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def startup_finance_need_years():
    """
    Finance a start-up needs, in years of an established firm's value added [source: assumption].
    """
    return 0.2


@component.add(
    name="Early Stage Finance Effect",
    units="Dmnl",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"early_stage_finance_adequacy": 2, "finance_effect_half_saturation": 2},
)
def early_stage_finance_effect():
    """
    Effect of early-stage finance adequacy on founding and maturation (0 with none, 1 when adequate, saturating above).
    """
    return (
        early_stage_finance_adequacy()
        * (1 + finance_effect_half_saturation())
        / (early_stage_finance_adequacy() + finance_effect_half_saturation())
    )


@component.add(
    name="Growth Finance Adequacy",
    units="Dmnl",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"growth_finance_supply": 1, "growth_finance_need": 1},
)
def growth_finance_adequacy():
    """
    Growth-stage finance available relative to need.
    """
    return zidz(growth_finance_supply(), growth_finance_need())


@component.add(
    name="Growth Finance Supply",
    units="BnYuan",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "patient_capital": 1,
        "early_stage_allocation": 1,
        "loans_to_growth_firms": 1,
    },
)
def growth_finance_supply():
    """
    Patient capital and bank loans held by growth firms.
    """
    return patient_capital() * (1 - early_stage_allocation()) + loans_to_growth_firms()


@component.add(
    name="Growth Finance Need",
    units="BnYuan",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "growth_firms": 1,
        "growth_finance_need_years": 1,
        "value_added_per_firm": 1,
    },
)
def growth_finance_need():
    """
    Finance growth firms need at their stage.
    """
    return growth_firms() * growth_finance_need_years() * value_added_per_firm()


@component.add(
    name="Growth Finance Need Years",
    units="Year",
    limits=(0.0, 10.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def growth_finance_need_years():
    """
    Finance a growth firm needs, in years of value added per firm [source: assumption].
    """
    return 1.0


@component.add(
    name="Growth Finance Effect",
    units="Dmnl",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"growth_finance_adequacy": 2, "finance_effect_half_saturation": 2},
)
def growth_finance_effect():
    """
    Effect of growth-stage finance adequacy on maturation and failure.
    """
    return (
        growth_finance_adequacy()
        * (1 + finance_effect_half_saturation())
        / (growth_finance_adequacy() + finance_effect_half_saturation())
    )


@component.add(
    name="Mature Finance Adequacy",
    units="Dmnl",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"mature_finance_supply": 1, "mature_finance_need": 1},
)
def mature_finance_adequacy():
    """
    Mature-stage finance available relative to need.
    """
    return zidz(mature_finance_supply(), mature_finance_need())


@component.add(
    name="Mature Finance Supply",
    units="BnYuan",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"loans_to_mature_firms": 1, "sci_tech_bonds": 1},
)
def mature_finance_supply():
    """
    Bank loans and bonds held by mature and listed firms.
    """
    return loans_to_mature_firms() + sci_tech_bonds()


@component.add(
    name="Mature Finance Need",
    units="BnYuan",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "mature_firms": 1,
        "listed_firms": 1,
        "mature_finance_need_years": 1,
        "value_added_per_firm": 1,
    },
)
def mature_finance_need():
    """
    Debt finance mature and listed firms need.
    """
    return (
        (mature_firms() + listed_firms())
        * mature_finance_need_years()
        * value_added_per_firm()
    )


@component.add(
    name="Mature Finance Need Years",
    units="Year",
    limits=(0.0, 10.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def mature_finance_need_years():
    """
    Debt finance a mature firm needs, in years of value added per firm [source: assumption].
    """
    return 2.0


@component.add(
    name="Mature Finance Effect",
    units="Dmnl",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"mature_finance_adequacy": 2, "finance_effect_half_saturation": 2},
)
def mature_finance_effect():
    """
    Effect of mature-stage finance adequacy on listing and exit.
    """
    return (
        mature_finance_adequacy()
        * (1 + finance_effect_half_saturation())
        / (mature_finance_adequacy() + finance_effect_half_saturation())
    )


@component.add(
    name="Industrial Capacity",
    units="BnYuan/Year",
    comp_type="Stateful",
    comp_subtype="Integ",
    depends_on={"_integ_industrial_capacity": 1},
    other_deps={
        "_integ_industrial_capacity": {
            "initial": {"initial_industrial_capacity": 1},
            "step": {"capacity_additions": 1, "capacity_retirement": 1},
        }
    },
)
def industrial_capacity():
    """
    Value added the region's technology-intensive industry can produce per year.
    """
    return _integ_industrial_capacity()


_integ_industrial_capacity = Integ(
    lambda: capacity_additions() - capacity_retirement(),
    lambda: initial_industrial_capacity(),
    "_integ_industrial_capacity",
)


@component.add(
    name="Initial Industrial Capacity",
    units="BnYuan/Year",
    limits=(0.0, 10000.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def initial_industrial_capacity():
    """
    Technology-intensive value added in 2021 [source: assumption; about 9 % of Northeast GDP of about 5,600 bn yuan].
    """
    return 500


@component.add(
    name="Capacity Additions",
    units="BnYuan/(Year*Year)",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "productive_investment": 1,
        "output_capital_ratio": 1,
        "technology_productivity_effect": 1,
        "market_room_effect": 1,
    },
)
def capacity_additions():
    """
    New value-added capacity per year from investment, raised by technology, limited by market room.
    """
    return (
        productive_investment()
        * output_capital_ratio()
        * technology_productivity_effect()
        * market_room_effect()
    )


@component.add(
    name="Market Potential",
    units="BnYuan/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "initial_industrial_capacity": 1,
        "initial_market_headroom": 1,
        "initial_time": 1,
        "market_growth_rate": 1,
        "time": 1,
        "technology_productivity_effect": 1,
        "technology_market_ratio": 1,
    },
)
def market_potential():
    """
    Value added the market would absorb from the region's technology-intensive industry; grows with the economy and with new technology.
    """
    return (
        initial_industrial_capacity()
        * initial_market_headroom()
        * float(np.exp(market_growth_rate() * (time() - initial_time())))
        * technology_productivity_effect() ** technology_market_ratio()
    )


@component.add(
    name="Initial Market Headroom",
    units="Dmnl",
    limits=(0.1, 10.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def initial_market_headroom():
    """
    Market potential over capacity in 2021 [source: assumption].
    """
    return 1.15


@component.add(
    name="Market Growth Rate",
    units="1/Year",
    limits=(-0.1, 0.3),
    comp_type="Constant",
    comp_subtype="Normal",
)
def market_growth_rate():
    """
    Growth of demand for technology-intensive output [source: assumption; near the nominal GDP growth of the Northeast].
    """
    return 0.04


@component.add(
    name="Technology Market Ratio",
    units="Dmnl",
    limits=(0.0, 10.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def technology_market_ratio():
    """
    How much faster technology widens the market than it raises investment productivity [source: assumption].
    """
    return 1


@component.add(
    name="Market Room Effect",
    units="Dmnl",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "market_potential": 1,
        "industrial_capacity": 1,
        "market_room_elasticity": 1,
    },
)
def market_room_effect():
    """
    Effect of unmet market demand on the productivity of new investment (balancing market-saturation loop).
    """
    return (
        float(np.minimum(3, zidz(market_potential(), industrial_capacity())))
        ** market_room_elasticity()
    )


@component.add(
    name="Market Room Elasticity",
    units="Dmnl",
    limits=(0.0, 10.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def market_room_elasticity():
    """
    Elasticity of investment productivity to market room [source: assumption].
    """
    return 2


@component.add(
    name="Capacity Retirement",
    units="BnYuan/(Year*Year)",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"industrial_capacity": 1, "capacity_life": 1},
)
def capacity_retirement():
    """
    Capacity retired per year.
    """
    return industrial_capacity() / capacity_life()


@component.add(
    name="Capacity Life",
    units="Year",
    limits=(1.0, 60.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def capacity_life():
    """
    Average life of technology-intensive production capacity [source: assumption; machinery and equipment lives of 10-20 years].
    """
    return 15


@component.add(
    name="Output Capital Ratio",
    units="1/Year",
    limits=(0.01, 2.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def output_capital_ratio():
    """
    Value added per year per yuan invested, at the 2021 technology level [source: assumption; capital-output ratio of about 2.2 for light-asset technology industry].
    """
    return 0.35


@component.add(
    name="Technology Productivity Effect",
    units="Dmnl",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "knowledge_stock": 1,
        "initial_knowledge_stock": 1,
        "technology_elasticity": 1,
    },
)
def technology_productivity_effect():
    """
    Effect of the knowledge stock on the productivity of investment (technology -> industry).
    """
    return (knowledge_stock() / initial_knowledge_stock()) ** technology_elasticity()


@component.add(
    name="Technology Elasticity",
    units="Dmnl",
    limits=(0.0, 2.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def technology_elasticity():
    """
    Elasticity of investment productivity to knowledge [source: assumption].
    """
    return 0.3


@component.add(
    name="Productive Investment",
    units="BnYuan/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "reinvested_earnings": 1,
        "loan_financed_investment": 1,
        "bond_financed_investment": 1,
        "equity_financed_investment": 1,
    },
)
def productive_investment():
    """
    Investment in technology-intensive capacity by source of funds.
    """
    return (
        reinvested_earnings()
        + loan_financed_investment()
        + bond_financed_investment()
        + equity_financed_investment()
    )


@component.add(
    name="Reinvested Earnings",
    units="BnYuan/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"industrial_capacity": 1, "profit_margin": 1, "reinvestment_rate": 1},
)
def reinvested_earnings():
    """
    Profits ploughed back into capacity.
    """
    return industrial_capacity() * profit_margin() * reinvestment_rate()


@component.add(
    name="Profit Margin",
    units="Dmnl",
    limits=(0.0, 1.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def profit_margin():
    """
    Gross operating cash flow as a share of value added [source: assumption].
    """
    return 0.2


@component.add(
    name="Reinvestment Rate",
    units="Dmnl",
    limits=(0.0, 1.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def reinvestment_rate():
    """
    Share of operating cash flow reinvested in capacity [source: assumption].
    """
    return 0.6


@component.add(
    name="Loan Financed Investment",
    units="BnYuan/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"new_tech_lending": 1, "loan_capex_share": 1},
)
def loan_financed_investment():
    """
    Investment funded by new bank lending.
    """
    return new_tech_lending() * loan_capex_share()


@component.add(
    name="Loan Capex Share",
    units="Dmnl",
    limits=(0.0, 1.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def loan_capex_share():
    """
    Share of new tech lending that funds capacity rather than working capital [source: assumption].
    """
    return 0.3


@component.add(
    name="Bond Financed Investment",
    units="BnYuan/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"bond_issuance": 1, "bond_capex_share": 1},
)
def bond_financed_investment():
    """
    Investment funded by new bonds.
    """
    return bond_issuance() * bond_capex_share()


@component.add(
    name="Bond Capex Share",
    units="Dmnl",
    limits=(0.0, 1.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def bond_capex_share():
    """
    Share of bond proceeds that funds capacity [source: assumption].
    """
    return 0.6


@component.add(
    name="Equity Financed Investment",
    units="BnYuan/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"equity_investment": 1, "equity_capex_share": 1},
)
def equity_financed_investment():
    """
    Investment funded by new patient capital.
    """
    return equity_investment() * equity_capex_share()


@component.add(
    name="Equity Capex Share",
    units="Dmnl",
    limits=(0.0, 1.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def equity_capex_share():
    """
    Share of new patient capital that funds capacity [source: assumption].
    """
    return 0.4


@component.add(
    name="Tech Loan Balance",
    units="BnYuan",
    comp_type="Stateful",
    comp_subtype="Integ",
    depends_on={"_integ_tech_loan_balance": 1},
    other_deps={
        "_integ_tech_loan_balance": {
            "initial": {"initial_tech_loan_balance": 1},
            "step": {"new_tech_lending": 1, "loan_repayments": 1, "loan_write_offs": 1},
        }
    },
)
def tech_loan_balance():
    """
    Balance of bank loans to technology enterprises in the Northeast, non-performing loans included (the calibration target).
    """
    return _integ_tech_loan_balance()


_integ_tech_loan_balance = Integ(
    lambda: new_tech_lending() - loan_repayments() - loan_write_offs(),
    lambda: initial_tech_loan_balance(),
    "_integ_tech_loan_balance",
)


@component.add(
    name="Initial Tech Loan Balance",
    units="BnYuan",
    limits=(0.0, 5000.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def initial_tech_loan_balance():
    """
    Tech-enterprise loan balance on 1 Jan 2021 [source: calibrated; the balance that passes 420 bn at end-2021 (FACTS, seed 000)].
    """
    return 346


@component.add(
    name="Non Performing Tech Loans",
    units="BnYuan",
    comp_type="Stateful",
    comp_subtype="Integ",
    depends_on={"_integ_non_performing_tech_loans": 1},
    other_deps={
        "_integ_non_performing_tech_loans": {
            "initial": {"initial_tech_loan_balance": 1, "initial_npl_ratio": 1},
            "step": {"new_non_performing_loans": 1, "loan_write_offs": 1},
        }
    },
)
def non_performing_tech_loans():
    """
    Non-performing part of the tech loan balance, awaiting resolution.
    """
    return _integ_non_performing_tech_loans()


_integ_non_performing_tech_loans = Integ(
    lambda: new_non_performing_loans() - loan_write_offs(),
    lambda: initial_tech_loan_balance() * initial_npl_ratio(),
    "_integ_non_performing_tech_loans",
)


@component.add(
    name="Initial NPL Ratio",
    units="Dmnl",
    limits=(0.0, 1.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def initial_npl_ratio():
    """
    NPL ratio of tech loans on 1 Jan 2021 [source: assumption; near the banking average of about 1.7 %].
    """
    return 0.015


@component.add(
    name="Performing Tech Loans",
    units="BnYuan",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"tech_loan_balance": 1, "non_performing_tech_loans": 1},
)
def performing_tech_loans():
    """
    Tech loans being serviced.
    """
    return tech_loan_balance() - non_performing_tech_loans()


@component.add(
    name="New Non Performing Loans",
    units="BnYuan/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"performing_tech_loans": 1, "tech_loan_default_rate": 1},
)
def new_non_performing_loans():
    """
    Tech loans turning non-performing per year.
    """
    return performing_tech_loans() * tech_loan_default_rate()


@component.add(
    name="Loan Write Offs",
    units="BnYuan/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"non_performing_tech_loans": 1, "npl_resolution_time": 1},
)
def loan_write_offs():
    """
    Non-performing loans resolved (written off or recovered) per year.
    """
    return non_performing_tech_loans() / npl_resolution_time()


@component.add(
    name="NPL Resolution Time",
    units="Year",
    limits=(0.25, 10.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def npl_resolution_time():
    """
    Average time to resolve a non-performing loan [source: assumption].
    """
    return 1.5


@component.add(
    name="Loan Repayments",
    units="BnYuan/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"performing_tech_loans": 1, "tech_loan_term": 1},
)
def loan_repayments():
    """
    Principal repaid on performing tech loans per year.
    """
    return performing_tech_loans() / tech_loan_term()


@component.add(
    name="New Tech Lending",
    units="BnYuan/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "loan_repayments": 1,
        "loan_write_offs": 1,
        "tech_loan_balance": 1,
        "indicated_tech_loan_balance": 1,
        "loan_adjustment_time": 1,
    },
)
def new_tech_lending():
    """
    New tech loans per year: rolling over maturing loans and closing the gap to the balance banks are willing to hold.
    """
    return float(
        np.maximum(
            0,
            loan_repayments()
            + loan_write_offs()
            + (indicated_tech_loan_balance() - tech_loan_balance())
            / loan_adjustment_time(),
        )
    )


@component.add(
    name="Loan Adjustment Time",
    units="Year",
    limits=(0.25, 10.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def loan_adjustment_time():
    """
    Time for banks to close the gap between the indicated and the actual loan balance [source: calibrated].
    """
    return 2


@component.add(
    name="NPL Ratio",
    units="Dmnl",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"non_performing_tech_loans": 1, "tech_loan_balance": 1},
)
def npl_ratio():
    """
    Non-performing share of tech loans.
    """
    return zidz(non_performing_tech_loans(), tech_loan_balance())


@component.add(
    name="Tech Loan Default Rate",
    units="1/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "base_tech_loan_default_rate": 1,
        "screening_sensitivity": 1,
        "information_asymmetry": 1,
        "borrower_risk_mix": 1,
    },
)
def tech_loan_default_rate():
    """
    Fraction of performing tech loans defaulting per year.
    """
    return (
        base_tech_loan_default_rate()
        * (1 + screening_sensitivity() * information_asymmetry())
        * borrower_risk_mix()
    )


@component.add(
    name="Base Tech Loan Default Rate",
    units="1/Year",
    limits=(0.0, 1.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def base_tech_loan_default_rate():
    """
    Default rate of loans to mature firms under full information [source: assumption; gives a tech-loan NPL ratio near 1.5 % in 2021].
    """
    return 0.006


@component.add(
    name="Screening Sensitivity",
    units="Dmnl",
    limits=(0.0, 5.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def screening_sensitivity():
    """
    Rise in default rates per unit of information asymmetry (industry -> finance friction) [source: assumption, uncalibrated].
    """
    return 0.5


@component.add(
    name="Borrower Risk Mix",
    units="Dmnl",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "indicated_loans_to_startups": 1,
        "startup_risk_weight": 1,
        "indicated_loans_to_growth_firms": 1,
        "growth_risk_weight": 1,
        "indicated_loans_to_mature_firms": 1,
        "indicated_tech_loan_balance": 1,
    },
)
def borrower_risk_mix():
    """
    Loan-weighted default risk of the borrowers relative to mature firms.
    """
    return zidz(
        indicated_loans_to_startups() * startup_risk_weight()
        + indicated_loans_to_growth_firms() * growth_risk_weight()
        + indicated_loans_to_mature_firms(),
        indicated_tech_loan_balance(),
    )


@component.add(
    name="Startup Risk Weight",
    units="Dmnl",
    limits=(1.0, 20.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def startup_risk_weight():
    """
    Default rate of start-up loans relative to mature-firm loans [source: assumption].
    """
    return 4


@component.add(
    name="Growth Risk Weight",
    units="Dmnl",
    limits=(1.0, 20.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def growth_risk_weight():
    """
    Default rate of growth-firm loans relative to mature-firm loans [source: assumption].
    """
    return 2


@component.add(
    name="Loss Given Default",
    units="Dmnl",
    limits=(0.0, 1.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def loss_given_default():
    """
    Share of a written-off tech loan that is lost [source: assumption; above the 45 % Basel foundation-IRB value because tech firms are asset-light].
    """
    return 0.6


@component.add(
    name="Loan Loss",
    units="BnYuan/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"loan_write_offs": 1, "loss_given_default": 1},
)
def loan_loss():
    """
    Credit losses on tech loans per year, before sharing.
    """
    return loan_write_offs() * loss_given_default()


@component.add(
    name="Indicated Tech Loan Balance",
    units="BnYuan",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "indicated_loans_to_startups": 1,
        "indicated_loans_to_growth_firms": 1,
        "indicated_loans_to_mature_firms": 1,
    },
)
def indicated_tech_loan_balance():
    """
    Tech loan balance banks are willing to hold given firms' needs and their own constraints.
    """
    return (
        indicated_loans_to_startups()
        + indicated_loans_to_growth_firms()
        + indicated_loans_to_mature_firms()
    )


@component.add(
    name="Indicated Loans to Startups",
    units="BnYuan",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "early_stage_finance_need": 1,
        "startup_collateral_access": 1,
        "duration_match_effect": 1,
        "lender_willingness": 1,
    },
)
def indicated_loans_to_startups():
    """
    Loans banks will hold for start-ups.
    """
    return early_stage_finance_need() * float(
        np.minimum(
            1,
            startup_collateral_access()
            * lender_willingness()
            * duration_match_effect(),
        )
    )


@component.add(
    name="Indicated Loans to Growth Firms",
    units="BnYuan",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "growth_finance_need": 1,
        "lender_willingness": 1,
        "growth_collateral_access": 1,
        "duration_match_effect": 1,
    },
)
def indicated_loans_to_growth_firms():
    """
    Loans banks will hold for growth firms.
    """
    return growth_finance_need() * float(
        np.minimum(
            1,
            growth_collateral_access() * lender_willingness() * duration_match_effect(),
        )
    )


@component.add(
    name="Indicated Loans to Mature Firms",
    units="BnYuan",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "mature_finance_need": 1,
        "lender_willingness": 1,
        "mature_collateral_access": 1,
    },
)
def indicated_loans_to_mature_firms():
    """
    Loans banks will hold for mature and listed firms.
    """
    return mature_finance_need() * float(
        np.minimum(1, mature_collateral_access() * lender_willingness())
    )


@component.add(
    name="Startup Collateral Access",
    units="Dmnl",
    limits=(0.0, 2.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def startup_collateral_access():
    """
    Share of start-ups' need banks would meet with collateral and cash flow alone (collateral limit) [source: assumption].
    """
    return 0.25


@component.add(
    name="Growth Collateral Access",
    units="Dmnl",
    limits=(0.0, 2.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def growth_collateral_access():
    """
    Share of growth firms' need banks would meet with collateral and cash flow alone [source: assumption].
    """
    return 0.9


@component.add(
    name="Mature Collateral Access",
    units="Dmnl",
    limits=(0.0, 2.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def mature_collateral_access():
    """
    Share of mature firms' need banks would meet with collateral and cash flow alone [source: assumption].
    """
    return 1.1


@component.add(
    name="Loans to Startups",
    units="BnYuan",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "tech_loan_balance": 1,
        "indicated_loans_to_startups": 1,
        "indicated_tech_loan_balance": 1,
    },
)
def loans_to_startups():
    """
    Part of the tech loan balance held by start-ups.
    """
    return tech_loan_balance() * zidz(
        indicated_loans_to_startups(), indicated_tech_loan_balance()
    )


@component.add(
    name="Loans to Growth Firms",
    units="BnYuan",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "tech_loan_balance": 1,
        "indicated_loans_to_growth_firms": 1,
        "indicated_tech_loan_balance": 1,
    },
)
def loans_to_growth_firms():
    """
    Part of the tech loan balance held by growth firms.
    """
    return tech_loan_balance() * zidz(
        indicated_loans_to_growth_firms(), indicated_tech_loan_balance()
    )


@component.add(
    name="Loans to Mature Firms",
    units="BnYuan",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "tech_loan_balance": 1,
        "indicated_loans_to_mature_firms": 1,
        "indicated_tech_loan_balance": 1,
    },
)
def loans_to_mature_firms():
    """
    Part of the tech loan balance held by mature and listed firms.
    """
    return tech_loan_balance() * zidz(
        indicated_loans_to_mature_firms(), indicated_tech_loan_balance()
    )


@component.add(
    name="Lender Willingness",
    units="Dmnl",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "lender_willingness_scale": 1,
        "information_effect_on_lending": 1,
        "lender_capability_match": 1,
        "risk_cover_effect_on_lending": 1,
        "bank_risk_appetite": 1,
        "reloan_effect_on_lending": 1,
    },
)
def lender_willingness():
    """
    Banks' willingness to lend to technology firms, from information, capability, risk cover, NPL appetite and funding cost.
    """
    return (
        lender_willingness_scale()
        * information_effect_on_lending()
        * lender_capability_match()
        * risk_cover_effect_on_lending()
        * bank_risk_appetite()
        * reloan_effect_on_lending()
    )


@component.add(
    name="Lender Willingness Scale",
    units="Dmnl",
    limits=(0.0, 10.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def lender_willingness_scale():
    """
    Scale of bank willingness to lend [source: calibrated to the 420 -> 680 bn path].
    """
    return 2.04


@component.add(
    name="Lender Capability Match",
    units="Dmnl",
    comp_type="Stateful",
    comp_subtype="Integ",
    depends_on={"_integ_lender_capability_match": 1},
    other_deps={
        "_integ_lender_capability_match": {
            "initial": {"initial_lender_capability_match": 1},
            "step": {"lender_capability_learning": 1},
        }
    },
)
def lender_capability_match():
    """
    Industry -> finance friction: share of tech projects lenders have the expertise to assess (capability mismatch, seed 001); grows as banks learn.
    """
    return _integ_lender_capability_match()


_integ_lender_capability_match = Integ(
    lambda: lender_capability_learning(),
    lambda: initial_lender_capability_match(),
    "_integ_lender_capability_match",
)


@component.add(
    name="Initial Lender Capability Match",
    units="Dmnl",
    limits=(0.001, 1.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def initial_lender_capability_match():
    """
    Lenders' capability match on 1 Jan 2021 [source: calibrated].
    """
    return 0.432


@component.add(
    name="Lender Capability Learning",
    units="1/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"capability_learning_rate": 1, "lender_capability_match": 2},
)
def lender_capability_learning():
    """
    Growth of lenders' capability as tech branches and specialised teams spread (learning by doing, logistic).
    """
    return (
        capability_learning_rate()
        * lender_capability_match()
        * (1 - lender_capability_match())
    )


@component.add(
    name="Capability Learning Rate",
    units="1/Year",
    limits=(0.0, 5.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def capability_learning_rate():
    """
    Speed at which lenders build tech-lending capability [source: calibrated to the 420 -> 680 bn path].
    """
    return 0.556


@component.add(
    name="Information Asymmetry",
    units="Dmnl",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"data_platform_connectivity": 1, "information_capture_efficiency": 1},
)
def information_asymmetry():
    """
    Industry -> finance friction: share of firm information lenders cannot see (1 = none visible).
    """
    return 1 - data_platform_connectivity() * information_capture_efficiency()


@component.add(
    name="Information Capture Efficiency",
    units="Dmnl",
    limits=(0.0, 1.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def information_capture_efficiency():
    """
    Share of the information gap a connected enterprise database closes [source: assumption].
    """
    return 0.8


@component.add(
    name="Information Effect on Lending",
    units="Dmnl",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"information_lending_sensitivity": 1, "information_asymmetry": 1},
)
def information_effect_on_lending():
    """
    Effect of information asymmetry on banks' willingness to lend.
    """
    return 1 - information_lending_sensitivity() * information_asymmetry()


@component.add(
    name="Information Lending Sensitivity",
    units="Dmnl",
    limits=(0.0, 1.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def information_lending_sensitivity():
    """
    Fall in willingness to lend per unit of information asymmetry [source: assumption, uncalibrated].
    """
    return 0.3


@component.add(
    name="Bank Risk Appetite",
    units="Dmnl",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"npl_appetite_steepness": 1, "npl_tolerance": 1, "npl_ratio": 1},
)
def bank_risk_appetite():
    """
    Banks' appetite for tech risk: 1/2 when the NPL ratio equals the tolerated ratio, near 1 well below it (balancing loss loop).
    """
    return 1 / (
        1
        + float(
            np.exp(
                float(
                    np.minimum(
                        50,
                        npl_appetite_steepness() * (npl_ratio() / npl_tolerance() - 1),
                    )
                )
            )
        )
    )


@component.add(
    name="NPL Appetite Steepness",
    units="Dmnl",
    limits=(0.0, 50.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def npl_appetite_steepness():
    """
    Steepness of banks' retreat as the NPL ratio approaches tolerance [source: assumption].
    """
    return 4


@component.add(
    name="Tech Cycle Length",
    units="Year",
    limits=(1.0, 20.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def tech_cycle_length():
    """
    Time from R&D to cash flow for a technology firm [source: assumption].
    """
    return 5


@component.add(
    name="Duration Match Effect",
    units="Dmnl",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"tech_loan_term": 1, "tech_cycle_length": 1, "duration_elasticity": 1},
)
def duration_match_effect():
    """
    Finance -> technology friction: risk-duration mismatch when loans are shorter than the technology cycle (seed 001).
    """
    return (
        float(np.minimum(1, tech_loan_term() / tech_cycle_length()))
        ** duration_elasticity()
    )


@component.add(
    name="Duration Elasticity",
    units="Dmnl",
    limits=(0.0, 3.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def duration_elasticity():
    """
    Elasticity of start-up and growth-firm lending to duration match [source: assumption, uncalibrated].
    """
    return 0.3


@component.add(
    name="Risk Sharing Capital",
    units="BnYuan",
    comp_type="Stateful",
    comp_subtype="Integ",
    depends_on={"_integ_risk_sharing_capital": 1},
    other_deps={
        "_integ_risk_sharing_capital": {
            "initial": {"initial_risk_sharing_capital": 1},
            "step": {
                "baseline_guarantee_funding": 1,
                "guarantee_capital_injection": 1,
                "guarantee_fee_income": 1,
                "guarantee_claims_paid": 1,
            },
        }
    },
)
def risk_sharing_capital():
    """
    Capital of policy guarantee institutions and risk-compensation pools serving tech loans.
    """
    return _integ_risk_sharing_capital()


_integ_risk_sharing_capital = Integ(
    lambda: baseline_guarantee_funding()
    + guarantee_capital_injection()
    + guarantee_fee_income()
    - guarantee_claims_paid(),
    lambda: initial_risk_sharing_capital(),
    "_integ_risk_sharing_capital",
)


@component.add(
    name="Initial Risk Sharing Capital",
    units="BnYuan",
    limits=(0.0, 1000.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def initial_risk_sharing_capital():
    """
    Guarantee and risk-pool capital on 1 Jan 2021 [source: assumption; with 12.3 % adequacy it guarantees about a quarter of tech loans].
    """
    return 10


@component.add(
    name="Baseline Guarantee Funding",
    units="BnYuan/Year",
    limits=(0.0, 100.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def baseline_guarantee_funding():
    """
    Local governments' regular contributions to guarantee capital and risk pools [source: assumption].
    """
    return 1


@component.add(
    name="Guarantee Fee Rate",
    units="1/Year",
    limits=(0.0, 0.1),
    comp_type="Constant",
    comp_subtype="Normal",
)
def guarantee_fee_rate():
    """
    Guarantee fee on guaranteed loans [source: literature; State Council 2019 guidance caps policy guarantee fees at 1 %].
    """
    return 0.01


@component.add(
    name="Guarantee Fee Income",
    units="BnYuan/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"guaranteed_loans": 1, "guarantee_fee_rate": 1},
)
def guarantee_fee_income():
    """
    Fees earned by guarantors.
    """
    return guaranteed_loans() * guarantee_fee_rate()


@component.add(
    name="Guarantee Capacity",
    units="BnYuan",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"risk_sharing_capital": 1, "guarantee_capital_adequacy": 1},
)
def guarantee_capacity():
    """
    Loans guarantors can cover at their capital adequacy ratio (leverage limit = 1/adequacy).
    """
    return risk_sharing_capital() / guarantee_capital_adequacy()


@component.add(
    name="Guarantee Demand Share",
    units="Dmnl",
    limits=(0.0, 1.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def guarantee_demand_share():
    """
    Share of tech loans whose borrowers seek a guarantee [source: assumption].
    """
    return 0.3


@component.add(
    name="Guaranteed Loans",
    units="BnYuan",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "guarantee_capacity": 1,
        "tech_loan_balance": 1,
        "guarantee_demand_share": 1,
    },
)
def guaranteed_loans():
    """
    Tech loans covered by a policy guarantee.
    """
    return float(
        np.minimum(guarantee_capacity(), tech_loan_balance() * guarantee_demand_share())
    )


@component.add(
    name="Guaranteed Share",
    units="Dmnl",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"guaranteed_loans": 1, "tech_loan_balance": 1},
)
def guaranteed_share():
    """
    Share of tech loans under a guarantee.
    """
    return zidz(guaranteed_loans(), tech_loan_balance())


@component.add(
    name="Guarantee Loss Coverage",
    units="Dmnl",
    limits=(0.0, 1.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def guarantee_loss_coverage():
    """
    Share of a guaranteed loan's loss the guarantee side pays [source: literature; the '4321' risk-sharing model, banks bear 20 %].
    """
    return 0.8


@component.add(
    name="Guarantee Credibility",
    units="Dmnl",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"guarantee_capital_adequacy": 2, "credibility_half_adequacy": 1},
)
def guarantee_credibility():
    """
    Banks' confidence that guarantors can pay claims, rising with their capital adequacy.
    """
    return guarantee_capital_adequacy() / (
        guarantee_capital_adequacy() + credibility_half_adequacy()
    )


@component.add(
    name="Credibility Half Adequacy",
    units="Dmnl",
    limits=(0.001, 1.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def credibility_half_adequacy():
    """
    Capital adequacy at which banks give a guarantee half credit [source: assumption; seed 003 names 12 % as the floor].
    """
    return 0.1


@component.add(
    name="Risk Cover Effect on Lending",
    units="Dmnl",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "risk_cover_sensitivity": 1,
        "guaranteed_share": 1,
        "guarantee_loss_coverage": 1,
        "guarantee_credibility": 1,
    },
)
def risk_cover_effect_on_lending():
    """
    Effect of credible risk sharing on banks' willingness to lend (local platforms and risk sharing).
    """
    return (
        1
        + risk_cover_sensitivity()
        * guaranteed_share()
        * guarantee_loss_coverage()
        * guarantee_credibility()
    )


@component.add(
    name="Risk Cover Sensitivity",
    units="Dmnl",
    limits=(0.0, 10.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def risk_cover_sensitivity():
    """
    Rise in willingness to lend per unit of credible loss cover [source: assumption, uncalibrated].
    """
    return 1


@component.add(
    name="Guarantee Claims Due",
    units="BnYuan/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"loan_loss": 1, "guaranteed_share": 1, "guarantee_loss_coverage": 1},
)
def guarantee_claims_due():
    """
    Claims on guarantors from losses on guaranteed loans.
    """
    return loan_loss() * guaranteed_share() * guarantee_loss_coverage()


@component.add(
    name="Guarantee Claims Paid",
    units="BnYuan/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "guarantee_claims_due": 1,
        "risk_sharing_capital": 1,
        "claim_settlement_time": 1,
    },
)
def guarantee_claims_paid():
    """
    Claims guarantors pay; limited by their capital, the rest falls back on banks.
    """
    return float(
        np.minimum(
            guarantee_claims_due(), risk_sharing_capital() / claim_settlement_time()
        )
    )


@component.add(
    name="Claim Settlement Time",
    units="Year",
    limits=(0.1, 10.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def claim_settlement_time():
    """
    Shortest time in which guarantors can pay out their whole capital [source: assumption].
    """
    return 1


@component.add(
    name="Bank Loan Loss",
    units="BnYuan/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"loan_loss": 1, "guarantee_claims_paid": 1},
)
def bank_loan_loss():
    """
    Loan losses borne by banks.
    """
    return loan_loss() - guarantee_claims_paid()


@component.add(
    name="Guarantee Capital Adequacy Ratio",
    units="Dmnl",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"risk_sharing_capital": 1, "guaranteed_loans": 1},
)
def guarantee_capital_adequacy_ratio():
    """
    Guarantors' actual capital adequacy (capital over guaranteed loans).
    """
    return zidz(risk_sharing_capital(), guaranteed_loans())


@component.add(
    name="Patient Capital",
    units="BnYuan",
    comp_type="Stateful",
    comp_subtype="Integ",
    depends_on={"_integ_patient_capital": 1},
    other_deps={
        "_integ_patient_capital": {
            "initial": {"initial_patient_capital": 1},
            "step": {
                "equity_investment": 1,
                "patient_capital_exits": 1,
                "patient_capital_write_offs": 1,
            },
        }
    },
)
def patient_capital():
    """
    VC/PE and guidance-fund equity invested in Northeast technology firms.
    """
    return _integ_patient_capital()


_integ_patient_capital = Integ(
    lambda: equity_investment()
    - patient_capital_exits()
    - patient_capital_write_offs(),
    lambda: initial_patient_capital(),
    "_integ_patient_capital",
)


@component.add(
    name="Initial Patient Capital",
    units="BnYuan",
    limits=(0.0, 5000.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def initial_patient_capital():
    """
    Patient capital on 1 Jan 2021 [source: FACTS, seed 002; 68.9 bn yuan managed by Northeast VC institutions in 2022].
    """
    return 60


@component.add(
    name="Public Patient Capital",
    units="BnYuan",
    comp_type="Stateful",
    comp_subtype="Integ",
    depends_on={"_integ_public_patient_capital": 1},
    other_deps={
        "_integ_public_patient_capital": {
            "initial": {"initial_public_patient_capital": 1},
            "step": {
                "public_guidance_injection": 1,
                "public_capital_exits": 1,
                "public_capital_write_offs": 1,
            },
        }
    },
)
def public_patient_capital():
    """
    Part of patient capital put in by government guidance funds.
    """
    return _integ_public_patient_capital()


_integ_public_patient_capital = Integ(
    lambda: public_guidance_injection()
    - public_capital_exits()
    - public_capital_write_offs(),
    lambda: initial_public_patient_capital(),
    "_integ_public_patient_capital",
)


@component.add(
    name="Initial Public Patient Capital",
    units="BnYuan",
    limits=(0.0, 5000.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def initial_public_patient_capital():
    """
    Guidance-fund capital on 1 Jan 2021 [source: assumption; guidance funds are part of the 68 % state-owned share].
    """
    return 15


@component.add(
    name="Public Capital Share",
    units="Dmnl",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"public_patient_capital": 1, "patient_capital": 1},
)
def public_capital_share():
    """
    Guidance funds' share of patient capital.
    """
    return zidz(public_patient_capital(), patient_capital())


@component.add(
    name="Public Capital Exits",
    units="BnYuan/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"patient_capital_exits": 1, "public_capital_share": 1},
)
def public_capital_exits():
    """
    Guidance-fund capital exiting per year.
    """
    return patient_capital_exits() * public_capital_share()


@component.add(
    name="Public Capital Write Offs",
    units="BnYuan/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"patient_capital_write_offs": 1, "public_capital_share": 1},
)
def public_capital_write_offs():
    """
    Guidance-fund capital written off per year.
    """
    return patient_capital_write_offs() * public_capital_share()


@component.add(
    name="Equity Investment",
    units="BnYuan/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "public_guidance_injection": 1,
        "private_crowd_in": 1,
        "market_fundraising": 1,
    },
)
def equity_investment():
    """
    New patient capital invested per year.
    """
    return public_guidance_injection() + private_crowd_in() + market_fundraising()


@component.add(
    name="Private Crowd In",
    units="BnYuan/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "public_guidance_injection": 1,
        "guidance_crowd_in_ratio": 1,
        "market_response_efficiency": 1,
    },
)
def private_crowd_in():
    """
    Private capital drawn in alongside guidance funds.
    """
    return (
        public_guidance_injection()
        * guidance_crowd_in_ratio()
        * market_response_efficiency()
    )


@component.add(
    name="Market Fundraising",
    units="BnYuan/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "patient_capital": 1,
        "base_fundraising_rate": 1,
        "vc_net_return": 1,
        "hurdle_rate": 1,
        "return_sensitivity": 1,
        "market_response_efficiency": 1,
    },
)
def market_fundraising():
    """
    Private patient capital raised on the strength of realised returns (reinforcing patient-capital loop).
    """
    return (
        patient_capital()
        * base_fundraising_rate()
        * float(
            np.exp(
                float(
                    np.minimum(
                        10, return_sensitivity() * (vc_net_return() - hurdle_rate())
                    )
                )
            )
        )
        * market_response_efficiency()
    )


@component.add(
    name="Base Fundraising Rate",
    units="1/Year",
    limits=(0.0, 2.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def base_fundraising_rate():
    """
    New private capital per yuan of patient capital at the hurdle return [source: calibrated; growth to 68.9 bn in 2022].
    """
    return 0.36


@component.add(
    name="Return Sensitivity",
    units="Year",
    limits=(0.0, 50.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def return_sensitivity():
    """
    Response of fundraising to net returns above the hurdle [source: assumption].
    """
    return 5


@component.add(
    name="Hurdle Rate",
    units="1/Year",
    limits=(0.0, 0.5),
    comp_type="Constant",
    comp_subtype="Normal",
)
def hurdle_rate():
    """
    Return investors expect from patient capital [source: literature; the customary 8 % VC/PE hurdle rate].
    """
    return 0.08


@component.add(
    name="VC Net Return",
    units="1/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "exit_proceeds": 1,
        "patient_capital_exits": 1,
        "patient_capital_write_offs": 1,
        "patient_capital": 1,
    },
)
def vc_net_return():
    """
    Realised net return on patient capital.
    """
    return zidz(
        exit_proceeds() - patient_capital_exits() - patient_capital_write_offs(),
        patient_capital(),
    )


@component.add(
    name="Patient Capital Exits",
    units="BnYuan/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"patient_capital": 1, "fund_holding_period": 1},
)
def patient_capital_exits():
    """
    Capital returned through exits per year (patient capital's long cycle).
    """
    return patient_capital() / fund_holding_period()


@component.add(
    name="Fund Holding Period",
    units="Year",
    limits=(1.0, 20.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def fund_holding_period():
    """
    Average holding period of a VC/PE investment [source: literature; typical VC holding periods of 5-7 years].
    """
    return 6


@component.add(
    name="Exit Proceeds",
    units="BnYuan/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"patient_capital_exits": 1, "exit_multiple": 1},
)
def exit_proceeds():
    """
    Proceeds realised by exits.
    """
    return patient_capital_exits() * exit_multiple()


@component.add(
    name="Exit Multiple",
    units="Dmnl",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "base_exit_multiple": 1,
        "value_added_per_firm": 1,
        "reference_value_added_per_firm": 1,
        "valuation_elasticity": 1,
        "reference_capital_per_investable_firm": 1,
        "capital_per_investable_firm": 1,
        "crowding_elasticity": 1,
    },
)
def exit_multiple():
    """
    Exit value per yuan invested; rises with the earnings of established firms, falls as more capital chases each deal.
    """
    return (
        base_exit_multiple()
        * (value_added_per_firm() / reference_value_added_per_firm())
        ** valuation_elasticity()
        * (
            reference_capital_per_investable_firm()
            / float(np.maximum(capital_per_investable_firm(), 0.001))
        )
        ** crowding_elasticity()
    )


@component.add(
    name="Capital per Investable Firm",
    units="BnYuan/ThousandFirms",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"patient_capital": 1, "startup_firms": 1, "growth_firms": 1},
)
def capital_per_investable_firm():
    """
    Patient capital per start-up or growth firm (bn yuan per thousand firms = million yuan per firm).
    """
    return zidz(patient_capital(), startup_firms() + growth_firms())


@component.add(
    name="Reference Capital per Investable Firm",
    units="BnYuan/ThousandFirms",
    limits=(0.01, 100.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def reference_capital_per_investable_firm():
    """
    Patient capital per investable firm in 2021 [source: 60 bn yuan over 34 thousand firms, the initial values].
    """
    return 1.76


@component.add(
    name="Crowding Elasticity",
    units="Dmnl",
    limits=(0.0, 5.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def crowding_elasticity():
    """
    Fall in exit multiples per unit rise in capital per deal (valuation crowding, balancing) [source: assumption, uncalibrated].
    """
    return 1


@component.add(
    name="Base Exit Multiple",
    units="Dmnl",
    limits=(0.0, 10.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def base_exit_multiple():
    """
    Exit multiple at the reference earnings per firm [source: assumption; gives a net return near the 8 % hurdle in 2021].
    """
    return 1.9


@component.add(
    name="Reference Value Added per Firm",
    units="BnYuan/(Year*ThousandFirms)",
    limits=(0.1, 1000.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def reference_value_added_per_firm():
    """
    Value added per established firm in 2021 [source: 500 bn yuan/yr over 22.16 thousand firms, the initial values].
    """
    return 22.4


@component.add(
    name="Valuation Elasticity",
    units="Dmnl",
    limits=(0.0, 5.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def valuation_elasticity():
    """
    Elasticity of exit multiples to earnings per firm [source: assumption].
    """
    return 1


@component.add(
    name="Patient Capital Write Offs",
    units="BnYuan/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "patient_capital": 1,
        "early_stage_allocation": 2,
        "startup_failure_rate": 1,
        "growth_failure_rate": 1,
    },
)
def patient_capital_write_offs():
    """
    Patient capital lost in failed firms per year.
    """
    return patient_capital() * (
        early_stage_allocation() * startup_failure_rate()
        + (1 - early_stage_allocation()) * growth_failure_rate()
    )


@component.add(
    name="Startup Failure Rate",
    units="1/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"startup_failure": 1, "startup_firms": 1},
)
def startup_failure_rate():
    """
    Fraction of start-ups failing per year.
    """
    return zidz(startup_failure(), startup_firms())


@component.add(
    name="Growth Failure Rate",
    units="1/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"growth_failure": 1, "growth_firms": 1},
)
def growth_failure_rate():
    """
    Fraction of growth firms failing per year.
    """
    return zidz(growth_failure(), growth_firms())


@component.add(
    name="Early Stage Allocation",
    units="Dmnl",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "base_early_stage_allocation": 1,
        "early_stage_risk_sharing": 1,
        "early_risk_sharing_allocation_sensitivity": 1,
    },
)
def early_stage_allocation():
    """
    Share of patient capital invested in start-ups (the rest in growth firms).
    """
    return float(
        np.minimum(
            0.9,
            base_early_stage_allocation()
            * (
                1
                + early_risk_sharing_allocation_sensitivity()
                * early_stage_risk_sharing()
            ),
        )
    )


@component.add(
    name="Base Early Stage Allocation",
    units="Dmnl",
    limits=(0.0, 0.9),
    comp_type="Constant",
    comp_subtype="Normal",
)
def base_early_stage_allocation():
    """
    Finance -> technology friction: share of patient capital going to start-ups; low is capital structure imbalance (seed 001) [source: assumption].
    """
    return 0.3


@component.add(
    name="Early Stage Risk Sharing",
    units="Dmnl",
    limits=(0.0, 1.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def early_stage_risk_sharing():
    """
    Technology -> industry friction: share of start-up investment losses a public early-stage risk-sharing platform absorbs (seed 001) [source: policy input; 0 = none].
    """
    return 0


@component.add(
    name="Early Risk Sharing Allocation Sensitivity",
    units="Dmnl",
    limits=(0.0, 10.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def early_risk_sharing_allocation_sensitivity():
    """
    Rise in early-stage allocation per unit of early-stage risk sharing [source: assumption, uncalibrated].
    """
    return 1


@component.add(
    name="Early Stage Risk Sharing Payments",
    units="BnYuan/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "patient_capital_write_offs": 1,
        "early_stage_allocation": 1,
        "early_stage_risk_sharing": 1,
    },
)
def early_stage_risk_sharing_payments():
    """
    Public payments absorbing start-up investment losses.
    """
    return (
        patient_capital_write_offs()
        * early_stage_allocation()
        * early_stage_risk_sharing()
    )


@component.add(
    name="Market Response Efficiency",
    units="Dmnl",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"state_share_drag": 1, "state_vc_share": 1},
)
def market_response_efficiency():
    """
    Market actor (seed 000): how strongly private investors and founders respond to opportunities; lower when the state dominates venture capital.
    """
    return 1 - state_share_drag() * state_vc_share()


@component.add(
    name="State Share Drag",
    units="Dmnl",
    limits=(0.0, 1.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def state_share_drag():
    """
    Loss of market response per unit of state-owned VC share [source: assumption, uncalibrated].
    """
    return 0.5


@component.add(
    name="Guidance Crowd In Ratio",
    units="Dmnl",
    limits=(0.0, 10.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def guidance_crowd_in_ratio():
    """
    Private yuan committed per yuan of guidance-fund injection at full market response [source: assumption, uncalibrated].
    """
    return 1


@component.add(
    name="Sci Tech Bonds",
    units="BnYuan",
    comp_type="Stateful",
    comp_subtype="Integ",
    depends_on={"_integ_sci_tech_bonds": 1},
    other_deps={
        "_integ_sci_tech_bonds": {
            "initial": {"initial_sci_tech_bonds": 1},
            "step": {
                "market_bond_issuance": 1,
                "bond_purchases": 1,
                "bond_maturities": 1,
                "bond_defaults": 1,
            },
        }
    },
)
def sci_tech_bonds():
    """
    Sci-tech innovation bonds of Northeast issuers outstanding.
    """
    return _integ_sci_tech_bonds()


_integ_sci_tech_bonds = Integ(
    lambda: market_bond_issuance()
    + bond_purchases()
    - bond_maturities()
    - bond_defaults(),
    lambda: initial_sci_tech_bonds(),
    "_integ_sci_tech_bonds",
)


@component.add(
    name="Initial Sci Tech Bonds",
    units="BnYuan",
    limits=(0.0, 5000.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def initial_sci_tech_bonds():
    """
    Bonds outstanding on 1 Jan 2021 [source: assumption; a thin regional market].
    """
    return 10


@component.add(
    name="Risk Shared Bonds",
    units="BnYuan",
    comp_type="Stateful",
    comp_subtype="Integ",
    depends_on={"_integ_risk_shared_bonds": 1},
    other_deps={
        "_integ_risk_shared_bonds": {
            "initial": {},
            "step": {
                "bond_purchases": 1,
                "risk_shared_bond_maturities": 1,
                "risk_shared_bond_defaults": 1,
            },
        }
    },
)
def risk_shared_bonds():
    """
    Bonds bought under the risk-sharing tool (a part of Sci Tech Bonds).
    """
    return _integ_risk_shared_bonds()


_integ_risk_shared_bonds = Integ(
    lambda: bond_purchases()
    - risk_shared_bond_maturities()
    - risk_shared_bond_defaults(),
    lambda: 0,
    "_integ_risk_shared_bonds",
)


@component.add(
    name="Bond Issuance",
    units="BnYuan/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"market_bond_issuance": 1, "bond_purchases": 1},
)
def bond_issuance():
    """
    New sci-tech bonds per year.
    """
    return market_bond_issuance() + bond_purchases()


@component.add(
    name="Market Bond Issuance",
    units="BnYuan/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "market_held_bonds": 2,
        "bond_tenor": 1,
        "indicated_market_bonds": 1,
        "bond_adjustment_time": 1,
    },
)
def market_bond_issuance():
    """
    Bonds placed with market investors per year.
    """
    return float(
        np.maximum(
            0,
            market_held_bonds() / bond_tenor()
            + (indicated_market_bonds() - market_held_bonds()) / bond_adjustment_time(),
        )
    )


@component.add(
    name="Market Held Bonds",
    units="BnYuan",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"sci_tech_bonds": 1, "risk_shared_bonds": 1},
)
def market_held_bonds():
    """
    Bonds held by market investors.
    """
    return sci_tech_bonds() - risk_shared_bonds()


@component.add(
    name="Indicated Market Bonds",
    units="BnYuan",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "mature_finance_need": 1,
        "bond_market_depth": 1,
        "bond_investor_appetite": 1,
    },
)
def indicated_market_bonds():
    """
    Bonds market investors would hold.
    """
    return mature_finance_need() * bond_market_depth() * bond_investor_appetite()


@component.add(
    name="Bond Market Depth",
    units="Dmnl",
    limits=(0.0, 1.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def bond_market_depth():
    """
    Share of mature firms' debt need that the bond market meets without risk sharing [source: assumption].
    """
    return 0.04


@component.add(
    name="Bond Investor Appetite",
    units="Dmnl",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "bond_appetite_sensitivity": 1,
        "covered_bond_share": 1,
        "public_bond_loss_share": 1,
    },
)
def bond_investor_appetite():
    """
    Investors' appetite for sci-tech bonds, raised by public loss sharing.
    """
    return (
        1
        + bond_appetite_sensitivity() * covered_bond_share() * public_bond_loss_share()
    )


@component.add(
    name="Bond Appetite Sensitivity",
    units="Dmnl",
    limits=(0.0, 20.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def bond_appetite_sensitivity():
    """
    Rise in investor appetite per unit of losses shared by the public side [source: assumption, uncalibrated].
    """
    return 2


@component.add(
    name="Covered Bond Share",
    units="Dmnl",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"risk_shared_bonds": 1, "sci_tech_bonds": 1},
)
def covered_bond_share():
    """
    Share of bonds under the risk-sharing tool.
    """
    return zidz(risk_shared_bonds(), sci_tech_bonds())


@component.add(
    name="Bond Adjustment Time",
    units="Year",
    limits=(0.25, 10.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def bond_adjustment_time():
    """
    Time for bond issuance to close the gap to the indicated balance [source: assumption].
    """
    return 2


@component.add(
    name="Bond Tenor",
    units="Year",
    limits=(1.0, 30.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def bond_tenor():
    """
    Average tenor of sci-tech bonds [source: assumption; the tool supports long-term bonds (FACTS)].
    """
    return 5


@component.add(
    name="Bond Maturities",
    units="BnYuan/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"sci_tech_bonds": 1, "bond_tenor": 1},
)
def bond_maturities():
    """
    Bonds maturing per year.
    """
    return sci_tech_bonds() / bond_tenor()


@component.add(
    name="Risk Shared Bond Maturities",
    units="BnYuan/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"risk_shared_bonds": 1, "bond_tenor": 1},
)
def risk_shared_bond_maturities():
    """
    Risk-shared bonds maturing per year.
    """
    return risk_shared_bonds() / bond_tenor()


@component.add(
    name="Bond Default Rate",
    units="1/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "base_bond_default_rate": 1,
        "screening_sensitivity": 1,
        "information_asymmetry": 1,
    },
)
def bond_default_rate():
    """
    Fraction of sci-tech bonds defaulting per year.
    """
    return base_bond_default_rate() * (
        1 + screening_sensitivity() * information_asymmetry()
    )


@component.add(
    name="Base Bond Default Rate",
    units="1/Year",
    limits=(0.0, 1.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def base_bond_default_rate():
    """
    Bond default rate under full information [source: assumption; Chinese corporate bond default rates near 1 %].
    """
    return 0.006


@component.add(
    name="Bond Defaults",
    units="BnYuan/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"sci_tech_bonds": 1, "bond_default_rate": 1},
)
def bond_defaults():
    """
    Bonds defaulting per year.
    """
    return sci_tech_bonds() * bond_default_rate()


@component.add(
    name="Risk Shared Bond Defaults",
    units="BnYuan/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"risk_shared_bonds": 1, "bond_default_rate": 1},
)
def risk_shared_bond_defaults():
    """
    Risk-shared bonds defaulting per year.
    """
    return risk_shared_bonds() * bond_default_rate()


@component.add(
    name="Bond Loss Given Default",
    units="Dmnl",
    limits=(0.0, 1.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def bond_loss_given_default():
    """
    Share of a defaulted bond that is lost [source: assumption].
    """
    return 0.6


@component.add(
    name="Bond Loss",
    units="BnYuan/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"bond_defaults": 1, "bond_loss_given_default": 1},
)
def bond_loss():
    """
    Bond default losses per year, before sharing.
    """
    return bond_defaults() * bond_loss_given_default()


@component.add(
    name="Bond Loss Share Scale",
    units="Dmnl",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "central_bank_bond_loss_share": 1,
        "local_government_bond_loss_share": 1,
        "credit_enhancer_bond_loss_share": 1,
    },
)
def bond_loss_share_scale():
    """
    Scales the public and credit-enhancer loss shares down if they add up to more than 1.
    """
    return 1 / float(
        np.maximum(
            1,
            central_bank_bond_loss_share()
            + local_government_bond_loss_share()
            + credit_enhancer_bond_loss_share(),
        )
    )


@component.add(
    name="Public Bond Loss Share",
    units="Dmnl",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "central_bank_bond_loss_share": 1,
        "local_government_bond_loss_share": 1,
        "credit_enhancer_bond_loss_share": 1,
        "bond_loss_share_scale": 1,
    },
)
def public_bond_loss_share():
    """
    Share of a covered bond's loss borne by the central bank, local government and credit enhancers together.
    """
    return (
        central_bank_bond_loss_share()
        + local_government_bond_loss_share()
        + credit_enhancer_bond_loss_share()
    ) * bond_loss_share_scale()


@component.add(
    name="Covered Bond Loss",
    units="BnYuan/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"bond_loss": 1, "covered_bond_share": 1},
)
def covered_bond_loss():
    """
    Losses on bonds under the risk-sharing tool.
    """
    return bond_loss() * covered_bond_share()


@component.add(
    name="Central Bank Bond Loss",
    units="BnYuan/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "covered_bond_loss": 1,
        "central_bank_bond_loss_share": 1,
        "bond_loss_share_scale": 1,
    },
)
def central_bank_bond_loss():
    """
    Bond losses borne by the central bank.
    """
    return (
        covered_bond_loss() * central_bank_bond_loss_share() * bond_loss_share_scale()
    )


@component.add(
    name="Local Government Bond Loss",
    units="BnYuan/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "covered_bond_loss": 1,
        "local_government_bond_loss_share": 1,
        "bond_loss_share_scale": 1,
    },
)
def local_government_bond_loss():
    """
    Bond losses borne by local governments.
    """
    return (
        covered_bond_loss()
        * local_government_bond_loss_share()
        * bond_loss_share_scale()
    )


@component.add(
    name="Credit Enhancer Bond Loss",
    units="BnYuan/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "covered_bond_loss": 1,
        "credit_enhancer_bond_loss_share": 1,
        "bond_loss_share_scale": 1,
    },
)
def credit_enhancer_bond_loss():
    """
    Bond losses borne by market credit-enhancement institutions.
    """
    return (
        covered_bond_loss()
        * credit_enhancer_bond_loss_share()
        * bond_loss_share_scale()
    )


@component.add(
    name="Bond Investor Loss",
    units="BnYuan/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "bond_loss": 1,
        "central_bank_bond_loss": 1,
        "local_government_bond_loss": 1,
        "credit_enhancer_bond_loss": 1,
    },
)
def bond_investor_loss():
    """
    Bond losses borne by bond investors.
    """
    return (
        bond_loss()
        - central_bank_bond_loss()
        - local_government_bond_loss()
        - credit_enhancer_bond_loss()
    )


@component.add(
    name="Reloan Balance",
    units="BnYuan",
    comp_type="Stateful",
    comp_subtype="Integ",
    depends_on={"_integ_reloan_balance": 1},
    other_deps={
        "_integ_reloan_balance": {
            "initial": {},
            "step": {"reloan_drawdown": 1, "reloan_repayment": 1},
        }
    },
)
def reloan_balance():
    """
    Central-bank sci-tech re-loans outstanding to banks in the Northeast.
    """
    return _integ_reloan_balance()


_integ_reloan_balance = Integ(
    lambda: reloan_drawdown() - reloan_repayment(), lambda: 0, "_integ_reloan_balance"
)


@component.add(
    name="Reloan Drawdown",
    units="BnYuan/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "new_tech_lending": 1,
        "reloan_refinanced_share": 1,
        "central_policy_transmission_efficiency": 1,
        "reloan_drawdown_time": 1,
        "reloan_quota": 1,
        "reloan_balance": 1,
    },
)
def reloan_drawdown():
    """
    Re-loans drawn by banks per year: a share of new tech loans, within the quota.
    """
    return float(
        np.minimum(
            new_tech_lending()
            * reloan_refinanced_share()
            * central_policy_transmission_efficiency(),
            float(np.maximum(0, reloan_quota() - reloan_balance()))
            / reloan_drawdown_time(),
        )
    )


@component.add(
    name="Reloan Drawdown Time",
    units="Year",
    limits=(0.0625, 5.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def reloan_drawdown_time():
    """
    Shortest time for banks to draw free quota [source: assumption; quarterly application rounds].
    """
    return 0.25


@component.add(
    name="Reloan Repayment",
    units="BnYuan/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"reloan_balance": 1, "reloan_term": 1},
)
def reloan_repayment():
    """
    Re-loans repaid per year.
    """
    return reloan_balance() / reloan_term()


@component.add(
    name="Reloan Term",
    units="Year",
    limits=(0.25, 10.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def reloan_term():
    """
    Effective re-loan term [source: literature; PBoC 2024 sci-tech re-loan, one year renewable twice].
    """
    return 3


@component.add(
    name="Central Policy Transmission Efficiency",
    units="Dmnl",
    limits=(0.0, 1.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def central_policy_transmission_efficiency():
    """
    Central actor (seed 000): share of central instruments that reaches Northeast firms [source: FACTS, seed 000; the PMC policy-quality index of 6.7/10 used as a proxy, uncalibrated].
    """
    return 0.67


@component.add(
    name="Reloan Funded Share",
    units="Dmnl",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"reloan_balance": 1, "tech_loan_balance": 1},
)
def reloan_funded_share():
    """
    Share of tech loans refinanced by re-loans.
    """
    return zidz(reloan_balance(), tech_loan_balance())


@component.add(
    name="Bank Funding Rate",
    units="1/Year",
    limits=(0.0, 0.2),
    comp_type="Constant",
    comp_subtype="Normal",
)
def bank_funding_rate():
    """
    Banks' marginal funding cost [source: assumption; near 2024 interbank and deposit rates].
    """
    return 0.025


@component.add(
    name="Tech Loan Net Margin",
    units="1/Year",
    limits=(0.001, 0.2),
    comp_type="Constant",
    comp_subtype="Normal",
)
def tech_loan_net_margin():
    """
    Banks' net interest margin on tech loans [source: assumption; Chinese banks' net interest margin near 1.5 %].
    """
    return 0.015


@component.add(
    name="Reloan Rate Advantage",
    units="1/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"bank_funding_rate": 1, "reloan_rate": 1},
)
def reloan_rate_advantage():
    """
    Funding-cost saving on re-loan-funded money.
    """
    return float(np.maximum(0, bank_funding_rate() - reloan_rate()))


@component.add(
    name="Reloan Effect on Lending",
    units="Dmnl",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "funding_cost_sensitivity": 1,
        "reloan_funded_share": 1,
        "reloan_rate_advantage": 1,
        "tech_loan_net_margin": 1,
    },
)
def reloan_effect_on_lending():
    """
    Effect of cheaper re-loan funding on willingness to lend.
    """
    return (
        1
        + funding_cost_sensitivity()
        * reloan_funded_share()
        * reloan_rate_advantage()
        / tech_loan_net_margin()
    )


@component.add(
    name="Funding Cost Sensitivity",
    units="Dmnl",
    limits=(0.0, 10.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def funding_cost_sensitivity():
    """
    Rise in willingness to lend per unit of funding saving relative to the margin [source: assumption, uncalibrated].
    """
    return 1


@component.add(
    name="Central Bank Interest Subsidy",
    units="BnYuan/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "reloan_balance": 1,
        "risk_shared_bonds": 1,
        "reloan_rate_advantage": 1,
    },
)
def central_bank_interest_subsidy():
    """
    Central bank's forgone interest on cheap re-loan funding of loans and tool bond purchases.
    """
    return (reloan_balance() + risk_shared_bonds()) * reloan_rate_advantage()


@component.add(
    name="Reloan Start Year",
    units="Year",
    limits=(2021.0, 2060.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def reloan_start_year():
    """
    Year the re-loan policy starts [source: policy input].
    """
    return 2025


@component.add(
    name="Reloan Ramp Years",
    units="Year",
    limits=(0.0, 30.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def reloan_ramp_years():
    """
    Years for the re-loan policy to reach full strength [source: policy input].
    """
    return 1


@component.add(
    name="Reloan End Year",
    units="Year",
    limits=(2021.0, 2100.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def reloan_end_year():
    """
    Year the re-loan policy ends (2100 = never) [source: policy input].
    """
    return 2100


@component.add(
    name="Reloan Policy Phase",
    units="Dmnl",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "time": 2,
        "reloan_end_year": 1,
        "reloan_ramp_years": 1,
        "time_step": 1,
        "reloan_start_year": 1,
    },
)
def reloan_policy_phase():
    """
    Strength of the re-loan policy, 0 before the start, ramping to 1, 0 after the end.
    """
    return if_then_else(
        time() >= reloan_end_year(),
        lambda: 0,
        lambda: float(
            np.maximum(
                0,
                float(
                    np.minimum(
                        1,
                        (time() - reloan_start_year())
                        / float(np.maximum(reloan_ramp_years(), time_step())),
                    )
                ),
            )
        ),
    )


@component.add(
    name="Reloan Quota Policy",
    units="BnYuan",
    limits=(0.0, 500.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def reloan_quota_policy():
    """
    Northeast re-loan quota under the policy [source: policy input; 0 = no policy].
    """
    return 0


@component.add(
    name="Reloan Quota",
    units="BnYuan",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"reloan_quota_policy": 1, "reloan_policy_phase": 1},
)
def reloan_quota():
    """
    Re-loan quota in force.
    """
    return reloan_quota_policy() * reloan_policy_phase()


@component.add(
    name="Reloan Rate",
    units="1/Year",
    limits=(0.0, 0.1),
    comp_type="Constant",
    comp_subtype="Normal",
)
def reloan_rate():
    """
    Interest rate on sci-tech re-loans [source: literature; PBoC 2024, 1.75 %].
    """
    return 0.0175


@component.add(
    name="Reloan Refinanced Share",
    units="Dmnl",
    limits=(0.0, 1.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def reloan_refinanced_share():
    """
    Share of each new tech loan the central bank refinances [source: literature; PBoC 2024, 60 % of principal].
    """
    return 0.6


@component.add(
    name="Bond Risk Sharing Start Year",
    units="Year",
    limits=(2021.0, 2060.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def bond_risk_sharing_start_year():
    """
    Year the bond risk-sharing tool starts [source: FACTS, seeds 003/004; announced 7 May 2025].
    """
    return 2025.4


@component.add(
    name="Bond Risk Sharing Ramp Years",
    units="Year",
    limits=(0.0, 30.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def bond_risk_sharing_ramp_years():
    """
    Years for the bond tool to reach full strength [source: policy input].
    """
    return 1


@component.add(
    name="Bond Risk Sharing End Year",
    units="Year",
    limits=(2021.0, 2100.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def bond_risk_sharing_end_year():
    """
    Year the bond tool ends (2100 = never) [source: policy input].
    """
    return 2100


@component.add(
    name="Bond Risk Sharing Policy Phase",
    units="Dmnl",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "time": 2,
        "bond_risk_sharing_end_year": 1,
        "bond_risk_sharing_start_year": 1,
        "time_step": 1,
        "bond_risk_sharing_ramp_years": 1,
    },
)
def bond_risk_sharing_policy_phase():
    """
    Strength of the bond tool, 0 before the start, ramping to 1, 0 after the end.
    """
    return if_then_else(
        time() >= bond_risk_sharing_end_year(),
        lambda: 0,
        lambda: float(
            np.maximum(
                0,
                float(
                    np.minimum(
                        1,
                        (time() - bond_risk_sharing_start_year())
                        / float(
                            np.maximum(bond_risk_sharing_ramp_years(), time_step())
                        ),
                    )
                ),
            )
        ),
    )


@component.add(
    name="Bond Purchase Policy",
    units="BnYuan/Year",
    limits=(0.0, 200.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def bond_purchase_policy():
    """
    Re-loan-funded purchases of Northeast sci-tech bonds under the tool [source: policy input; 0 = no policy].
    """
    return 0


@component.add(
    name="Bond Purchases",
    units="BnYuan/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "bond_purchase_policy": 1,
        "bond_risk_sharing_policy_phase": 1,
        "central_policy_transmission_efficiency": 1,
    },
)
def bond_purchases():
    """
    Tool purchases reaching Northeast issuers.
    """
    return (
        bond_purchase_policy()
        * bond_risk_sharing_policy_phase()
        * central_policy_transmission_efficiency()
    )


@component.add(
    name="Central Bank Bond Loss Share",
    units="Dmnl",
    limits=(0.0, 1.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def central_bank_bond_loss_share():
    """
    Share of a covered bond's loss the central bank bears [source: assumption; the tool's shares are not published].
    """
    return 0.3


@component.add(
    name="Local Government Bond Loss Share",
    units="Dmnl",
    limits=(0.0, 1.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def local_government_bond_loss_share():
    """
    Share of a covered bond's loss local governments bear [source: assumption].
    """
    return 0.2


@component.add(
    name="Credit Enhancer Bond Loss Share",
    units="Dmnl",
    limits=(0.0, 1.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def credit_enhancer_bond_loss_share():
    """
    Share of a covered bond's loss credit-enhancement institutions bear [source: assumption].
    """
    return 0.2


@component.add(
    name="Guarantee Start Year",
    units="Year",
    limits=(2021.0, 2060.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def guarantee_start_year():
    """
    Year the guarantee policy starts [source: policy input].
    """
    return 2025


@component.add(
    name="Guarantee Ramp Years",
    units="Year",
    limits=(0.0, 30.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def guarantee_ramp_years():
    """
    Years for the guarantee policy to reach full strength [source: policy input].
    """
    return 1


@component.add(
    name="Guarantee End Year",
    units="Year",
    limits=(2021.0, 2100.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def guarantee_end_year():
    """
    Year the guarantee policy ends (2100 = never) [source: policy input].
    """
    return 2100


@component.add(
    name="Guarantee Policy Phase",
    units="Dmnl",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "time": 2,
        "guarantee_end_year": 1,
        "guarantee_start_year": 1,
        "time_step": 1,
        "guarantee_ramp_years": 1,
    },
)
def guarantee_policy_phase():
    """
    Strength of the guarantee policy, 0 before the start, ramping to 1, 0 after the end.
    """
    return if_then_else(
        time() >= guarantee_end_year(),
        lambda: 0,
        lambda: float(
            np.maximum(
                0,
                float(
                    np.minimum(
                        1,
                        (time() - guarantee_start_year())
                        / float(np.maximum(guarantee_ramp_years(), time_step())),
                    )
                ),
            )
        ),
    )


@component.add(
    name="Guarantee Capital Injection Policy",
    units="BnYuan/Year",
    limits=(0.0, 100.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def guarantee_capital_injection_policy():
    """
    Extra capital injected into policy guarantee institutions [source: policy input; 0 = no policy].
    """
    return 0


@component.add(
    name="Guarantee Capital Injection",
    units="BnYuan/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={"guarantee_capital_injection_policy": 1, "guarantee_policy_phase": 1},
)
def guarantee_capital_injection():
    """
    Extra guarantee capital injected per year.
    """
    return guarantee_capital_injection_policy() * guarantee_policy_phase()


@component.add(
    name="Baseline Guarantee Capital Adequacy",
    units="Dmnl",
    limits=(0.01, 1.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def baseline_guarantee_capital_adequacy():
    """
    Capital adequacy of Northeast provincial policy guarantee institutions [source: FACTS, seed 000; 12.3 %].
    """
    return 0.123


@component.add(
    name="Guarantee Capital Adequacy Policy",
    units="Dmnl",
    limits=(0.01, 1.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def guarantee_capital_adequacy_policy():
    """
    Capital adequacy the guarantee policy requires (Yangtze River Delta 18.7 %) [source: policy input; FACTS, seed 000].
    """
    return 0.123


@component.add(
    name="Guarantee Capital Adequacy",
    units="Dmnl",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "baseline_guarantee_capital_adequacy": 2,
        "guarantee_capital_adequacy_policy": 1,
        "guarantee_policy_phase": 1,
    },
)
def guarantee_capital_adequacy():
    """
    Capital adequacy guarantors hold (capital over guaranteed loans).
    """
    return (
        baseline_guarantee_capital_adequacy()
        + (guarantee_capital_adequacy_policy() - baseline_guarantee_capital_adequacy())
        * guarantee_policy_phase()
    )


@component.add(
    name="Guidance Fund Start Year",
    units="Year",
    limits=(2021.0, 2060.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def guidance_fund_start_year():
    """
    Year the guidance-fund policy starts [source: policy input].
    """
    return 2025


@component.add(
    name="Guidance Fund Ramp Years",
    units="Year",
    limits=(0.0, 30.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def guidance_fund_ramp_years():
    """
    Years for the guidance-fund policy to reach full strength [source: policy input].
    """
    return 1


@component.add(
    name="Guidance Fund End Year",
    units="Year",
    limits=(2021.0, 2100.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def guidance_fund_end_year():
    """
    Year the guidance-fund policy ends (2100 = never) [source: policy input].
    """
    return 2100


@component.add(
    name="Guidance Fund Policy Phase",
    units="Dmnl",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "time": 2,
        "guidance_fund_end_year": 1,
        "time_step": 1,
        "guidance_fund_start_year": 1,
        "guidance_fund_ramp_years": 1,
    },
)
def guidance_fund_policy_phase():
    """
    Strength of the guidance-fund policy, 0 before the start, ramping to 1, 0 after the end.
    """
    return if_then_else(
        time() >= guidance_fund_end_year(),
        lambda: 0,
        lambda: float(
            np.maximum(
                0,
                float(
                    np.minimum(
                        1,
                        (time() - guidance_fund_start_year())
                        / float(np.maximum(guidance_fund_ramp_years(), time_step())),
                    )
                ),
            )
        ),
    )


@component.add(
    name="Baseline Guidance Injection",
    units="BnYuan/Year",
    limits=(0.0, 100.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def baseline_guidance_injection():
    """
    Regular guidance-fund injections into patient capital [source: assumption].
    """
    return 3


@component.add(
    name="Guidance Fund Injection Policy",
    units="BnYuan/Year",
    limits=(0.0, 100.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def guidance_fund_injection_policy():
    """
    Extra guidance-fund injections under the policy [source: policy input; 0 = no policy].
    """
    return 0


@component.add(
    name="Public Guidance Injection",
    units="BnYuan/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "baseline_guidance_injection": 1,
        "guidance_fund_injection_policy": 1,
        "guidance_fund_policy_phase": 1,
    },
)
def public_guidance_injection():
    """
    Guidance-fund money invested per year.
    """
    return (
        baseline_guidance_injection()
        + guidance_fund_injection_policy() * guidance_fund_policy_phase()
    )


@component.add(
    name="Baseline State VC Share",
    units="Dmnl",
    limits=(0.0, 1.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def baseline_state_vc_share():
    """
    State-owned share of Northeast venture capital [source: FACTS, seed 000; 68 %].
    """
    return 0.68


@component.add(
    name="State VC Share Policy",
    units="Dmnl",
    limits=(0.0, 1.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def state_vc_share_policy():
    """
    State-owned VC share the policy aims at (Yangtze River Delta about 45 %) [source: policy input; FACTS, seed 000].
    """
    return 0.68


@component.add(
    name="State VC Share",
    units="Dmnl",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "baseline_state_vc_share": 2,
        "state_vc_share_policy": 1,
        "guidance_fund_policy_phase": 1,
    },
)
def state_vc_share():
    """
    State-owned share of venture capital in force.
    """
    return (
        baseline_state_vc_share()
        + (state_vc_share_policy() - baseline_state_vc_share())
        * guidance_fund_policy_phase()
    )


@component.add(
    name="Data Platform Start Year",
    units="Year",
    limits=(2021.0, 2060.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def data_platform_start_year():
    """
    Year the data-platform policy starts [source: policy input].
    """
    return 2025


@component.add(
    name="Data Platform Ramp Years",
    units="Year",
    limits=(0.0, 30.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def data_platform_ramp_years():
    """
    Years for database connectivity to reach its policy value [source: policy input].
    """
    return 3


@component.add(
    name="Data Platform End Year",
    units="Year",
    limits=(2021.0, 2100.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def data_platform_end_year():
    """
    Year the data-platform policy ends (2100 = never) [source: policy input].
    """
    return 2100


@component.add(
    name="Data Platform Policy Phase",
    units="Dmnl",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "time": 2,
        "data_platform_end_year": 1,
        "time_step": 1,
        "data_platform_start_year": 1,
        "data_platform_ramp_years": 1,
    },
)
def data_platform_policy_phase():
    """
    Strength of the data-platform policy, 0 before the start, ramping to 1, 0 after the end.
    """
    return if_then_else(
        time() >= data_platform_end_year(),
        lambda: 0,
        lambda: float(
            np.maximum(
                0,
                float(
                    np.minimum(
                        1,
                        (time() - data_platform_start_year())
                        / float(np.maximum(data_platform_ramp_years(), time_step())),
                    )
                ),
            )
        ),
    )


@component.add(
    name="Baseline Data Connectivity",
    units="Dmnl",
    limits=(0.0, 1.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def baseline_data_connectivity():
    """
    Interconnectivity rate of Northeast enterprise databases [source: FACTS, seed 000; below 30 %].
    """
    return 0.3


@component.add(
    name="Data Connectivity Policy",
    units="Dmnl",
    limits=(0.0, 1.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def data_connectivity_policy():
    """
    Connectivity the data-platform policy reaches (Suzhou 85 %) [source: policy input; FACTS, seed 000].
    """
    return 0.3


@component.add(
    name="Data Platform Connectivity",
    units="Dmnl",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "baseline_data_connectivity": 2,
        "data_connectivity_policy": 1,
        "data_platform_policy_phase": 1,
    },
)
def data_platform_connectivity():
    """
    Local actor (seed 000): enterprise-database interconnectivity in force.
    """
    return (
        baseline_data_connectivity()
        + (data_connectivity_policy() - baseline_data_connectivity())
        * data_platform_policy_phase()
    )


@component.add(
    name="Data Platform Unit Cost",
    units="BnYuan/Year",
    limits=(0.0, 100.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def data_platform_unit_cost():
    """
    Yearly cost of raising connectivity from 0 to 1 [source: assumption, uncalibrated].
    """
    return 2


@component.add(
    name="Data Platform Cost",
    units="BnYuan/Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "data_platform_unit_cost": 1,
        "data_platform_connectivity": 1,
        "baseline_data_connectivity": 1,
    },
)
def data_platform_cost():
    """
    Local governments' yearly cost of connectivity above the baseline.
    """
    return data_platform_unit_cost() * float(
        np.maximum(0, data_platform_connectivity() - baseline_data_connectivity())
    )


@component.add(
    name="NPL Tolerance Start Year",
    units="Year",
    limits=(2021.0, 2060.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def npl_tolerance_start_year():
    """
    Year the NPL-tolerance policy starts [source: policy input].
    """
    return 2025


@component.add(
    name="NPL Tolerance Ramp Years",
    units="Year",
    limits=(0.0, 30.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def npl_tolerance_ramp_years():
    """
    Years for the NPL-tolerance policy to reach full strength [source: policy input].
    """
    return 1


@component.add(
    name="NPL Tolerance End Year",
    units="Year",
    limits=(2021.0, 2100.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def npl_tolerance_end_year():
    """
    Year the NPL-tolerance policy ends (2100 = never) [source: policy input].
    """
    return 2100


@component.add(
    name="NPL Tolerance Policy Phase",
    units="Dmnl",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "time": 2,
        "npl_tolerance_end_year": 1,
        "time_step": 1,
        "npl_tolerance_start_year": 1,
        "npl_tolerance_ramp_years": 1,
    },
)
def npl_tolerance_policy_phase():
    """
    Strength of the NPL-tolerance policy, 0 before the start, ramping to 1, 0 after the end.
    """
    return if_then_else(
        time() >= npl_tolerance_end_year(),
        lambda: 0,
        lambda: float(
            np.maximum(
                0,
                float(
                    np.minimum(
                        1,
                        (time() - npl_tolerance_start_year())
                        / float(np.maximum(npl_tolerance_ramp_years(), time_step())),
                    )
                ),
            )
        ),
    )


@component.add(
    name="Baseline NPL Tolerance",
    units="Dmnl",
    limits=(0.005, 0.5),
    comp_type="Constant",
    comp_subtype="Normal",
)
def baseline_npl_tolerance():
    """
    NPL ratio of tech loans banks tolerate [source: assumption; regulators allow tech-loan NPL ratios up to about 3 points above the average].
    """
    return 0.03


@component.add(
    name="NPL Tolerance Policy",
    units="Dmnl",
    limits=(0.005, 0.5),
    comp_type="Constant",
    comp_subtype="Normal",
)
def npl_tolerance_policy():
    """
    Tolerated NPL ratio under the policy [source: policy input].
    """
    return 0.03


@component.add(
    name="NPL Tolerance",
    units="Dmnl",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "baseline_npl_tolerance": 2,
        "npl_tolerance_policy_phase": 1,
        "npl_tolerance_policy": 1,
    },
)
def npl_tolerance():
    """
    Tolerated NPL ratio in force.
    """
    return (
        baseline_npl_tolerance()
        + (npl_tolerance_policy() - baseline_npl_tolerance())
        * npl_tolerance_policy_phase()
    )


@component.add(
    name="Loan Term Start Year",
    units="Year",
    limits=(2021.0, 2060.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def loan_term_start_year():
    """
    Year the loan-term policy starts [source: policy input].
    """
    return 2025


@component.add(
    name="Loan Term Ramp Years",
    units="Year",
    limits=(0.0, 30.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def loan_term_ramp_years():
    """
    Years for the loan-term policy to reach full strength [source: policy input].
    """
    return 1


@component.add(
    name="Loan Term End Year",
    units="Year",
    limits=(2021.0, 2100.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def loan_term_end_year():
    """
    Year the loan-term policy ends (2100 = never) [source: policy input].
    """
    return 2100


@component.add(
    name="Loan Term Policy Phase",
    units="Dmnl",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "time": 2,
        "loan_term_end_year": 1,
        "loan_term_start_year": 1,
        "time_step": 1,
        "loan_term_ramp_years": 1,
    },
)
def loan_term_policy_phase():
    """
    Strength of the loan-term policy, 0 before the start, ramping to 1, 0 after the end.
    """
    return if_then_else(
        time() >= loan_term_end_year(),
        lambda: 0,
        lambda: float(
            np.maximum(
                0,
                float(
                    np.minimum(
                        1,
                        (time() - loan_term_start_year())
                        / float(np.maximum(loan_term_ramp_years(), time_step())),
                    )
                ),
            )
        ),
    )


@component.add(
    name="Baseline Loan Term",
    units="Year",
    limits=(0.25, 10.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def baseline_loan_term():
    """
    Average term of tech loans [source: assumption; mostly one- to three-year working-capital loans].
    """
    return 3


@component.add(
    name="Loan Term Policy",
    units="Year",
    limits=(0.25, 10.0),
    comp_type="Constant",
    comp_subtype="Normal",
)
def loan_term_policy():
    """
    Average tech-loan term under the policy (FACTS: terms up to 5 years) [source: policy input].
    """
    return 3


@component.add(
    name="Tech Loan Term",
    units="Year",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "baseline_loan_term": 2,
        "loan_term_policy": 1,
        "loan_term_policy_phase": 1,
    },
)
def tech_loan_term():
    """
    Average tech-loan term in force.
    """
    return (
        baseline_loan_term()
        + (loan_term_policy() - baseline_loan_term()) * loan_term_policy_phase()
    )


@component.add(
    name="Cumulative Default Losses",
    units="BnYuan",
    comp_type="Stateful",
    comp_subtype="Integ",
    depends_on={"_integ_cumulative_default_losses": 1},
    other_deps={
        "_integ_cumulative_default_losses": {
            "initial": {},
            "step": {"loan_loss": 1, "bond_loss": 1},
        }
    },
)
def cumulative_default_losses():
    """
    All default losses on tech loans and bonds since INITIAL TIME.
    """
    return _integ_cumulative_default_losses()


_integ_cumulative_default_losses = Integ(
    lambda: loan_loss() + bond_loss(), lambda: 0, "_integ_cumulative_default_losses"
)


@component.add(
    name="Cumulative Bank Losses",
    units="BnYuan",
    comp_type="Stateful",
    comp_subtype="Integ",
    depends_on={"_integ_cumulative_bank_losses": 1},
    other_deps={
        "_integ_cumulative_bank_losses": {"initial": {}, "step": {"bank_loan_loss": 1}}
    },
)
def cumulative_bank_losses():
    """
    Default losses borne by banks.
    """
    return _integ_cumulative_bank_losses()


_integ_cumulative_bank_losses = Integ(
    lambda: bank_loan_loss(), lambda: 0, "_integ_cumulative_bank_losses"
)


@component.add(
    name="Cumulative Guarantor Losses",
    units="BnYuan",
    comp_type="Stateful",
    comp_subtype="Integ",
    depends_on={"_integ_cumulative_guarantor_losses": 1},
    other_deps={
        "_integ_cumulative_guarantor_losses": {
            "initial": {},
            "step": {"guarantee_claims_paid": 1},
        }
    },
)
def cumulative_guarantor_losses():
    """
    Default losses borne by guarantee institutions and risk pools.
    """
    return _integ_cumulative_guarantor_losses()


_integ_cumulative_guarantor_losses = Integ(
    lambda: guarantee_claims_paid(), lambda: 0, "_integ_cumulative_guarantor_losses"
)


@component.add(
    name="Cumulative Central Bank Losses",
    units="BnYuan",
    comp_type="Stateful",
    comp_subtype="Integ",
    depends_on={"_integ_cumulative_central_bank_losses": 1},
    other_deps={
        "_integ_cumulative_central_bank_losses": {
            "initial": {},
            "step": {"central_bank_bond_loss": 1},
        }
    },
)
def cumulative_central_bank_losses():
    """
    Default losses borne by the central bank.
    """
    return _integ_cumulative_central_bank_losses()


_integ_cumulative_central_bank_losses = Integ(
    lambda: central_bank_bond_loss(), lambda: 0, "_integ_cumulative_central_bank_losses"
)


@component.add(
    name="Cumulative Local Government Losses",
    units="BnYuan",
    comp_type="Stateful",
    comp_subtype="Integ",
    depends_on={"_integ_cumulative_local_government_losses": 1},
    other_deps={
        "_integ_cumulative_local_government_losses": {
            "initial": {},
            "step": {"local_government_bond_loss": 1},
        }
    },
)
def cumulative_local_government_losses():
    """
    Default losses borne directly by local governments.
    """
    return _integ_cumulative_local_government_losses()


_integ_cumulative_local_government_losses = Integ(
    lambda: local_government_bond_loss(),
    lambda: 0,
    "_integ_cumulative_local_government_losses",
)


@component.add(
    name="Cumulative Credit Enhancer Losses",
    units="BnYuan",
    comp_type="Stateful",
    comp_subtype="Integ",
    depends_on={"_integ_cumulative_credit_enhancer_losses": 1},
    other_deps={
        "_integ_cumulative_credit_enhancer_losses": {
            "initial": {},
            "step": {"credit_enhancer_bond_loss": 1},
        }
    },
)
def cumulative_credit_enhancer_losses():
    """
    Default losses borne by credit-enhancement institutions.
    """
    return _integ_cumulative_credit_enhancer_losses()


_integ_cumulative_credit_enhancer_losses = Integ(
    lambda: credit_enhancer_bond_loss(),
    lambda: 0,
    "_integ_cumulative_credit_enhancer_losses",
)


@component.add(
    name="Cumulative Bond Investor Losses",
    units="BnYuan",
    comp_type="Stateful",
    comp_subtype="Integ",
    depends_on={"_integ_cumulative_bond_investor_losses": 1},
    other_deps={
        "_integ_cumulative_bond_investor_losses": {
            "initial": {},
            "step": {"bond_investor_loss": 1},
        }
    },
)
def cumulative_bond_investor_losses():
    """
    Default losses borne by bond investors.
    """
    return _integ_cumulative_bond_investor_losses()


_integ_cumulative_bond_investor_losses = Integ(
    lambda: bond_investor_loss(), lambda: 0, "_integ_cumulative_bond_investor_losses"
)


@component.add(
    name="Cumulative Central Bank Outlay",
    units="BnYuan",
    comp_type="Stateful",
    comp_subtype="Integ",
    depends_on={"_integ_cumulative_central_bank_outlay": 1},
    other_deps={
        "_integ_cumulative_central_bank_outlay": {
            "initial": {},
            "step": {"central_bank_interest_subsidy": 1, "central_bank_bond_loss": 1},
        }
    },
)
def cumulative_central_bank_outlay():
    """
    Central bank's cost since INITIAL TIME: interest subsidy and loss sharing.
    """
    return _integ_cumulative_central_bank_outlay()


_integ_cumulative_central_bank_outlay = Integ(
    lambda: central_bank_interest_subsidy() + central_bank_bond_loss(),
    lambda: 0,
    "_integ_cumulative_central_bank_outlay",
)


@component.add(
    name="Cumulative Local Government Outlay",
    units="BnYuan",
    comp_type="Stateful",
    comp_subtype="Integ",
    depends_on={"_integ_cumulative_local_government_outlay": 1},
    other_deps={
        "_integ_cumulative_local_government_outlay": {
            "initial": {},
            "step": {
                "baseline_guarantee_funding": 1,
                "guarantee_capital_injection": 1,
                "public_guidance_injection": 1,
                "data_platform_cost": 1,
                "local_government_bond_loss": 1,
                "early_stage_risk_sharing_payments": 1,
            },
        }
    },
)
def cumulative_local_government_outlay():
    """
    Local governments' outlay since INITIAL TIME: guarantee capital, guidance funds, data platforms, loss sharing.
    """
    return _integ_cumulative_local_government_outlay()


_integ_cumulative_local_government_outlay = Integ(
    lambda: baseline_guarantee_funding()
    + guarantee_capital_injection()
    + public_guidance_injection()
    + data_platform_cost()
    + local_government_bond_loss()
    + early_stage_risk_sharing_payments(),
    lambda: 0,
    "_integ_cumulative_local_government_outlay",
)


@component.add(
    name="Cumulative Public Outlay",
    units="BnYuan",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "cumulative_central_bank_outlay": 1,
        "cumulative_local_government_outlay": 1,
    },
)
def cumulative_public_outlay():
    """
    Public outlay by all payers since INITIAL TIME.
    """
    return cumulative_central_bank_outlay() + cumulative_local_government_outlay()


@component.add(
    name="Private Finance Outstanding",
    units="BnYuan",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "tech_loan_balance": 1,
        "reloan_balance": 1,
        "public_patient_capital": 1,
        "patient_capital": 1,
        "market_held_bonds": 1,
    },
)
def private_finance_outstanding():
    """
    Finance outstanding to tech firms from private money: bank-funded loans, private patient capital, market-held bonds.
    """
    return (
        (tech_loan_balance() - reloan_balance())
        + (patient_capital() - public_patient_capital())
        + market_held_bonds()
    )


@component.add(
    name="Public Funds Outstanding",
    units="BnYuan",
    comp_type="Auxiliary",
    comp_subtype="Normal",
    depends_on={
        "reloan_balance": 1,
        "public_patient_capital": 1,
        "risk_shared_bonds": 1,
        "risk_sharing_capital": 1,
    },
)
def public_funds_outstanding():
    """
    Public money at work: re-loans, guidance-fund capital, tool-held bonds and guarantee capital.
    """
    return (
        reloan_balance()
        + public_patient_capital()
        + risk_shared_bonds()
        + risk_sharing_capital()
    )
