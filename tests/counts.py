"""Counts a suite reports (trials, inputs tried, pushes checked): shown at the end of every run, even
when pytest captures output, so CI's log carries them."""
COUNTS: list[str] = []


def report_count(*parts) -> None:
    line = " ".join(str(p) for p in parts).strip()
    COUNTS.append(line)
    print(line)
