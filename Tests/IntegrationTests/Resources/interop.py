#!/usr/bin/env python3
"""An independent peer for the hub's JOSE objects, written with Python's
`cryptography` package only (no code shared with the Swift implementation).

Subcommands (all read the object from stdin and write to stdout):
  verify-jws --typ T                 check header, ES256 signature, JCS payload; print the payload
  sign-jws --cert C --key K --typ T  sign the JSON payload on stdin; print the compact JWS
  seal --jwk F --from OIN --to OIN --ref ID   seal the plaintext JSON on stdin (pad added)
  open --key K --from OIN --to OIN --ref ID   open a compact JWE; print the plaintext
Exit status 0 on success, 1 with a message on stderr on failure.
"""
import base64
import json
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.concatkdf import ConcatKDFHash


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64u(text: str) -> bytes:
    if "=" in text:
        raise ValueError("padded base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def jcs(value) -> bytes:
    # JCS equals this for the objects exchanged here: integers, strings, no floats.
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def fail(message: str):
    print(message, file=sys.stderr)
    sys.exit(1)


def args(names):
    out = {}
    argv = sys.argv[2:]
    for i in range(0, len(argv), 2):
        out[argv[i].lstrip("-")] = argv[i + 1]
    for n in names:
        if n not in out:
            fail(f"missing --{n}")
    return out


def verify_jws(a):
    compact = sys.stdin.read().strip()
    h, p, s = compact.split(".")
    header = json.loads(unb64u(h))
    if set(header) != {"alg", "typ", "x5c"} or header["alg"] != "ES256" or header["typ"] != a["typ"]:
        fail("bad header")
    leaf = x509.load_der_x509_certificate(base64.b64decode(header["x5c"][0], validate=True))
    sig = unb64u(s)
    if len(sig) != 64:
        fail("signature is not 64 bytes")
    der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
    leaf.public_key().verify(der, (h + "." + p).encode("ascii"), ec.ECDSA(hashes.SHA256()))
    payload = unb64u(p)
    value = json.loads(payload)
    if jcs(value) != payload:
        fail("payload is not canonical")
    oin = leaf.subject.get_attributes_for_oid(x509.NameOID.SERIAL_NUMBER)[0].value
    if value.get("iss") is not None and value["iss"] != oin:
        fail("iss is not the certificate's OIN")
    sys.stdout.write(payload.decode("utf-8"))


def sign_jws(a):
    certs = x509.load_pem_x509_certificates(open(a["cert"], "rb").read())
    key = serialization.load_pem_private_key(open(a["key"], "rb").read(), password=None)
    header = {"alg": "ES256", "typ": a["typ"], "x5c": [base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode() for c in certs]}
    payload = json.loads(sys.stdin.read())
    signing_input = b64u(jcs(header)) + "." + b64u(jcs(payload))
    r, s = decode_dss_signature(key.sign(signing_input.encode("ascii"), ec.ECDSA(hashes.SHA256())))
    print(signing_input + "." + b64u(r.to_bytes(32, "big") + s.to_bytes(32, "big")))


def lp(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


def concat_kdf(z: bytes, enc: str, apu: bytes, apv: bytes) -> bytes:
    other = lp(enc.encode()) + lp(apu) + lp(apv) + (256).to_bytes(4, "big")
    return ConcatKDFHash(algorithm=hashes.SHA256(), length=32, otherinfo=other).derive(z)


def seal(a):
    jwk = json.load(open(a["jwk"]))
    recipient = ec.EllipticCurvePublicNumbers(
        int.from_bytes(unb64u(jwk["x"]), "big"), int.from_bytes(unb64u(jwk["y"]), "big"), ec.SECP256R1()
    ).public_key()
    eph = ec.generate_private_key(ec.SECP256R1())
    n = eph.public_key().public_numbers()
    epk = {"kty": "EC", "crv": "P-256", "x": b64u(n.x.to_bytes(32, "big")), "y": b64u(n.y.to_bytes(32, "big"))}
    apu, apv = a["from"].encode(), a["to"].encode()
    header = {"alg": "ECDH-ES", "enc": "A256GCM", "kid": jwk["kid"], "epk": epk, "apu": b64u(apu), "apv": b64u(apv),
              "cty": "hub-identity+json", "ref": a["ref"]}
    key = concat_kdf(eph.exchange(ec.ECDH(), recipient), "A256GCM", apu, apv)
    plaintext = json.loads(sys.stdin.read())
    plaintext["pad"] = ""
    length = len(jcs(plaintext))
    plaintext["pad"] = " " * (-length % 1024)
    data = jcs(plaintext)
    assert len(data) % 1024 == 0
    protected = b64u(jcs(header))
    iv = __import__("os").urandom(12)
    ct = AESGCM(key).encrypt(iv, data, protected.encode("ascii"))
    print(".".join([protected, "", b64u(iv), b64u(ct[:-16]), b64u(ct[-16:])]))


def open_jwe(a):
    parts = sys.stdin.read().strip().split(".")
    if len(parts) != 5 or parts[1] != "":
        fail("not a compact JWE for direct key agreement")
    header = json.loads(unb64u(parts[0]))
    expected = {"alg", "enc", "kid", "epk", "apu", "apv", "cty", "ref"}
    if set(header) != expected or header["alg"] != "ECDH-ES" or header["enc"] != "A256GCM":
        fail("bad JWE header")
    if unb64u(header["apu"]) != a["from"].encode() or unb64u(header["apv"]) != a["to"].encode() or header["ref"] != a["ref"]:
        fail("apu/apv/ref do not match")
    key = serialization.load_pem_private_key(open(a["key"], "rb").read(), password=None)
    epk = ec.EllipticCurvePublicNumbers(
        int.from_bytes(unb64u(header["epk"]["x"]), "big"), int.from_bytes(unb64u(header["epk"]["y"]), "big"), ec.SECP256R1()
    ).public_key()
    cek = concat_kdf(key.exchange(ec.ECDH(), epk), "A256GCM", unb64u(header["apu"]), unb64u(header["apv"]))
    data = AESGCM(cek).decrypt(unb64u(parts[2]), unb64u(parts[3]) + unb64u(parts[4]), parts[0].encode("ascii"))
    sys.stdout.write(data.decode("utf-8"))


def main():
    commands = {
        "verify-jws": (verify_jws, ["typ"]),
        "sign-jws": (sign_jws, ["cert", "key", "typ"]),
        "seal": (seal, ["jwk", "from", "to", "ref"]),
        "open": (open_jwe, ["key", "from", "to", "ref"]),
    }
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        fail(__doc__)
    function, names = commands[sys.argv[1]]
    try:
        function(args(names))
    except Exception as error:  # report, never a traceback
        fail(f"{type(error).__name__}: {error}")


if __name__ == "__main__":
    main()
