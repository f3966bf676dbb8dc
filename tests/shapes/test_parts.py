"""Shapes of the nodes one trial owns (shapes/parts.ttl) on real graphs, whole and broken one way at a time."""

from __future__ import annotations

import pytest
from shapecheck import Case, property_shapes, results

V2 = "NCT03529110.json.ttl"
PAGE = "NCT04547309.page.ttl"
ARM = "arm/NCT03529110/trastuzumab-deruxtecan-t-dxd"
INT = "intervention/NCT03529110/drug-trastuzumab-deruxtecan-t-dxd"
OUT = "outcome/NCT03529110/secondary-1"
ID = "identifier/NCT03529110/jrct2080223919"
REC = "site-recruitment/NCT04547309/hua-zhu-ce0306ccab"
LIST = "related-listing/NCT04547309/NCT04596670"
OTHER_TRIAL = '<trial/NCT03734029> a tkg:Trial ; rdfs:label "DESTINY-Breast04" ; tkg:nctId "NCT03734029" .'
OUTCOME_LINKS = "^(tkg:outcome|tkg:primaryOutcome|tkg:secondaryOutcome|tkg:otherOutcome)"
OS = (
    "Overall Survival (OS) in Participants With HER2-Positive, Unresectable and/or Metastatic Breast Cancer "
    "Previously Treated With Trastuzumab and Taxane"
)

CASES = [
    # arm
    Case("arm-without-label", V2, {("Arm-label", ARM, "rdfs:label", "MinCount")},
         remove=f'<{ARM}> rdfs:label "Trastuzumab deruxtecan (T-DXd)" .'),
    Case("arm-two-labels", V2, {("Arm-label-count", ARM, "rdfs:label", "MaxCount")},
         add=f'<{ARM}> rdfs:label "Trastuzumab Deruxtecan (T-DXd)" .'),
    Case("arm-of-no-trial", V2, {("Arm-trial", ARM, "^tkg:arm", "MinCount")},
         remove=f"<trial/NCT03529110> tkg:arm <{ARM}> ."),
    Case("arm-of-two-trials", V2, {("Arm-trial", ARM, "^tkg:arm", "MaxCount")},
         add=f"{OTHER_TRIAL} <trial/NCT03734029> tkg:arm <{ARM}> ."),
    Case("arm-of-a-site", V2, {("Arm-trial", ARM, "^tkg:arm", "Class")},
         remove=f"<trial/NCT03529110> tkg:arm <{ARM}> .",
         add=f"<site/innovative-clinical-research-institute-aa8a9abaf1> tkg:arm <{ARM}> ."),
    Case("arm-type-twice", V2, {("Arm-armType-count", ARM, "tkg:armType", "MaxCount")},
         add=f'<{ARM}> tkg:armType "OTHER" .'),
    Case("arm-type-legacy", V2, {("Arm-armType-value", ARM, "tkg:armType", "In")},
         remove=f'<{ARM}> tkg:armType "EXPERIMENTAL" .', add=f'<{ARM}> tkg:armType "Experimental" .'),
    Case("arm-description-tagged", V2, {("Arm-description", ARM, "tkg:description", "Datatype")},
         remove=f'<{ARM}> tkg:description "Participants with HER2-positive, unresectable and/or metastatic breast '
                'cancer participants previously treated with trastuzumab and taxane who received T-DXd as …" .',
         add=f'<{ARM}> tkg:description "T-DXd 5.4 mg/kg every 3 weeks"@en .'),
    Case("arm-description-twice", V2, {("Arm-description-count", ARM, "tkg:description", "MaxCount")},
         add=f'<{ARM}> tkg:description "T-DXd 5.4 mg/kg every 3 weeks" .'),
    Case("arm-intervention-to-arm", V2, {("Arm-armIntervention", ARM, "tkg:armIntervention", "Class")},
         add=f"<{ARM}> tkg:armIntervention <arm/NCT03529110/ado-trastuzumab-emtansine-t-dm1> ."),
    # intervention
    Case("intervention-two-labels", V2, {("Intervention-label-count", INT, "rdfs:label", "MaxCount")},
         add=f'<{INT}> rdfs:label "T-DXd" .'),
    Case("intervention-of-no-trial", V2, {("Intervention-trial", INT, "^tkg:intervention", "MinCount")},
         remove=f"<trial/NCT03529110> tkg:intervention <{INT}> ."),
    Case("intervention-type-twice", V2,
         {("Intervention-interventionType-count", INT, "tkg:interventionType", "MaxCount")},
         add=f'<{INT}> tkg:interventionType "BIOLOGICAL" .'),
    Case("intervention-type-legacy", V2,
         {("Intervention-interventionType-value", INT, "tkg:interventionType", "In")},
         remove=f'<{INT}> tkg:interventionType "DRUG" .', add=f'<{INT}> tkg:interventionType "Drug" .'),
    Case("intervention-label-empty", V2, {("Intervention-label", INT, "rdfs:label", "MinLength")},
         remove=f'<{INT}> rdfs:label "Trastuzumab deruxtecan (T-DXd)" .', add=f'<{INT}> rdfs:label "" .'),
    Case("intervention-registered-twice", V2,
         {("Intervention-label-count", INT, "rdfs:label", "MaxCount"),
          ("Intervention-description-count", INT, "tkg:description", "MaxCount")},
         add=f'<{INT}> rdfs:label "Trastuzumab Deruxtecan (T-DXd)" ; tkg:description "T-DXd 5.4 mg/kg IV Q3W" .'),
    Case("intervention-description-tagged", V2, {("Intervention-description", INT, "tkg:description", "Datatype")},
         remove=f'<{INT}> tkg:description "T-DXd is sterile lyophilized powder reconstituted into a sterile '
                'aqueous solution (100 mg/5 mL) to be administered intravenously." .',
         add=f'<{INT}> tkg:description "T-DXd is sterile lyophilized powder."@en .'),
    Case("other-name-empty", V2, {("Intervention-otherName", INT, "tkg:otherName", "MinLength")},
         add=f'<{INT}> tkg:otherName "" .'),
    # outcome
    Case("outcome-without-label", V2, {("Outcome-label", OUT, "rdfs:label", "MinCount"),
                                       ("Outcome-measure", OUT, "tkg:measure", "Equals")},
         remove=f'<{OUT}> rdfs:label "{OS}" .'),
    Case("outcome-two-labels", V2, {("Outcome-label-count", OUT, "rdfs:label", "MaxCount"),
                                    ("Outcome-measure", OUT, "tkg:measure", "Equals")},
         add=f'<{OUT}> rdfs:label "Overall Survival (OS)" .'),
    Case("outcome-of-no-trial", V2, {("Outcome-trial", OUT, OUTCOME_LINKS, "MinCount")},
         remove=f"<trial/NCT03529110> tkg:secondaryOutcome <{OUT}> ."),
    Case("outcome-primary-and-secondary-of-two-trials", V2, {("Outcome-trial", OUT, OUTCOME_LINKS, "MaxCount")},
         add=f"{OTHER_TRIAL} <trial/NCT03734029> tkg:primaryOutcome <{OUT}> ."),
    Case("outcome-without-measure", V2, {("Outcome-measure", OUT, "tkg:measure", "MinCount"),
                                         ("Outcome-measure", OUT, "tkg:measure", "Equals")},
         remove=f'<{OUT}> tkg:measure "{OS}" .'),
    Case("outcome-measure-not-label", V2, {("Outcome-measure", OUT, "tkg:measure", "Equals")},
         remove=f'<{OUT}> tkg:measure "{OS}" .', add=f'<{OUT}> tkg:measure "Overall Survival (OS)" .'),
    Case("outcome-description-twice", V2, {("Outcome-description", OUT, "tkg:description", "MaxCount")},
         add=f'<{OUT}> tkg:description "OS by investigator." .'),
    Case("outcome-time-frame-twice", V2, {("Outcome-timeFrame", OUT, "tkg:timeFrame", "MaxCount")},
         add=f'<{OUT}> tkg:timeFrame "Up to 5 years" .'),
    # identifier
    Case("identifier-without-label", V2, {("Identifier-label", ID, "rdfs:label", "MinCount"),
                                          ("Identifier-idValue", ID, "tkg:idValue", "Equals")},
         remove=f'<{ID}> rdfs:label "jRCT2080223919" .'),
    Case("identifier-two-labels", V2, {("Identifier-label-count", ID, "rdfs:label", "MaxCount"),
                                       ("Identifier-idValue", ID, "tkg:idValue", "Equals")},
         add=f'<{ID}> rdfs:label "JapicCTI-184058" .'),
    # NCT00003321's record gives 'EORTC-15961-40973' and 'EORTC 15961-40973': one node, two spellings.
    Case("identifier-two-spellings", V2, {("Identifier-label-count", ID, "rdfs:label", "MaxCount"),
                                          ("Identifier-idValue-count", ID, "tkg:idValue", "MaxCount")},
         add=f'<{ID}> rdfs:label "JRCT2080223919" ; tkg:idValue "JRCT2080223919" .'),
    Case("identifier-of-two-trials", V2, {("Identifier-trial", ID, "^tkg:identifier", "MaxCount")},
         add=f"{OTHER_TRIAL} <trial/NCT03734029> tkg:identifier <{ID}> ."),
    Case("identifier-without-value", V2, {("Identifier-idValue", ID, "tkg:idValue", "MinCount"),
                                          ("Identifier-idValue", ID, "tkg:idValue", "Equals")},
         remove=f'<{ID}> tkg:idValue "jRCT2080223919" .'),
    Case("identifier-type-twice", V2, {("Identifier-idType-count", ID, "tkg:idType", "MaxCount")},
         add=f'<{ID}> tkg:idType "OTHER" .'),
    # The spellings trialkg's legacy XML and v1 extractors write today (not v2 enum form).
    Case("identifier-type-nct-alias", V2, {("Identifier-idType-value", ID, "tkg:idType", "In")},
         remove=f'<{ID}> tkg:idType "REGISTRY" .', add=f'<{ID}> tkg:idType "NCT alias" .'),
    Case("identifier-type-v1-spelling", V2, {("Identifier-idType-value", ID, "tkg:idType", "In")},
         remove=f'<{ID}> tkg:idType "REGISTRY" .', add=f'<{ID}> tkg:idType "Registry Identifier" .'),
    Case("identifier-domain-twice", V2, {("Identifier-idDomain", ID, "tkg:idDomain", "MaxCount")},
         add=f'<{ID}> tkg:idDomain "jRCT" .'),
    # site recruitment
    Case("site-recruitment-label-empty", PAGE, {("SiteRecruitment-label", REC, "rdfs:label", "MinLength")},
         remove=f'<{REC}> rdfs:label "NCT04547309 at Hua Zhu" .', add=f'<{REC}> rdfs:label "" .'),
    Case("site-recruitment-two-labels", PAGE, {("SiteRecruitment-label-count", REC, "rdfs:label", "MaxCount")},
         add=f'<{REC}> rdfs:label "NCT04547309 at Hua ZHU" .'),
    Case("site-recruitment-of-no-trial", PAGE, {("SiteRecruitment-trial", REC, "^tkg:siteRecruitment", "MinCount")},
         remove=f"<trial/NCT04547309> tkg:siteRecruitment <{REC}> ."),
    Case("site-recruitment-without-site", PAGE,
         {("SiteRecruitment-recruitmentSite", REC, "tkg:recruitmentSite", "MinCount")},
         remove=f"<{REC}> tkg:recruitmentSite <site/hua-zhu-ce0306ccab> ."),
    Case("site-recruitment-at-a-city", PAGE,
         {("SiteRecruitment-recruitmentSite", REC, "tkg:recruitmentSite", "Class")},
         remove=f"<{REC}> tkg:recruitmentSite <site/hua-zhu-ce0306ccab> .",
         add=f"<{REC}> tkg:recruitmentSite <city/china/beijing-municipality/beijing> ."),
    Case("site-recruitment-without-status", PAGE,
         {("SiteRecruitment-siteStatus", REC, "tkg:siteStatus", "MinCount")},
         remove=f'<{REC}> tkg:siteStatus "RECRUITING" .'),
    Case("site-recruitment-two-statuses", PAGE,
         {("SiteRecruitment-siteStatus-count", REC, "tkg:siteStatus", "MaxCount")},
         add=f'<{REC}> tkg:siteStatus "COMPLETED" .'),
    Case("site-status-legacy", PAGE, {("SiteRecruitment-siteStatus-value", REC, "tkg:siteStatus", "In")},
         remove=f'<{REC}> tkg:siteStatus "RECRUITING" .', add=f'<{REC}> tkg:siteStatus "Recruiting" .'),
    # related-trial listing
    Case("listing-without-label", PAGE, {("RelatedListing-label", LIST, "rdfs:label", "MinCount")},
         remove=f'<{LIST}> rdfs:label "68Ga-ICAM-1pep PET/CT in Cancer Patients" .'),
    Case("listing-two-labels", PAGE, {("RelatedListing-label-count", LIST, "rdfs:label", "MaxCount")},
         add=f'<{LIST}> rdfs:label "68Ga-ICAM-1pep PET/CT" .'),
    Case("listing-of-no-trial", PAGE, {("RelatedListing-trial", LIST, "^tkg:relatedListing", "MinCount")},
         remove=f"<trial/NCT04547309> tkg:relatedListing <{LIST}> ."),
    Case("listing-without-listed-trial", PAGE, {("RelatedListing-listedTrial", LIST, "tkg:listedTrial", "MinCount")},
         remove=f"<{LIST}> tkg:listedTrial <trial/NCT04596670> ."),
    Case("listing-of-an-nct-literal", PAGE, {("RelatedListing-listedTrial", LIST, "tkg:listedTrial", "NodeKind"),
                                             ("RelatedListing-listedTrial", LIST, "tkg:listedTrial", "Pattern")},
         remove=f"<{LIST}> tkg:listedTrial <trial/NCT04596670> .", add=f'<{LIST}> tkg:listedTrial "NCT04596670" .'),
    Case("listing-two-statuses", PAGE,
         {("RelatedListing-listedStatus-count", LIST, "tkg:listedStatus", "MaxCount")},
         add=f'<{LIST}> tkg:listedStatus "COMPLETED" .'),
    Case("listing-status-legacy", PAGE, {("RelatedListing-listedStatus-value", LIST, "tkg:listedStatus", "In")},
         remove=f'<{LIST}> tkg:listedStatus "RECRUITING" .', add=f'<{LIST}> tkg:listedStatus "Recruiting" .'),
    Case("listing-phase-legacy", PAGE, {("RelatedListing-listedPhase-value", LIST, "tkg:listedPhase", "In")},
         remove=f'<{LIST}> tkg:listedPhase "EARLY_PHASE1" .', add=f'<{LIST}> tkg:listedPhase "Early Phase 1" .'),
]  # fmt: skip


@pytest.mark.parametrize("base", [V2, PAGE])
def test_real_graph_conforms(base: str) -> None:
    assert results(Case("whole", base, set()).graph()) == set()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_broken_part_is_reported(case: Case) -> None:
    assert results(case.graph()) == case.expect


@pytest.mark.parametrize("shape", ["Arm", "Intervention", "Outcome", "Identifier", "SiteRecruitment", "RelatedListing"])
def test_every_part_shape_has_a_violating_case(shape: str) -> None:
    hit = {name for case in CASES for name, *_ in case.expect}
    assert property_shapes(shape) <= hit
