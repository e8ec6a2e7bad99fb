"""Validates each line of an NDJSON file against a JSON Schema (draft 2020-12).

Usage: validate_ndjson.py SCHEMA FILE [--expect-invalid]
Exit 0 when every line is valid (or, with --expect-invalid, every line is invalid);
1 otherwise, printing the offending lines; 2 on bad usage; 3 when jsonschema is missing.
Lines are read as strict UTF-8 and strict JSON (NaN/Infinity rejected).
"""
import json
import sys

try:
    import jsonschema
except ImportError:
    print("python3 jsonschema is not installed", file=sys.stderr)
    sys.exit(3)


def reject_constant(name):
    raise ValueError("non-standard JSON constant " + name)


def main(argv):
    if len(argv) not in (3, 4) or (len(argv) == 4 and argv[3] != "--expect-invalid"):
        print(__doc__, file=sys.stderr)
        return 2
    expect_invalid = len(argv) == 4
    with open(argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    failures = 0
    with open(argv[2], "rb") as f:
        data = f.read()
    text = data.decode("utf-8")  # strict: invalid UTF-8 raises and fails the run
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        print("no records", file=sys.stderr)
        return 1
    for number, line in enumerate(lines, 1):
        try:
            record = json.loads(line, parse_constant=reject_constant)
            errors = [e.message for e in validator.iter_errors(record)]
        except ValueError as e:
            errors = ["not JSON: %s" % e]
        if expect_invalid and not errors:
            print("line %d unexpectedly valid: %s" % (number, line))
            failures += 1
        elif not expect_invalid and errors:
            print("line %d invalid: %s\n  %s" % (number, line, "\n  ".join(errors)))
            failures += 1
        elif expect_invalid:
            print("line %d rejected as expected: %s" % (number, errors[0]))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
