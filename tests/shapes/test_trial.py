"""The tkg:Trial shapes (shapes/trial.ttl) on a real v2 trial graph, whole and broken one way at a time."""

from __future__ import annotations

import pytest
from shapecheck import Case, property_shapes, results, turtle

V2 = "NCT03529110.json.ttl"
T = "trial/NCT03529110"
S = "<trial/NCT03529110>"  # the trial in Turtle snippets


def _one(id_: str, shape: str, path: str, component: str, remove: str = "", add: str = "") -> Case:
    """A case on the v2 trial that must give exactly one result, on the trial itself."""
    return Case(id_, V2, {(shape, T, path, component)}, remove=remove, add=add)


def _enum(prop: str, more: str, wrong: str, old: str | None = None) -> list[Case]:
    """More values (Turtle objects) break the count shape; a non-v2 spelling breaks the value shape."""
    name = f"Trial-{prop}"
    swap = f'{S} tkg:{prop} "{old}" .' if old else ""
    return [
        _one(f"{prop}-twice", f"{name}-count", f"tkg:{prop}", "MaxCount", add=f"{S} tkg:{prop} {more} ."),
        _one(f"{prop}-legacy", f"{name}-value", f"tkg:{prop}", "In", remove=swap, add=f'{S} tkg:{prop} "{wrong}" .'),
    ]


CASES = [
    # identity
    Case("registered-without-nct-id", V2, {("TrialIdentity", T, "-", "Xone")},
         remove=f'{S} tkg:nctId "NCT03529110" .'),
    Case("local-with-nct-id", "", {("TrialIdentity", "trial/local-da39a3ee5e6b4b0d", "-", "Xone")},
         add='<https://w3id.org/trialkg/trial/local-da39a3ee5e6b4b0d> a tkg:Trial ; '
             'rdfs:label "local-da39a3ee5e6b4b0d" ; tkg:nctId "NCT01832051" .'),
    _one("no-label", "Trial-label", "rdfs:label", "MinCount",
         remove=f'{S} rdfs:label "DS-8201a Versus T-DM1 for Human Epidermal Growth Factor Receptor 2 (HER2)'
                '-Positive, Unresectable and/or Metastatic Breast Cancer Previously Treated With …" .'),
    _one("two-labels", "Trial-label-count", "rdfs:label", "MaxCount", add=f'{S} rdfs:label "DESTINY-Breast03" .'),
    _one("nct-id-twice", "Trial-nctId-count", "tkg:nctId", "MaxCount", add=f'{S} tkg:nctId "NCT03529111" .'),
    _one("nct-id-lower-case", "Trial-nctId-value", "tkg:nctId", "Pattern",
         remove=f'{S} tkg:nctId "NCT03529110" .', add=f'{S} tkg:nctId "nct03529110" .'),
    _one("nct-id-seven-digits", "Trial-nctId-value", "tkg:nctId", "Pattern",
         remove=f'{S} tkg:nctId "NCT03529110" .', add=f'{S} tkg:nctId "NCT0352911" .'),
    _one("org-study-id-twice", "Trial-orgStudyId", "tkg:orgStudyId", "MaxCount",
         add=f'{S} tkg:orgStudyId "DS8201-A-U302-B" .'),
    _one("acronym-twice", "Trial-acronym", "tkg:acronym", "MaxCount",
         add=f'{S} tkg:acronym "DESTINY-Breast03", "DB-03" .'),
    _one("brief-title-twice", "Trial-briefTitle", "tkg:briefTitle", "MaxCount",
         add=f'{S} tkg:briefTitle "DS-8201a Versus T-DM1" .'),
    _one("brief-title-empty", "Trial-briefTitle", "tkg:briefTitle", "MinLength",
         remove=f'{S} tkg:briefTitle "DS-8201a Versus T-DM1 for Human Epidermal Growth Factor Receptor 2 '
                '(HER2)-Positive, Unresectable and/or Metastatic Breast Cancer Previously Treated With …" .',
         add=f'{S} tkg:briefTitle "" .'),
    _one("official-title-language-tagged", "Trial-officialTitle", "tkg:officialTitle", "Datatype",
         remove=f'{S} tkg:officialTitle "A Phase 3, Multicenter, Randomized, Open-Label, Active-Controlled '
                'Study of DS-8201a (Trastuzumab Deruxtecan), an Anti-HER2 Antibody Drug Conjugate (ADC), …" .',
         add=f'{S} tkg:officialTitle "A Phase 3 Study of DS-8201a"@en .'),
    _one("identifier-untyped", "Trial-identifier", "tkg:identifier", "Class",
         add=f"{S} tkg:identifier <identifier/NCT03529110/destiny-breast03> ."),
    # status and design
    *_enum("status", '"COMPLETED"', "Active, not recruiting", "ACTIVE_NOT_RECRUITING"),
    _one("why-stopped-twice", "Trial-whyStopped", "tkg:whyStopped", "MaxCount",
         add=f'{S} tkg:whyStopped "sponsor decision", "slow accrual" .'),
    _one("phase-legacy", "Trial-phase-value", "tkg:phase", "In",
         remove=f'{S} tkg:phase "PHASE3" .', add=f'{S} tkg:phase "Phase 3" .'),
    *_enum("studyType", '"OBSERVATIONAL"', "Interventional", "INTERVENTIONAL"),
    *_enum("allocation", '"NA"', "Randomized", "RANDOMIZED"),
    *_enum("interventionModel", '"CROSSOVER"', "Parallel Assignment", "PARALLEL"),
    *_enum("observationalModel", '"COHORT", "CASE_ONLY"', "Cohort"),
    *_enum("timePerspective", '"PROSPECTIVE", "RETROSPECTIVE"', "Prospective"),
    *_enum("primaryPurpose", '"DIAGNOSTIC"', "Treatment", "TREATMENT"),
    *_enum("masking", '"DOUBLE"', "None (Open Label)", "NONE"),
    *_enum("enrollmentType", '"ESTIMATED"', "Anticipated", "ACTUAL"),
    *_enum("sex", '"FEMALE"', "Both", "ALL"),
    *_enum("responsiblePartyType", '"PRINCIPAL_INVESTIGATOR"', "Sponsor", "SPONSOR"),
    _one("enrollment-twice", "Trial-enrollment-count", "tkg:enrollment", "MaxCount", add=f"{S} tkg:enrollment 600 ."),
    _one("enrollment-negative", "Trial-enrollment-value", "tkg:enrollment", "MinInclusive",
         remove=f"{S} tkg:enrollment 524 .", add=f"{S} tkg:enrollment -524 ."),
    # A string is not comparable with 0 either, so sh:minInclusive reports it too.
    Case("enrollment-string", V2, {("Trial-enrollment-value", T, "tkg:enrollment", "Datatype"),
                                   ("Trial-enrollment-value", T, "tkg:enrollment", "MinInclusive")},
         remove=f"{S} tkg:enrollment 524 .", add=f'{S} tkg:enrollment "524" .'),
    _one("has-results-twice", "Trial-hasResults", "tkg:hasResults", "MaxCount", add=f"{S} tkg:hasResults false ."),
    _one("has-results-string", "Trial-hasResults", "tkg:hasResults", "Datatype",
         remove=f"{S} tkg:hasResults true .", add=f'{S} tkg:hasResults "Yes" .'),
    _one("healthy-volunteers-string", "Trial-healthyVolunteers", "tkg:healthyVolunteers", "Datatype",
         remove=f"{S} tkg:healthyVolunteers false .", add=f'{S} tkg:healthyVolunteers "No" .'),
    # dates
    _one("start-date-twice", "Trial-startDate-count", "tkg:startDate", "MaxCount",
         add=f'{S} tkg:startDate "2018-08"^^xsd:gYearMonth .'),
    _one("start-date-untyped", "Trial-startDate-value", "tkg:startDate", "Or",
         remove=f'{S} tkg:startDate "2018-08-09"^^xsd:date .', add=f'{S} tkg:startDate "2018-08-09" .'),
    _one("primary-completion-twice", "Trial-primaryCompletionDate-count", "tkg:primaryCompletionDate", "MaxCount",
         add=f'{S} tkg:primaryCompletionDate "2022-05-21"^^xsd:date .'),
    _one("primary-completion-no-such-day", "Trial-primaryCompletionDate-value", "tkg:primaryCompletionDate", "Or",
         remove=f'{S} tkg:primaryCompletionDate "2021-05-21"^^xsd:date .',
         add=f'{S} tkg:primaryCompletionDate "2021-02-30"^^xsd:date .'),
    _one("completion-twice", "Trial-completionDate-count", "tkg:completionDate", "MaxCount",
         add=f'{S} tkg:completionDate "2026"^^xsd:gYear .'),
    # Month 13 breaks the pattern, and makes the literal ill-typed, so none of sh:or's datatypes holds.
    Case("completion-month-13", V2, {("Trial-completionDate-value", T, "tkg:completionDate", "Pattern"),
                                     ("Trial-completionDate-value", T, "tkg:completionDate", "Or")},
         remove=f'{S} tkg:completionDate "2026-07-30"^^xsd:date .',
         add=f'{S} tkg:completionDate "2026-13"^^xsd:gYearMonth .'),
    _one("first-posted-twice", "Trial-firstPosted-count", "tkg:firstPosted", "MaxCount",
         add=f'{S} tkg:firstPosted "2018-05-21"^^xsd:date .'),
    Case("first-posted-as-words", V2, {("Trial-firstPosted-value", T, "tkg:firstPosted", "Or"),
                                        ("Trial-firstPosted-value", T, "tkg:firstPosted", "Pattern")},
         remove=f'{S} tkg:firstPosted "2018-05-18"^^xsd:date .', add=f'{S} tkg:firstPosted "May 18, 2018" .'),
    _one("last-update-twice", "Trial-lastUpdatePosted-count", "tkg:lastUpdatePosted", "MaxCount",
         add=f'{S} tkg:lastUpdatePosted "2025-11-04"^^xsd:date .'),
    Case("last-update-datetime", V2, {("Trial-lastUpdatePosted-value", T, "tkg:lastUpdatePosted", "Or"),
                                      ("Trial-lastUpdatePosted-value", T, "tkg:lastUpdatePosted", "Pattern")},
         remove=f'{S} tkg:lastUpdatePosted "2025-10-21"^^xsd:date .',
         add=f'{S} tkg:lastUpdatePosted "2025-10-21T09:00:00"^^xsd:dateTime .'),
    # description and eligibility
    _one("brief-summary-twice", "Trial-briefSummary", "tkg:briefSummary", "MaxCount",
         add=f'{S} tkg:briefSummary "A second summary." .'),
    _one("detailed-description-twice", "Trial-detailedDescription", "tkg:detailedDescription", "MaxCount",
         add=f'{S} tkg:detailedDescription "One.", "Two." .'),
    _one("keyword-empty", "Trial-keyword", "tkg:keyword", "MinLength", add=f'{S} tkg:keyword "" .'),
    _one("eligibility-twice", "Trial-eligibilityCriteria", "tkg:eligibilityCriteria", "MaxCount",
         add=f'{S} tkg:eligibilityCriteria "Exclusion Criteria: none" .'),
    _one("minimum-age-without-unit", "Trial-minimumAge", "tkg:minimumAge", "Pattern",
         remove=f'{S} tkg:minimumAge "18 Years" .', add=f'{S} tkg:minimumAge "18" .'),
    _one("maximum-age-n-a", "Trial-maximumAge", "tkg:maximumAge", "Pattern", add=f'{S} tkg:maximumAge "N/A" .'),
    # links
    _one("condition-to-mesh", "Trial-condition", "tkg:condition", "Class", add=f"{S} tkg:condition mesh:D001943 ."),
    _one("condition-mesh-to-condition", "Trial-conditionMeshTerm", "tkg:conditionMeshTerm", "Class",
         add=f"{S} tkg:conditionMeshTerm <condition/breast-cancer> ."),
    _one("intervention-mesh-to-drug", "Trial-interventionMeshTerm", "tkg:interventionMeshTerm", "Class",
         add=f"{S} tkg:interventionMeshTerm <drug/trastuzumab-deruxtecan> ."),
    _one("arm-to-intervention", "Trial-arm", "tkg:arm", "Class",
         add=f"{S} tkg:arm <intervention/NCT03529110/drug-trastuzumab-deruxtecan-t-dxd> ."),
    _one("intervention-to-arm", "Trial-intervention", "tkg:intervention", "Class",
         add=f"{S} tkg:intervention <arm/NCT03529110/trastuzumab-deruxtecan-t-dxd> ."),
    _one("other-outcome-to-identifier", "Trial-outcome",
         "(tkg:outcome|tkg:primaryOutcome|tkg:secondaryOutcome|tkg:otherOutcome)", "Class",
         add=f"{S} tkg:otherOutcome <identifier/NCT03529110/destiny-b03> ."),
    _one("drug-untyped", "Trial-drug", "tkg:drug", "Class", add=f"{S} tkg:drug <drug/t-dxd> ."),
    _one("tracer-to-drug", "Trial-tracer", "tkg:tracer", "Class",
         add=f"{S} tkg:tracer <drug/trastuzumab-deruxtecan> ."),
    _one("two-lead-sponsors", "Trial-leadSponsor", "tkg:leadSponsor", "MaxCount",
         add=f"{S} tkg:leadSponsor <org/astrazeneca> ."),
    _one("collaborator-to-person", "Trial-collaborator", "tkg:collaborator", "Class",
         add=f"{S} tkg:collaborator <person/global-team-leader> ."),
    _one("responsible-party-to-organization", "Trial-responsibleParty", "tkg:responsibleParty", "Class",
         add=f"{S} tkg:responsibleParty <org/daiichi-sankyo> ."),
    _one("principal-investigator-to-organization", "Trial-official",
         "(tkg:official|tkg:principalInvestigator|tkg:studyDirector|tkg:studyChair)", "Class",
         add=f"{S} tkg:principalInvestigator <org/astrazeneca> ."),
    _one("contact-to-organization", "Trial-contact", "tkg:contact", "Class",
         add=f"{S} tkg:contact <org/astrazeneca> ."),
    _one("site-to-city", "Trial-site", "tkg:site", "Class",
         add=f"{S} tkg:site <city/united-states/california/whittier> ."),
    _one("country-to-city", "Trial-country", "tkg:country", "Class",
         add=f"{S} tkg:country <city/united-states/florida/fort-myers> ."),
    _one("site-recruitment-to-site", "Trial-siteRecruitment", "tkg:siteRecruitment", "Class",
         add=f"{S} tkg:siteRecruitment <site/innovative-clinical-research-institute-aa8a9abaf1> ."),
    _one("result-reference-to-condition", "Trial-reference",
         "(tkg:reference|tkg:backgroundReference|tkg:resultReference|tkg:derivedReference)", "Class",
         add=f"{S} tkg:resultReference <condition/breast-cancer> ."),
    _one("related-listed-local", "Trial-relatedListed", "tkg:relatedListed", "Pattern",
         add=f"{S} tkg:relatedListed <trial/local-da39a3ee5e6b4b0d> ."),
    Case("related-listed-literal", V2, {("Trial-relatedListed", T, "tkg:relatedListed", "NodeKind"),
                                        ("Trial-relatedListed", T, "tkg:relatedListed", "Pattern")},
         add=f'{S} tkg:relatedListed "NCT03734029" .'),
    _one("related-listing-to-trial", "Trial-relatedListing", "tkg:relatedListing", "Class",
         add=f"{S} tkg:relatedListing <trial/NCT03734029> ."),
]  # fmt: skip


def test_real_trial_conforms() -> None:
    assert results(Case("whole", V2, set()).graph()) == set()


def test_local_trial_without_nct_id_conforms() -> None:
    # The terse page of NCT01832051 (tests/golden/NCT01832051.terse.txt.ttl) has no registry id.
    local = turtle(
        '<https://w3id.org/trialkg/trial/local-da39a3ee5e6b4b0d> a tkg:Trial ; rdfs:label "local-da39a3ee5e6b4b0d" ; '
        'tkg:allocation "NA" ; tkg:enrollment 20 ; tkg:masking "NONE" ; tkg:primaryPurpose "DIAGNOSTIC" ; '
        'tkg:studyType "INTERVENTIONAL" .'
    )
    assert results(local) == set()


def test_year_and_month_dates_conform() -> None:
    # Legacy records give months only ('May 2013') and some sources a bare year.
    remove = f'{S} tkg:startDate "2018-08-09"^^xsd:date ; tkg:completionDate "2026-07-30"^^xsd:date .'
    add = f'{S} tkg:startDate "2018-08"^^xsd:gYearMonth ; tkg:completionDate "2026"^^xsd:gYear .'
    graph = Case("coarse-dates", V2, set(), remove=remove, add=add).graph()
    assert results(graph) == set()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_broken_trial_is_reported(case: Case) -> None:
    assert results(case.graph()) == case.expect


def test_every_trial_shape_has_a_violating_case() -> None:
    hit = {shape for case in CASES for shape, *_ in case.expect}
    assert property_shapes("Trial") | property_shapes("TrialIdentity") <= hit
