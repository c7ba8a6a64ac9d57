"""XFCC throughput: the collection's parser (alone, and with validation) next to a naive split-based
parse, measured in alternating rounds in one run and printed as ratios.

The header is a typical one-element header as an Istio gateway writes it (By, Hash, Cert, Subject,
URI; the layout is checked against a real Envoy in tests/integration/test_xfcc_corpus.py).
The naive parse splits on ',' ';' '=' - it is what the ratio is against, and it is wrong on this
very header (the subject contains a comma), which is printed too.

    .venv/bin/python bench/xfcc_parse.py [--seconds 0.5] [--rounds 7]
"""

import argparse
import datetime
import hashlib
import os
import statistics
import sys
import time
from urllib.parse import quote, unquote

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), ".build", "collections"))

from ansible_collections.kyma.mtls.plugins.module_utils.xfcc import parse_xfcc  # noqa: E402
from ansible_collections.kyma.mtls.plugins.module_utils.xfcc_checks import describe, element_problems  # noqa: E402

NOW = datetime.datetime.now(datetime.timezone.utc)


def certificate(subject, issuer=None, ca=False):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name.from_rfc4514_string(subject)
    signer_cert, signer_key = issuer or (None, key)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(signer_cert.subject if signer_cert else name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(NOW - datetime.timedelta(days=1)).not_valid_after(NOW + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .sign(signer_key, hashes.SHA256()))
    return cert, key


def typical_header():
    ca = certificate("CN=ClientRootCA,O=example Inc.", ca=True)
    client = certificate("O=example,CN=client2.example.com", issuer=ca)[0]
    pem = client.public_bytes(serialization.Encoding.PEM).decode()
    header = ";".join([
        "By=spiffe://cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account",
        "Hash=" + hashlib.sha256(client.public_bytes(serialization.Encoding.DER)).hexdigest(),
        'Cert="%s"' % quote(pem, safe=""), 'Subject="O=example,CN=client2.example.com"', "URI="])
    return header, ca[0]


def naive_parse(header):
    return [dict(pair.split("=", 1) for pair in element.split(";")) for element in header.split(",")]


def naive_parse_and_load(header):
    elements = naive_parse(header)
    for element in elements:
        if "Cert" in element:
            cert = x509.load_pem_x509_certificate(unquote(element["Cert"].strip('"')).encode())
            element["hash_ok"] = cert.fingerprint(hashes.SHA256()).hex() == element.get("Hash")
    return elements


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=0.5, help="time per method per round")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    header, ca = typical_header()

    def ours_parse():
        return [describe(e) for e in parse_xfcc(header)]

    def ours_validate():
        element = parse_xfcc(header)[-1]
        problems = element_problems(element, describe(element), anchors=[ca], valid_at=NOW,
                                    expected_subject="O=example,CN=client2.example.com")
        assert not problems, problems

    methods = {
        "kyma.mtls parse": ours_parse,
        "kyma.mtls parse+validate": ours_validate,
        "naive split": lambda: naive_parse(header),
        "naive split+load cert+hash": lambda: naive_parse_and_load(header),
    }
    rates = {name: [] for name in methods}
    for dummy in range(args.rounds):
        for name, method in methods.items():
            count, start = 0, time.perf_counter()
            while time.perf_counter() - start < args.seconds:
                method()
                count += 1
            rates[name].append(count / (time.perf_counter() - start))
    medians = {name: statistics.median(values) for name, values in rates.items()}
    print("header: %d bytes, one element with Cert; %d rounds of %.1fs per method, medians:" % (
        len(header), args.rounds, args.seconds))
    for name, rate in medians.items():
        print("  %-28s %10.0f headers/s" % (name, rate))
    print("ratios (naive / ours; >1 means the naive parse is faster):")
    print("  parse only:        %.2f" % (medians["naive split"] / medians["kyma.mtls parse"]))
    print("  parse+validate:    %.2f  (against naive split+load cert+hash)" % (
        medians["naive split+load cert+hash"] / medians["kyma.mtls parse+validate"]))
    naive_subject = naive_parse(header)[0].get("Subject")
    print("correctness: naive Subject = %r, ours = %r" % (naive_subject, ours_parse()[0]["subject"]))


if __name__ == "__main__":
    main()
