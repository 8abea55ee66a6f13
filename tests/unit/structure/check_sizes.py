#!/usr/bin/env python3
# The size rules of STYLE/PREAMBLE, checked: no source file in controller/, common/, agent/ or
# ansible-free-recipes/ over 600 lines, no function body over 80 lines. Prints FILE:LINE per
# offence and exits 1. The function scan matches braces (skipping strings, chars, comments) and
# counts a top-level-in-namespace/class brace block whose header looks like a function.
# Usage: check_sizes.py ROOT          check the tree at ROOT
#        check_sizes.py --self-test   prove the scanner on small samples
import pathlib
import re
import sys

MAX_FILE_LINES = 600
MAX_FUNCTION_LINES = 80
SOURCES = {".h", ".hpp", ".cpp", ".cc"}
TOPS = ["controller", "common", "agent", "ansible-free-recipes"]

# Generated code only: a file listed here is exempt from both limits. Each entry says what
# generates it. (Empty today: nothing in the tree is generated.)
GENERATED = {
}

# Files over a limit, each with why it is not fixed yet. A listed file's offences print as
# warnings; an entry whose file is back within the limits fails the check, so the list only
# shrinks. Empty since issue 13's last pass: a new entry needs a reason and an issue that tracks it.
DEFERRED = {
}


# A block opener that is not a function body: namespaces, types, initialiser lists, lambdas
# inside functions are counted with their enclosing function.
NOT_FUNCTION = re.compile(r'\b(namespace|class|struct|union|enum)\b[^;()]*$|=\s*$|\b(extern\s+"C")\s*$')
FUNCTION_HEADER = re.compile(r'\)\s*(const|noexcept|override|final|mutable|->\s*[\w:<>,\s*&]+|\s)*$'
                             r'|\)\s*:\s*[\w:]+\s*[({].*[)}]$', re.S)  # the second: a constructor's initialisers


def strip_code(text):
    """Returns text with comments, string and char literals blanked (newlines kept), so brace
    matching and header tests see code only."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == 'R' and text.startswith('R"', i) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == '_')):
            m = re.match(r'R"([^(\s]*)\(', text[i:])
            end = text.find(")" + (m.group(1) if m else "") + '"', i) if m else -1
            j = n if end < 0 else end + len(m.group(1)) + 2
            out.append('""' + re.sub(r"[^\n]", " ", text[i + 2:j]))
            i = j
        elif c in "\"'":
            if c == "'" and i > 0 and text[i - 1].isalnum():  # digit separator 1'000
                out.append(" ")
                i += 1
                continue
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(c + " " * (j - i - 2) + c if j - i >= 2 else c)
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def long_functions(text, limit=MAX_FUNCTION_LINES):
    """Yields (first line, line count) of each function body longer than limit lines. A body is
    a brace block whose header (the code since the previous ; { or }) ends like a function
    signature and which is not inside another function."""
    code = strip_code(text)
    stack = []  # per open brace: (is_function, start line)
    in_function = 0
    last_break = 0
    line = 1
    for i, c in enumerate(code):
        if c == "\n":
            line += 1
        elif c == "{":
            header = code[last_break:i].strip()
            header = re.sub(r"^\s*#.*$", "", header, flags=re.M).strip()
            is_fn = (in_function == 0 and bool(FUNCTION_HEADER.search(header))
                     and not NOT_FUNCTION.search(header)
                     and not re.match(r"^(if|for|while|switch|catch)\b", header))
            brace_init = (in_function == 0 and not is_fn and not NOT_FUNCTION.search(header)
                          and bool(re.search(r"[\w>]$", code[last_break:i])))
            stack.append((is_fn, line, brace_init))
            if is_fn:
                in_function += 1
            if not brace_init:
                last_break = i + 1
        elif c == "}":
            brace_init = False
            if stack:
                is_fn, start, brace_init = stack.pop()
                if is_fn:
                    in_function -= 1
                    length = line - start + 1
                    if length > limit:
                        yield start, length
            if not brace_init:  # b_{a} in an initialiser list stays part of the header
                last_break = i + 1
        elif c == ";":
            last_break = i + 1
    return


def offences(root):
    root = pathlib.Path(root)
    errors, warnings = [], []
    offending = set()
    for top in TOPS:
        for path in sorted((root / top).rglob("*")):
            if path.suffix not in SOURCES or not path.is_file():
                continue
            rel = path.relative_to(root).as_posix()
            if rel in GENERATED:
                continue
            sink = warnings if rel in DEFERRED else errors
            before = len(sink)
            text = path.read_text(errors="replace")
            lines = text.count("\n") + (0 if text.endswith("\n") or not text else 1)
            if lines > MAX_FILE_LINES:
                sink.append(f"{rel}:1: {lines} lines (limit {MAX_FILE_LINES})")
            for start, length in long_functions(text):
                sink.append(f"{rel}:{start}: function of {length} lines (limit {MAX_FUNCTION_LINES})")
            if len(sink) > before:
                offending.add(rel)
    for rel in sorted(set(DEFERRED) - offending):
        errors.append(f"{rel}: within the limits now: remove it from DEFERRED in check_sizes.py")
    return errors, warnings


def body(n):
    return "".join(f"  x += {i};\n" for i in range(n))


def self_test():
    """Each sample: (source, expected list of (start line, length)) with a small limit of 5."""
    samples = [
        ("int f() {\n" + body(3) + "}\n", []),
        ("int f() {\n" + body(6) + "}\n", [(1, 8)]),
        ("namespace a {\nstruct S {\n  void g() const {\n" + body(6) + "  }\n};\n}\n", [(3, 8)]),
        # braces inside strings, chars, comments and raw strings do not count
        ('int f() {\n  s = "{{{"; c = \'{\';\n  // {\n  /* { */ r = R"x({)x";\n}\n'
         + "int g() {\n" + body(6) + "}\n", [(6, 8)]),
        # control blocks and lambdas are part of their function, not functions themselves
        ("void f() {\n  if (a) {\n" + body(2) + "  }\n  auto l = [] {\n" + body(2) + "  };\n}\n", [(1, 10)]),
        # a long initialiser table or enum is not a function
        ("const int t[] = {\n" + "1,\n" * 9 + "};\nenum class E {\n" + "A,\n" * 9 + "};\n", []),
        # a trailing return type and noexcept still make a function
        ("auto f() noexcept -> int {\n" + body(6) + "}\n", [(1, 8)]),
        # constructor with an initialiser list
        ("S::S(int a)\n    : a_(a), b_{a} {\n" + body(6) + "}\n", [(2, 8)]),
    ]
    failed = 0
    for number, (source, expected) in enumerate(samples, 1):
        got = list(long_functions(source, limit=5))
        if got != expected:
            print(f"sample {number}: expected {expected}, got {got}")
            failed += 1
    print(f"{len(samples) - failed}/{len(samples)} samples right")
    return 1 if failed else 0


def main(argv):
    if len(argv) == 2 and argv[1] == "--self-test":
        return self_test()
    if len(argv) != 2:
        print(__doc__ or "usage: check_sizes.py ROOT | --self-test", file=sys.stderr)
        return 2
    errors, warnings = offences(argv[1])
    for w in warnings:
        print("deferred: " + w)
    print(f"{len(DEFERRED)} files deferred, {len(errors)} errors")
    for e in errors:
        print(e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
