"""Times Python authres 1.2.0 on the field of the mailtrail-authres bench.

The criterion bench `cargo bench -p mailtrail-benches --bench authres`
parses the value of benches/data/authres-field.eml (325 bytes with its name
and line end: dkim, spf and dmarc results, three comments, five properties).
This script parses the same value with the Python reference implementation
and prints the time per field, so both figures come from the same machine.

authres is not a dependency of the project; install it in a scratch virtual
environment first:

    python3 -m venv /tmp/authres-venv
    /tmp/authres-venv/bin/pip install authres==1.2.0
    /tmp/authres-venv/bin/python benches/python/authres_bench.py

It prints the best of several timeit repeats, in nanoseconds per field.
With `--parses N` it parses the field N times without timing, for counting
instructions: run it under `valgrind --tool=callgrind` with N = 100 and
N = 200, and divide the difference of the totals by 100.
"""

import pathlib
import sys
import timeit

import authres

FIELD = pathlib.Path(__file__).resolve().parent.parent / "data" / "authres-field.eml"
NAME = "Authentication-Results:"


def main():
    field = FIELD.read_bytes().decode()
    assert len(field.encode()) == 325, "the bench field is 325 bytes"
    value = field[len(NAME):]

    parsed = authres.AuthenticationResultsHeader.parse_value(value)
    properties = sum(len(result.properties) for result in parsed.results)
    assert (len(parsed.results), properties) == (3, 5), "authres reads every part"

    def parse_and_touch():
        header = authres.AuthenticationResultsHeader.parse_value(value)
        total = len(header.authserv_id)
        for result in header.results:
            total += len(result.method) + len(result.result)
            for prop in result.properties:
                total += len(prop.type) + len(prop.name) + len(prop.value)
        return total

    if sys.argv[1:2] == ["--parses"]:
        for _ in range(int(sys.argv[2])):
            parse_and_touch()
        return

    number = 2000
    best = min(timeit.repeat(parse_and_touch, number=number, repeat=7))
    print(f"authres {authres.__version__}: {best / number * 1e9:,.0f} ns per field")


if __name__ == "__main__":
    main()
