#!/bin/bash
# ./senemo demo: the two-vehicle testbed and its mobility scenario.
# It needs the NVG handoff (issue "The NVG"), HOTP authentication, the
# URI-list fan-out and the SRTP ALG; until they have landed it says so
# instead of pretending.
echo "senemo demo: not available yet: the moving-network scenario needs the NVG handoff," >&2
echo "HOTP authentication, URI-list fan-out and the SRTP ALG (see README, 'Status')." >&2
exit 2
