# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An allow-list as DENY rules of Istio AuthorizationPolicies that stay small at any length.

One rule "deny when the header is not one of these values" holds the whole list, and Envoy checks a
request against every value. Past a few hundred values the list is cut into buckets by prefix:

- one rule per bucket: deny when the header starts with the bucket's prefix and is not one of the
  bucket's values;
- one catch-all rule: deny when the header starts with none of the prefixes.

The prefixes are prefix-free (no prefix starts another), so a header value falls in at most one
bucket, and the catch-all denies every value outside them: the rules together deny exactly what the
single rule would. Envoy then checks a request against the prefixes and one bucket, and each bucket
can go in a policy object of its own, far below etcd's object size limit.

Values follow Istio's string match: exact, or a prefix when they end with '*' (the fingerprint
rule's "Hash=<sha256>;*"). Values that start with '*' (suffix matches) are not supported.
"""

from __future__ import annotations

# Values per bucket: a request is checked against at most this many, plus the prefixes.
BUCKET_SIZE = 256


def _literal(value):
    """The characters a matching header starts with (all of them, for an exact value)."""
    return value[:-1] if value.endswith("*") else value


def prefix_buckets(values, size=BUCKET_SIZE):
    """([(prefixes, sorted values)], loose values): the values cut by prefix into buckets of at most
    `size` values where they can be cut; small sibling buckets are merged, so a bucket may have several
    prefixes. Loose values are exact values equal to a prefix that had to be cut further: the catch-all
    rule lets them in. Uncut, there is one bucket with the prefix ''."""
    values = sorted(set(values))
    if any(value.startswith("*") for value in values):
        raise ValueError("suffix matches (values starting with '*') cannot be cut into buckets")
    loose = []
    buckets = _cut("", values, size, loose)
    return buckets, sorted(loose)


def _cut(prefix, group, size, loose):
    depth = len(prefix)
    # A prefix match whose literal ends here matches every longer value as well: no cut below it.
    if len(group) <= size or any(v.endswith("*") and len(_literal(v)) == depth for v in group):
        return [([prefix], group)]
    children = {}
    for value in group:
        if len(value) == depth:
            loose.append(value)
        else:
            children.setdefault(prefix + value[depth], []).append(value)
    merged = []
    for child in sorted(children):
        for prefixes, part in _cut(child, children[child], size, loose):
            if merged and len(merged[-1][1]) + len(part) <= size:
                merged[-1] = (merged[-1][0] + prefixes, merged[-1][1] + part)
            else:
                merged.append((prefixes, part))
    return merged


def deny_conditions(key, values, size=BUCKET_SIZE):
    """The `when` lists of the DENY rules that together deny every `key` value not in `values`,
    the catch-all first: [(the bucket's prefixes, or None for the catch-all, when)]."""
    buckets, loose = prefix_buckets(values, size)
    if len(buckets) == 1 and buckets[0][0] == [""] and not loose:
        return [(None, [{"key": key, "notValues": buckets[0][1]}])]
    every_prefix = [prefix + "*" for prefixes, dummy in buckets for prefix in prefixes]
    rules = [(None, [{"key": key, "notValues": every_prefix + loose}])]
    for prefixes, group in buckets:
        rules.append((prefixes, [{"key": key, "values": [p + "*" for p in prefixes]}, {"key": key, "notValues": group}]))
    return rules
