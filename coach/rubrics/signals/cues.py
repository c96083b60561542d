"""Round-specific cues, keyed by criterion id, each tagged with its group.

A cue found in a list-like sentence is ``listed``: a keyword, not a statement.
"""

from __future__ import annotations

import re

from coach.rubrics.signals.signal import Signal
from coach.rubrics.signals.text import View

_CUE_PATTERNS: dict[str, dict[str, str]] = {
    "data_first": {
        "data": r"\b(?:data(?:set)?|labels?|labell?ed|labell?ing|annotat\w*|logs?|ground truth|"
        r"training set|events?|clicks?|chargebacks?|sample\w*|examples?|source[sd]?)\b",
        "pitfall": r"\b(?:label (?:delay|lag|noise|quality)|late|delay\w*"
        r"|arriv\w*(?: \w+){0,4} later|noisy|noise|bias\w*"
        r"|leak\w*|"
        r"skew|imbalance\w*|fresh\w*|stale|cold[- ]start|quality|positive rate|position bias|"
        r"selection bias|disagree\w*)\b",
        "model": r"\b(?:transformer|bert|xgboost|lightgbm|gbdt|gbm|two-tower|classifier|"
        r"regression|ranker|architecture|embedding model|neural|gradient[- ]boost\w*|boosted|"
        r"random forest|decision trees?|lstm|cnn|rnn|dnn|deep (?:learning|model|network)|"
        r"(?:a|the|which|what) model (?:to|i'd|we'd|family)|model family|(?:pick|choose|chose"
        r"|picked|train|trained|start with|use|used) (?:a|an|the) (?:\w+ )?model)\b",
    },
    "clarifies_assumptions": {
        "assumption": r"\b(?:assum\w*|let's say|say we|say it's|say (?:about |around |roughly )?\d"
        r"|(?:plan|design|size) (?:it |this |the \w+ )?for|suppose|i'll take|i'd ask"
        r"|i'd clarify|"
        r"clarify\w*|first question|is it|are we|do we|the goal is|the objective|objective is|"
        r"requirements?|out of scope|in scope|constraints?|budget)\b",
        "token": r"\b(?:clarifying questions|the usual requirements|a few questions)\b",
        "change": r"\bif (?:it'?s|it were|the|we|that)\b[^.]{0,60}\b(?:instead|would change"
        r"|i'd|we'd|"
        r"i would|we would|then)\b",
    },
    "monitoring_and_rollback": {
        "signal": r"\b(?:psi|distribution|null[- ]rate|approval rate|flag rate|latency|score "
        r"distribution|feature drift|data quality|calibration|precision|recall|error rate|"
        r"freshness|throughput)\b",
        "trigger": r"\b(?:(?:alert\w*|pag(?:e|es|ed|ing))(?: [\w-]+){0,3}? (?:on|when|if)|threshold"
        r"|more than|"
        r"goes over|drops? (?:below|by)|automatic rollback|trigger\w*)\b",
        "rollout": r"\b(?:shadow|canary|a[/ -]?b test|ramp\w*|staged|gradual|percent of traffic"
        r"|% of traffic)\b",
        "rollback": r"\b(?:roll ?back|rolled back|revert\w*|kill switch|fallback)\b",
        # "retrain as needed" names no cadence or trigger: lifecycle words, level 1
        "retrain": r"\b(?:retrain\w*(?! (?:(?:it|them|the model) )?(?:as|when|if) (?:needed"
        r"|necessary|required)| (?:\w+ )?(?:periodically|regularly|occasionally))|cadence"
        r"|refresh\w*|(?:daily|weekly|nightly|hourly) "
        r"(?:retrain\w*|training|refresh\w*|updates?|(?:model )?builds?)|(?:train\w*|updat\w*|"
        r"rebuil\w*|refresh\w*)(?: \w+){0,4} (?:daily|weekly|nightly|hourly|every (?:day|week"
        r"|night|hour)))\b",
        "generic": r"\b(?:monitor\w*|drift|alerts?|observability|retrain\w*)\b",
    },
    "business_impact": {
        "outcome": r"\b(?:revenue|cost|costs|conversion|retention|engagement|churn|sales|orders|"
        r"bookings|customers|users|support (?:load|tickets)|fraud loss\w*|losses"
        r"|time to production|"
        r"click-?through|ctr|add-to-carts?|approvals?|dollars|margin|spend|savings|saved"
        r"|complaints|"
        r"opens?|open rate|roi|cpa|tickets?|response time|time to (?:first )?response|"
        r"resolution time|handle time|turnaround|time (?:spent|saved)|(?:review|processing"
        r"|triage|investigation|labell?ing|waiting|wait) time|manual (?:work|effort|reviews?"
        r"|labell?ing|checks?)|freed (?:up )?(?:\w+ ){0,3}?(?:time|hours|days|weeks|analysts?"
        r"|engineers?|agents?|people|staff)|(?:person|analyst|engineer|agent)[- ](?:hours|days"
        r"|weeks))\b",
        "attribution": r"\b(?:a[/ -]?b test\w*|experiment\w*|holdout|control group"
        r"|before[- ]and[- ]after|"
        r"shadow|backtest\w*|attribut\w*)\b",
        "vague": r"\b(?:helped the business|really happy|loved it|added value|business value|"
        r"stakeholders (?:were|loved))\b",
    },
    "partner_named": {
        "partner": r"\b(?:pm|product manager|product team|product|designer|design team|legal|"
        r"compliance|sales|marketing|data engineering|infra\w*|platform team|finance|leadership|"
        r"manager|stakeholders?|analysts?|ops|operations|support team|research\w*|partnerships|"
        r"policy team|tech lead|lead|data scientists?|head of \w+|moderators?|reviewers?)\b",
        "tension": r"\b(?:disagree\w*|wanted|pushed back|push back|concern\w*|tension|conflict|"
        r"didn't trust|objected|worried|argu\w*|friction|didn't think|did not think|"
        r"back and forth)\b",
        "compromise": r"\b(?:compromise|agreed|middle ground|proposed|offered|settled|we landed|"
        r"worked it out|met halfway)\b",
        "outcome": r"\b(?:months? later|weeks? later|months? on|after a (?:month|quarter|year)|"
        r"result|outcome|ended up|shipped|launched|we kept)\b",
        "process": r"\b(?:template|process|policy|standard|now|every)\b",
    },
    "narrates_gotchas": {
        "pitfall": r"\b(?:gotchas?|go wrong|goes wrong|edge cases?|empty (?:clusters?|input)|local "
        r"minim\w*|initiali[sz]ations?|converge\w*|numerical\w*|overflow|underflow|stability|nan|"
        r"scal(?:e|ing) (?:the )?features|normali[sz]\w*|standardi[sz]\w*|leak\w*|ties|"
        r"imbalance\w*|outliers?|"
        r"division by zero|divide by zero|log of zero|off-by-one|exploding|vanishing|"
        r"overflows?|underflows?|undefined|no points|cho(?:ose|osing) k)\b",
        "handling": r"\b(?:so i'd|i'd use|i'd add|handle\w*|re-?seed\w*|clip\w*|epsilon|guard\w*|"
        r"instead|fix\w*|check\w*|subtract\w*|split by|before fitting)\b",
        "verify": r"\b(?:unit tests?|test (?:it )?against|compare (?:it )?(?:with|against)|sklearn|"
        r"scikit|assert\w*|sanity check\w*|finite differences|gradient check\w*)\b",
    },
    "metrics_beyond_accuracy": {
        "metric": r"\b(?:precision|recall|f1|pr-?auc|roc-?auc|auc|calibrat\w*|ndcg|map|mrr"
        r"|log ?loss|"
        r"mae|rmse|mape|ctr|click-?through)\b",
        "reason": r"\b(?:false positives?|false negatives?|cost of (?:an )?errors?|because|"
        r"imbalance\w*|rare|what matters|positives are|can review|cope with|so)\b",
        "operating_point": r"\b(?:at a fixed|threshold|operating point|recall at|precision at|"
        r"at k|@k|top-?k|flag the top|the top \d)\b",
        "online": r"\b(?:a/b|a[ -]b test|online|business|revenue|conversion|guardrail\w*)\b",
        "accuracy_only": r"\baccuracy\b",
    },
}


def find_cues(view: View) -> dict[str, list[Signal]]:
    """Each criterion's cues, sentence by sentence."""
    found: dict[str, list[Signal]] = {}
    for criterion, groups in _CUE_PATTERNS.items():
        signals: list[Signal] = []
        for sentence in view.sentences:
            lower = sentence.text.lower()
            for group, pattern in groups.items():
                match = re.search(pattern, lower)
                if match:
                    signals.append(
                        view.sentence_signal(
                            criterion,
                            sentence,
                            group,
                            sentence.start + match.start(),
                            listed=sentence.listy,
                        )
                    )
        found[criterion] = signals
    return found


def cues_in(criterion: str, group: str, text: str) -> list[tuple[int, str]]:
    """Every cue of one group in a sentence, as (position, words): where :func:`find_cues` keeps
    a sentence once, "overflows on large logits … can underflow to zero" holds two pitfalls."""
    pattern = _CUE_PATTERNS[criterion][group]
    return [(match.start(), match.group(0)) for match in re.finditer(pattern, text.lower())]
