"""Standing (JN; issue 16): the positive list (正面清单) and yellow cards (黄牌).

A unit enters the positive list by a regulator's decision with its basis; a minor violation exempted from
penalty earns a yellow card, with the case or inspection it came from; two or more yellow cards in one
calendar year remove the unit at once; a removed unit cannot re-enter for three years. The list is public;
listed units get the reduced inspection frequency of the plan (``queries.listed_on``)."""
